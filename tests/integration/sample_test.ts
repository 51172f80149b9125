/**
 * `$sample` through the Node driver: a leading `$sample` of a few documents of a large collection is
 * answered by random picks (MULTI_ITERATOR, `$sampleFromRandomCursor`), every other one by the scan
 * and shuffle; both give `size` distinct documents of the collection (all of them when it holds fewer),
 * inside a transaction too (its snapshot and its own writes).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

const N = 2000;

Deno.test({
  name: "$sample through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("sample");
      const c = db.collection<AnyDoc>("c");
      await c.insertMany(Array.from({ length: N }, (_, i) => ({ _id: i, k: i % 10, pad: "x".repeat(100) })));
      const ids = (docs: AnyDoc[]) => docs.map((d) => d._id);
      const distinctOf = (docs: AnyDoc[]) => new Set(ids(docs)).size;
      const fromColl = (docs: AnyDoc[]) =>
        docs.every((d) => Number.isInteger(d._id) && d._id >= 0 && d._id < N && d.k === d._id % 10);

      // random picks: size honoured, distinct, whole documents of the collection
      for (const size of [1, 10, 100]) {
        const got = await c.aggregate([{ $sample: { size } }]).toArray();
        assert.equal(got.length, size);
        assert.equal(distinctOf(got), size);
        assert.ok(fromColl(got));
        assert.equal(got[0]?.pad.length, 100);
      }
      // the stages after it run on the picks (only the fields they read are decoded)
      const projected = await c.aggregate([{ $sample: { size: 50 } }, { $project: { k: 1 } }]).toArray();
      assert.equal(projected.length, 50);
      assert.ok(projected.every((d) => Object.keys(d).join() === "_id,k" && d.k === d._id % 10));
      const grouped = await c.aggregate([{ $sample: { size: 100 } }, {
        $group: { _id: null, n: { $sum: 1 } },
      }])
        .toArray();
      assert.deepEqual(grouped, [{ _id: null, n: 100 }]);
      // small batches over getMores: still distinct
      const batched = await c.aggregate([{ $sample: { size: 100 } }], { batchSize: 7 }).toArray();
      assert.equal(distinctOf(batched), 100);
      // over many samples every part of the collection comes up (uniform picks: ~50 of 100 per tenth)
      const tenths = new Array(10).fill(0);
      for (let r = 0; r < 10; r++) {
        for (const d of await c.aggregate([{ $sample: { size: 100 } }]).toArray()) {
          tenths[Math.floor(d._id / (N / 10))]++;
        }
      }
      assert.ok(tenths.every((n) => n > 40), tenths.join());

      // explain shows what runs: random picks, or the scan when the sample is too large a share
      const explained = await c.aggregate([{ $sample: { size: 100 } }]).explain("executionStats");
      assert.equal(explained.stages[0].$cursor.queryPlanner.winningPlan.stage, "MULTI_ITERATOR");
      assert.deepEqual(explained.stages[1], { $sampleFromRandomCursor: { size: 100 } });
      assert.equal(explained.stages[0].$cursor.executionStats.nReturned, 100);
      assert.ok(explained.stages[0].$cursor.executionStats.totalDocsExamined < 200);
      const scanned = await c.aggregate([{ $sample: { size: 101 } }]).explain("queryPlanner");
      assert.equal(scanned.stages[0].$cursor.queryPlanner.winningPlan.stage, "COLLSCAN");
      assert.deepEqual(scanned.stages[1], { $sample: { size: 101 } });
      const inline = await db.command({
        aggregate: "c",
        pipeline: [{ $sample: { size: 5 } }],
        explain: true,
      });
      assert.equal(inline.stages[0].$cursor.queryPlanner.winningPlan.stage, "MULTI_ITERATOR");
      // the profiler's planSummary
      await db.command({ profile: 2 });
      await c.aggregate([{ $sample: { size: 20 } }], { comment: "picked" }).toArray();
      await c.aggregate([{ $sample: { size: 500 } }], { comment: "scanned" }).toArray();
      await db.command({ profile: 0 });
      const prof = async (comment: string) =>
        (await db.collection("system.profile").findOne({ "command.comment": comment }))?.["planSummary"];
      assert.equal(await prof("picked"), "MULTI_ITERATOR");
      assert.equal(await prof("scanned"), "COLLSCAN");

      // more than 5% of the collection: the scan and shuffle, distinct too
      const large = await c.aggregate([{ $sample: { size: 500 } }]).toArray();
      assert.equal(large.length, 500);
      assert.equal(distinctOf(large), 500);
      assert.ok(fromColl(large));
      // more than the collection holds: each document once
      const small = db.collection<AnyDoc>("small");
      await small.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i })));
      const all = await small.aggregate([{ $sample: { size: 1000 } }]).toArray();
      assert.deepEqual(ids(all).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
      assert.equal((await small.aggregate([{ $sample: { size: 2 } }]).toArray()).length, 2);
      assert.deepEqual(await db.collection("none").aggregate([{ $sample: { size: 3 } }]).toArray(), []);
      assert.deepEqual(await c.aggregate([{ $sample: { size: 0 } }]).toArray(), []);
      // after a $match: the scan of the matches, then the shuffle
      const matched = await c.aggregate([{ $match: { k: 3 } }, { $sample: { size: 10 } }]).toArray();
      assert.equal(matched.length, 10);
      assert.equal(distinctOf(matched), 10);
      assert.ok(matched.every((d) => d.k === 3));

      // inside a transaction: its snapshot and its own writes
      const session = client.startSession();
      try {
        session.startTransaction();
        // 1,900 of the 2,000 removed in the transaction: the 100 left are counted (50 of them: the scan)
        await c.deleteMany({ _id: { $gte: 100 } }, { session });
        const left = await c.aggregate([{ $sample: { size: 50 } }], { session }).toArray();
        assert.equal(left.length, 50);
        assert.ok(left.every((d) => d._id < 100));
        assert.equal(distinctOf(left), 50);
        // 200 more of its own: 300, so 5 is random picks (sparse ids: the engine's random cursor)
        await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: 20 * N + i, k: -3 })), { session });
        for (let r = 0; r < 20; r++) {
          const few = await c.aggregate([{ $sample: { size: 5 } }], { session }).toArray();
          assert.equal(distinctOf(few), 5);
          assert.ok(few.every((d) => d._id < 100 || d.k === -3), JSON.stringify(ids(few)));
        }
        await session.abortTransaction();

        session.startTransaction();
        await c.insertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: N + i, k: -1 })), { session });
        // committed by another client after the transaction's snapshot: never picked inside it
        await c.insertMany(Array.from({ length: 2000 }, (_, i) => ({ _id: 10 * N + i, k: -2 })));
        let own = 0;
        for (let r = 0; r < 20; r++) {
          const got = await c.aggregate([{ $sample: { size: 100 } }], { session }).toArray();
          assert.equal(distinctOf(got), 100);
          assert.ok(got.every((d) => d._id < 10 * N), "a document committed after the snapshot");
          own += got.filter((d) => d.k === -1).length;
        }
        assert.ok(own > 500, `the transaction's own inserts are picked too (${own} of 2000)`);
        await session.abortTransaction();
      } finally {
        await session.endSession();
      }
      assert.equal(await c.countDocuments({ k: -1 }), 0);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
