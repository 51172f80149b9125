/**
 * Hashed indexes through npm:mongodb: creation (single field and compound with one hashed field),
 * equality and `$in` lookups through the index (explain), ranges answered by a scan, arrays refused
 * (16766), unique refused (67), and `$toHashedIndexKey` giving mongod's hash; wildcard indexes (`$**`,
 * `path.$**`, `wildcardProjection`) used for single-field predicates on the paths they cover (explain
 * shows mongod's `$_path` bounds), never for null / array / document equality. One server for the file.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Long, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

Deno.test({
  name: "hashed and wildcard indexes, $toHashedIndexKey",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("hashed");
      const c = db.collection<AnyDoc>("h");
      await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, a: `v${i % 10}`, b: i % 3, n: i })));
      assertEquals(await c.createIndex({ a: "hashed" }), "a_hashed");
      assertEquals(await c.createIndex({ b: 1, a: "hashed" }), "b_1_a_hashed");
      assertEquals((await c.indexes()).find((i) => i.name === "a_hashed")?.key, { a: "hashed" });
      assertEquals(await c.countDocuments({ a: "v3" }), 5);
      assertEquals(await c.countDocuments({ a: { $in: ["v1", "v2"] } }), 10);
      assertEquals(await c.countDocuments({ a: { $gt: "v5" } }), 20);
      assertEquals(await c.countDocuments({ b: 1, a: "v4" }), 2);
      const plan: AnyDoc = await c.find({ a: "v3" }).explain();
      const ixscan = plan.queryPlanner.winningPlan.inputStage;
      assertEquals(ixscan.stage, "IXSCAN");
      assertEquals(ixscan.indexName, "a_hashed");
      // Numbers hash by value: 1 and 1.0 find each other.
      await c.insertOne({ _id: 100, a: 7 });
      assertEquals((await c.find({ a: 7.0 }).toArray()).map((d) => d._id), [100]);
      assertEquals((await c.insertOne({ a: [1, 2] }).catch((e) => e)).code, 16766);
      assertEquals((await c.createIndex({ z: "hashed" }, { unique: true }).catch((e) => e)).code, 67);
      assertEquals((await c.createIndex({ y: "hashed", z: "hashed" }).catch((e) => e)).code, 67);
      const [row] = await db.aggregate([
        { $documents: [{ val: "string to hash" }] },
        { $addFields: { hashedVal: { $toHashedIndexKey: "$val" } } },
      ]).toArray();
      assertEquals(row?.hashedVal, Long.fromString("763543691661428748"));

      // Wildcard indexes.
      const w = db.collection<AnyDoc>("w");
      await w.insertMany([
        { _id: 1, a: 1, b: { c: "x", d: [1, 5] } },
        { _id: 2, a: 2, b: { c: "y", d: [{ e: 3 }] } },
        { _id: 3, a: [3, 4], x: null },
        { _id: 4, z: { q: 9 } },
      ]);
      assertEquals(await w.createIndex({ "$**": 1 }), "$**_1");
      const run = async (filter: AnyDoc) => {
        const plan: AnyDoc = await w.find(filter).explain();
        const ids = (await w.find(filter).toArray()).map((d) => d._id);
        return {
          ids,
          stage: plan.queryPlanner.winningPlan.inputStage?.stage ?? plan.queryPlanner.winningPlan.stage,
        };
      };
      assertEquals(await run({ a: 1 }), { ids: [1], stage: "IXSCAN" });
      assertEquals(await run({ a: { $gt: 1 } }), { ids: [2, 3], stage: "IXSCAN" });
      assertEquals(await run({ "b.d.e": 3 }), { ids: [2], stage: "IXSCAN" });
      assertEquals(await run({ "z.q": { $in: [9, 10] } }), { ids: [4], stage: "IXSCAN" });
      assertEquals(await run({ x: null }), { ids: [1, 2, 3, 4], stage: "COLLSCAN" });
      const bounds: AnyDoc = await w.find({ a: 1 }).explain();
      assertEquals(bounds.queryPlanner.winningPlan.inputStage.keyPattern, { $_path: 1, a: 1 });
      // Documents written after the build are indexed too; deletes remove their keys.
      await w.insertOne({ _id: 5, a: 1 });
      await w.deleteOne({ _id: 1 });
      assertEquals((await run({ a: 1 })).ids, [5]);
      // path.$** and wildcardProjection.
      const p = db.collection<AnyDoc>("wp");
      await p.createIndex({ "b.$**": 1 });
      await p.createIndex({ "$**": 1 }, { wildcardProjection: { c: 1 }, name: "proj" });
      await p.insertMany([{ _id: 1, a: 1, b: { c: 2 }, c: 3 }]);
      const onB: AnyDoc = await p.find({ "b.c": 2 }).explain();
      assertEquals(onB.queryPlanner.winningPlan.inputStage.indexName, "b.$**_1");
      const onC: AnyDoc = await p.find({ c: 3 }).explain();
      assertEquals(onC.queryPlanner.winningPlan.inputStage.indexName, "proj");
      const onA: AnyDoc = await p.find({ a: 1 }).explain();
      assertEquals(onA.queryPlanner.winningPlan.stage, "COLLSCAN");
      assertEquals((await p.createIndex({ "$**": 1 }, { unique: true, name: "u" }).catch((e) => e)).code, 67);
      assertEquals((await p.createIndex({ "$**": 1, a: 1 }).catch((e) => e)).code, 238);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
