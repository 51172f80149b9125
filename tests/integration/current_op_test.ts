/**
 * currentOp / $currentOp / killOp through the Node driver and mongosh: a long aggregate shows up in
 * the list with its opid, command and client, and killOp stops it with 11601 Interrupted while the
 * server keeps serving.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "a long aggregate is listed by currentOp and $currentOp, and killOp interrupts it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const a = new MongoClient(server.uri, { appName: "long-runner" });
    const b = new MongoClient(server.uri);
    try {
      const coll = a.db("ops").collection<AnyDoc>("docs");
      const arr = Array.from({ length: 20 }, (_, i) => i);
      for (let i = 0; i < 60_000; i += 10_000) {
        await coll.insertMany(Array.from({ length: 10_000 }, (_, j) => ({ _id: i + j, g: j % 100, arr })));
      }
      const admin = b.db("admin");
      await admin.command({ ping: 1 });
      // 1.2M unwound documents through $group: seconds of work, yielding all along.
      const pipeline = [{ $unwind: "$arr" }, { $group: { _id: "$arr", n: { $sum: 1 } } }];
      const long = coll.aggregate(pipeline).toArray().then(() => undefined, (e: unknown) => e);

      let op: AnyDoc | undefined;
      for (let i = 0; i < 200 && !op; i++) {
        const res = await admin.command({ currentOp: 1, "command.aggregate": "docs" });
        op = res["inprog"][0];
        if (!op) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(op, "the aggregate is listed while it runs");
      assert.equal(op.op, "command");
      assert.equal(op.ns, "ops.docs");
      assert.equal(op.appName, "long-runner");
      assert.equal(op.active, true);
      assert.equal(typeof op.opid, "number");

      const viaStage = await admin.aggregate([{ $currentOp: { allUsers: true } }, {
        $match: { opid: op.opid },
      }]).toArray();
      assert.equal(viaStage.length, 1);
      assert.deepEqual(viaStage[0]!.command.pipeline, pipeline);

      const killed = await admin.command({ killOp: 1, op: op.opid });
      assert.equal(killed["ok"], 1);
      const err = await long;
      assert.ok(err instanceof MongoServerError, `expected a server error, got ${err}`);
      assert.equal(err.code, 11601);
      assert.equal(err.codeName, "Interrupted");

      // The server keeps serving, and currentOp outside admin is refused as on mongod.
      assert.equal(await coll.countDocuments({ g: 1 }), 600);
      await assert.rejects(a.db("ops").command({ currentOp: 1 }), (e: MongoServerError) => e.code === 13);
      await assert.rejects(
        a.db("ops").aggregate([{ $currentOp: {} }]).toArray(),
        (e: MongoServerError) => e.code === 73,
      );
    } finally {
      await a.close();
      await b.close();
      await server.stop();
    }
  },
});
