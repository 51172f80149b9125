/** aggregate through the Node driver: countDocuments, $group, pushed-down $sort/$skip/$limit, $lookup. */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "aggregate through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("agg");
      const a = db.collection<AnyDoc>("a");
      await a.insertMany([{ _id: 1, k: "x", v: 3 }, { _id: 2, k: "y", v: 1 }, { _id: 3, k: "x", v: 2 }]);
      await db.collection<AnyDoc>("b").insertMany([{ _id: "x", name: "ex" }, { _id: "y", name: "why" }]);
      assert.equal(await a.countDocuments({ k: "x" }), 2);
      assert.equal(await a.countDocuments({}, { skip: 1, limit: 1 }), 1);
      assert.deepEqual(
        await a.aggregate([{ $group: { _id: "$k", n: { $sum: 1 }, t: { $sum: "$v" } } }, {
          $sort: { _id: 1 },
        }])
          .toArray(),
        [{ _id: "x", n: 2, t: 5 }, { _id: "y", n: 1, t: 1 }],
      );
      assert.deepEqual(await a.aggregate([{ $sort: { v: 1 } }, { $skip: 1 }, { $limit: 1 }]).toArray(), [
        { _id: 3, k: "x", v: 2 },
      ]);
      const joined = await a.aggregate([
        { $match: { _id: 2 } },
        { $lookup: { from: "b", localField: "k", foreignField: "_id", as: "j" } },
      ]).toArray();
      assert.deepEqual(joined, [{ _id: 2, k: "y", v: 1, j: [{ _id: "y", name: "why" }] }]);
      // 200 documents through a cursor with small batches
      await db.collection<AnyDoc>("many").insertMany(Array.from({ length: 200 }, (_, i) => ({ i })));
      const all = await db.collection<AnyDoc>("many").aggregate([{ $project: { _id: 0, i: 1 } }], {
        batchSize: 7,
      })
        .toArray();
      assert.equal(all.length, 200);
      // $out replaces the target's contents; $merge merges on _id
      await a.aggregate([{ $match: { k: "x" } }, { $project: { v: 1 } }, { $out: "outc" }]).toArray();
      assert.deepEqual(await db.collection<AnyDoc>("outc").find().sort({ _id: 1 }).toArray(), [
        { _id: 1, v: 3 },
        { _id: 3, v: 2 },
      ]);
      await a.aggregate([{ $match: { _id: { $in: [2, 3] } } }, { $project: { k: 1 } }, {
        $merge: { into: "outc", whenMatched: "merge", whenNotMatched: "insert" },
      }]).toArray();
      assert.deepEqual(await db.collection<AnyDoc>("outc").find().sort({ _id: 1 }).toArray(), [
        { _id: 1, v: 3 },
        { _id: 2, k: "y" },
        { _id: 3, v: 2, k: "x" },
      ]);
      await assert.rejects(
        () => a.aggregate([{ $out: "x" }, { $match: {} }]).toArray(),
        (e: unknown) => (e as MongoServerError).code === 40601,
      );
      await assert.rejects(
        () => a.aggregate([{ $bogus: 1 }]).toArray(),
        (e: unknown) => (e as MongoServerError).code === 40324,
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
