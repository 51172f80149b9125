/**
 * Through npm:mongodb: a scan of a non-unique index over many entries of one key (a low-cardinality
 * field: a status, a flag) is read in pulls, each resuming after the last (key, record id) it read —
 * not at the key's first entry, which re-read the key's entries on every pull (60,000 documents of one
 * value: quadratic). Every document comes once, in order, forward and reverse, through find batches,
 * an aggregate and a count, while other clients insert and delete between the batches. One server.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

Deno.test({
  name: "many entries of one key: each pull resumes after the last entry read; nothing lost or repeated",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("eq").collection<AnyDoc>("c");
      const N = 6000;
      await c.insertMany(Array.from({ length: N }, (_, i) => ({ _id: i, g: i % 10 === 0 ? 2 : 1, n: i })));
      await c.createIndex({ g: 1 });
      const ones = Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 !== 0);
      // find in small batches: every document of g = 1 once, in record (insertion) order
      const got = await c.find({ g: 1 }, { projection: { _id: 1 } }).batchSize(700).toArray();
      assertEquals(got.map((d) => d._id), ones);
      const rev = await c.find({ g: { $gte: 1, $lte: 1 } }, { projection: { _id: 1 } }).sort({ g: -1 })
        .batchSize(500).toArray();
      assertEquals(rev.map((d) => d._id), [...ones].reverse());
      assertEquals(
        (await c.aggregate([{ $match: { g: 1 } }, { $project: { _id: 1 } }]).toArray()).length,
        ones.length,
      );
      assertEquals(await c.countDocuments({ g: 1, n: { $gte: 0 } }), ones.length);
      const ex = await c.find({ g: 1 }).explain("executionStats");
      assertEquals(ex.executionStats.totalKeysExamined, ones.length);
      // writes between the batches: the entry a batch stopped at is deleted, later ones inserted
      const cursor = c.find({ g: 1 }, { projection: { _id: 1 } }).batchSize(1000);
      const seen: number[] = [];
      const gone: number[] = [];
      for await (const d of cursor) {
        seen.push(d._id);
        if (seen.length % 1000 === 0) {
          await c.deleteOne({ _id: d._id }); // the last one read: the resume point is gone
          if ((await c.deleteOne({ _id: d._id + 1 })).deletedCount === 1) gone.push(d._id + 1); // unread: must not come
          await c.insertOne({ _id: N + seen.length, g: 1, n: -1 }); // after the end: it may come
        }
      }
      ok(new Set(seen).size === seen.length, "no document twice");
      ok(gone.length > 0 && gone.every((id) => !seen.includes(id)), "a document deleted before it was read");
      const expected = new Set(
        (await c.find({ g: 1 }, { projection: { _id: 1 } }).toArray()).map((d) => d._id),
      );
      for (const id of expected) ok(seen.includes(id) || id >= N, `${id} present but not read`);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
