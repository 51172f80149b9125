/**
 * Cooperative yielding through the Node driver (docs/concurrency.md): a long aggregate with
 * `maxTimeMS` fails with 50 MaxTimeMSExpired, and while it runs a second client is still answered.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "maxTimeMS on a long aggregate → MaxTimeMSExpired, while another client's ping answers quickly",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const a = new MongoClient(server.uri);
    const b = new MongoClient(server.uri);
    try {
      const coll = a.db("conc").collection<AnyDoc>("docs");
      const arr = Array.from({ length: 10 }, (_, i) => i);
      for (let i = 0; i < 50_000; i += 10_000) {
        await coll.insertMany(Array.from({ length: 10_000 }, (_, j) => ({ _id: i + j, g: j % 100, arr })));
      }
      await b.db("admin").command({ ping: 1 }); // connect B before the long query starts
      // 500k unwound documents through $group: far longer than 50 ms without a deadline.
      const pipeline = [{ $unwind: "$arr" }, { $group: { _id: "$arr", n: { $sum: 1 }, s: { $sum: "$g" } } }];
      const started = performance.now();
      const long = coll.aggregate(pipeline, { maxTimeMS: 50 }).toArray().then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 10));
      const t = performance.now();
      await b.db("admin").command({ ping: 1 });
      const pingMs = performance.now() - t;
      const err = await long;
      const tookMs = performance.now() - started;
      assert.ok(err instanceof MongoServerError, `expected a server error, got ${err}`);
      assert.equal(err.code, 50);
      assert.equal(err.codeName, "MaxTimeMSExpired");
      assert.ok(pingMs < 500, `ping took ${pingMs.toFixed(0)} ms during the aggregate`);
      assert.ok(tookMs < 2_000, `the aggregate stopped only after ${tookMs.toFixed(0)} ms`);

      // Without a limit (or with a generous one) the same pipeline completes.
      const out = await coll.aggregate(pipeline, { maxTimeMS: 600_000 }).toArray();
      assert.equal(out.length, 10);
      assert.equal(out.reduce((n: number, d: AnyDoc) => n + d.n, 0), 500_000);
      // count and distinct accept maxTimeMS too.
      assert.equal(await coll.countDocuments({ g: 1 }, { maxTimeMS: 600_000 }), 500);
      assert.equal((await coll.distinct("g", {}, { maxTimeMS: 600_000 })).length, 100);
      // A find whose cursor outlives the first batch keeps working through getMores.
      assert.equal((await coll.find({}, { maxTimeMS: 600_000, batchSize: 1000 }).toArray()).length, 50_000);
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
});
