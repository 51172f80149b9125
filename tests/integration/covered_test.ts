/**
 * Covered queries through the driver: a projection of indexed fields only (without _id) is answered
 * from the index (PROJECTION_COVERED, no documents examined) with exactly the documents a fetch
 * would give; keys that cannot be decoded exactly (numbers) are fetched instead.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, ObjectId } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "covered queries answer from the index",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("cov").collection<AnyDoc>("c");
      const oid = new ObjectId();
      await c.insertMany(Array.from({ length: 60 }, (_, i) => ({
        _id: i,
        name: `n${i % 6}`,
        when: new Date(1_700_000_000_000 + i * 1000),
        ref: i === 7 ? oid : new ObjectId(),
        score: i % 3 === 0 ? 1.5 : i,
        other: "x",
      })));
      await c.createIndex({ name: 1, when: -1 });
      await c.createIndex({ score: 1 });

      const filter = { name: "n1", when: { $gte: new Date(1_700_000_010_000) } };
      const projection = { _id: 0, name: 1, when: 1 };
      const covered = await c.find(filter, { projection }).sort({ when: -1 }).toArray();
      const fetched = await c.find(filter, { projection: { _id: 0, name: 1, when: 1, other: 1 } }).sort({
        when: -1,
      })
        .toArray();
      assert.deepEqual(covered, fetched.map(({ name, when }) => ({ name, when })));
      assert.equal(covered.length, 8);

      const ex = await c.find(filter, { projection }).sort({ when: -1 }).explain("executionStats");
      assert.equal(ex.queryPlanner.winningPlan.stage, "PROJECTION_COVERED");
      assert.equal(ex.executionStats.totalDocsExamined, 0);
      assert.equal(ex.executionStats.nReturned, 8);

      // numbers do not decode exactly (1.5 and int share an encoding): those rows are fetched
      const scores = await c.find({ score: { $gte: 1 } }, { projection: { _id: 0, score: 1 } }).sort({
        score: 1,
      })
        .toArray();
      assert.equal(scores.length, 60);
      assert.deepEqual(scores.slice(0, 3), [{ score: 1 }, { score: 1.5 }, { score: 1.5 }]);

      // a field outside the index: not covered
      const ex2 = await c.find({ name: "n1" }, { projection: { _id: 0, name: 1, other: 1 } }).explain();
      assert.notEqual(ex2.queryPlanner.winningPlan.stage, "PROJECTION_COVERED");
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
