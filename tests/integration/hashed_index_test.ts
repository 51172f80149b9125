/**
 * Hashed indexes through npm:mongodb: creation (single field and compound with one hashed field),
 * equality and `$in` lookups through the index (explain), ranges answered by a scan, arrays refused
 * (16766), unique refused (67), and `$toHashedIndexKey` giving mongod's hash. One server for the file.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Long, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

Deno.test({
  name: "hashed indexes and $toHashedIndexKey",
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
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
