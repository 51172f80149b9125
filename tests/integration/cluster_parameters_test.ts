/**
 * Cluster parameters through the Node driver: MongoDB 8.0's `defaultMaxTimeMS` — set with
 * setClusterParameter, shown by getClusterParameter (a name, a list, "*"), kept across a restart in
 * config.clusterParameters — times reads that set no maxTimeMS (find, count, distinct, aggregate) with
 * 50 MaxTimeMSExpired, and leaves alone a read with its own maxTimeMS, an aggregate writing with $out, and
 * writes. Unknown and unsupported parameters are refused.
 */
import assert from "node:assert/strict";
import { Long, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";

/** A pipeline that takes well over 30 ms on 3,000 documents (a $lookup per document). */
const SLOW = [{
  $lookup: {
    from: "c",
    let: { v: "$v" },
    pipeline: [{ $match: { $expr: { $eq: ["$v", "$$v"] } } }],
    as: "same",
  },
}];
const SLOW_FILTER = { $where: "sleep(40) || true" };

Deno.test({
  name: "defaultMaxTimeMS: reads without maxTimeMS time out; persisted; getClusterParameter; refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-clusterparams-" });
    let server = await startServer({ port: 0, storagePath: `${dir}/db`, logLevel: "ERROR" });
    let client = new MongoClient(server.uri);
    try {
      const admin = client.db("admin");
      const c = client.db("t").collection<{ _id: number; v: number }>("c");
      await c.insertMany(Array.from({ length: 3000 }, (_, i) => ({ _id: i, v: i })));

      const initial = await admin.command({ getClusterParameter: "defaultMaxTimeMS" });
      assert.equal(initial.clusterParameters[0]._id, "defaultMaxTimeMS");
      assert.equal(Number(initial.clusterParameters[0].readOperations), 0);
      assert.equal((await c.aggregate(SLOW).toArray()).length, 3000); // no default: runs to the end

      assert.equal(
        (await admin.command({ setClusterParameter: { defaultMaxTimeMS: { readOperations: 30 } } })).ok,
        1,
      );
      const got = await admin.command({ getClusterParameter: ["defaultMaxTimeMS"] });
      assert.equal(Number(got.clusterParameters[0].readOperations), 30);
      assert.equal((await admin.command({ getClusterParameter: "*" })).clusterParameters.length, 1);

      assert.equal(await code(c.aggregate(SLOW).toArray()), 50);
      assert.equal(await code(c.find(SLOW_FILTER).toArray()), 50);
      assert.equal(await code(client.db("t").command({ count: "c", query: SLOW_FILTER })), 50);
      assert.equal(await code(c.distinct("v", SLOW_FILTER)), 50);
      // its own maxTimeMS wins; $out writes; writes are not timed
      assert.equal((await c.aggregate(SLOW, { maxTimeMS: 60_000 }).toArray()).length, 3000);
      await c.aggregate([...SLOW, { $out: "copy" }]).toArray();
      assert.equal(await client.db("t").collection("copy").countDocuments({}, { maxTimeMS: 60_000 }), 3000);
      // (3 documents at 40 ms each)
      assert.equal(
        (await c.updateMany({ _id: { $lt: 3 }, ...SLOW_FILTER }, { $set: { w: 1 } })).modifiedCount,
        3,
      );

      // kept across a restart
      await client.close();
      await server.stop();
      server = await startServer({ port: 0, storagePath: `${dir}/db`, logLevel: "ERROR" });
      client = new MongoClient(server.uri);
      const again = await client.db("admin").command({ getClusterParameter: "defaultMaxTimeMS" });
      assert.equal(Number(again.clusterParameters[0].readOperations), 30);
      const c2 = client.db("t").collection("c");
      assert.equal(await code(c2.aggregate(SLOW).toArray()), 50);
      await client.db("admin").command({
        setClusterParameter: { defaultMaxTimeMS: { readOperations: Long.fromNumber(0) } },
      });
      assert.equal((await c2.aggregate(SLOW).toArray()).length, 3000);

      const a = client.db("admin");
      assert.equal(await code(a.command({ getClusterParameter: "noSuchParameter" })), 4);
      assert.equal(await code(a.command({ setClusterParameter: { noSuchParameter: { x: 1 } } })), 4);
      assert.equal(
        await code(a.command({ setClusterParameter: { changeStreamOptions: { preAndPostImages: {} } } })),
        115,
      );
      assert.equal(
        await code(a.command({ setClusterParameter: { defaultMaxTimeMS: { readOperations: -1 } } })),
        2,
      );
      assert.equal(await code(a.command({ setClusterParameter: { defaultMaxTimeMS: { other: 1 } } })), 40415);
      assert.equal(await code(client.db("t").command({ getClusterParameter: "*" })), 13);
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
