/**
 * Secondary indexes through the Node driver: create/list/drop, unique (E11000 naming index and key),
 * sparse, partial, multikey (parallel arrays refused), hidden + collMod, explain showing the index
 * that ran, collStats index sizes.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "indexes through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("ixtest");
    try {
      const c = db.collection<AnyDoc>("items");
      const docs = [];
      for (let i = 0; i < 500; i++) docs.push({ _id: i, a: i % 10, b: i, tags: [`t${i % 3}`, `u${i % 5}`] });
      await c.insertMany(docs);

      await t.step("createIndexes / listIndexes / idempotent re-create / conflicts", async () => {
        assert.equal(await c.createIndex({ a: 1, b: -1 }), "a_1_b_-1");
        const again = await db.command({
          createIndexes: "items",
          indexes: [{ key: { a: 1, b: -1 }, name: "a_1_b_-1" }],
        });
        assert.equal(again.note, "all indexes already exist");
        const list = await c.listIndexes().toArray();
        assert.deepEqual(list.map((i) => i.name), ["_id_", "a_1_b_-1"]);
        assert.equal(list[1].v, 2);
        await assert.rejects(
          c.createIndex({ a: 1, b: -1 }, { name: "other" }),
          (e: MongoServerError) => e.code === 85,
        );
        await assert.rejects(
          c.createIndex({ b: 1 }, { name: "a_1_b_-1" }),
          (e: MongoServerError) => e.code === 86,
        );
      });

      await t.step("unique secondary index: E11000 naming index and key", async () => {
        await c.createIndex({ b: 1 }, { unique: true });
        await assert.rejects(c.insertOne({ _id: 1000, b: 7 }), (e: MongoServerError) => {
          assert.equal(e.code, 11000);
          assert.match(e.message, /index: b_1 dup key: \{ b: 7 \}/);
          return true;
        });
        await assert.rejects(
          c.createIndex({ a: 1 }, { unique: true }),
          (e: MongoServerError) => e.code === 11000,
        );
        assert.equal((await c.listIndexes().toArray()).some((i) => i.name === "a_1"), false);
      });

      await t.step("explain shows IXSCAN on the chosen index; results match a collection scan", async () => {
        const e: AnyDoc = await c.find({ a: 3, b: { $gt: 100 } }).sort({ b: -1 }).limit(5).explain(
          "executionStats",
        );
        const plan = JSON.stringify(e.queryPlanner.winningPlan);
        assert.match(plan, /"IXSCAN"/);
        assert.match(plan, /"indexName":"a_1_b_-1"/);
        assert.equal(e.executionStats.nReturned, 5);
        assert.equal(e.executionStats.totalDocsExamined, 5);
        const viaIndex = await c.find({ a: 3, b: { $gt: 100 } }).sort({ b: -1 }).toArray();
        const viaScan = await c.find({ a: 3, b: { $gt: 100 } }).sort({ b: -1 }).hint({ $natural: 1 })
          .toArray();
        assert.deepEqual(viaIndex, viaScan);
        await assert.rejects(c.find({}).hint("nope").toArray(), (e: MongoServerError) => e.code === 2);
      });

      await t.step("multikey: one entry per element, parallel arrays refused", async () => {
        await c.createIndex({ tags: 1 });
        const got = await c.find({ tags: "u2" }).toArray();
        assert.equal(got.length, 100);
        const e: AnyDoc = await c.find({ tags: "u2" }).explain();
        assert.match(JSON.stringify(e.queryPlanner.winningPlan), /"isMultiKey":true/);
        const p = db.collection<AnyDoc>("par");
        await p.createIndex({ x: 1, y: 1 });
        await assert.rejects(p.insertOne({ x: [1], y: [2] }), (e: MongoServerError) => e.code === 171);
      });

      await t.step("sparse and partial indexes", async () => {
        const s = db.collection<AnyDoc>("sp");
        await s.insertMany([{ _id: 1, k: 1 }, { _id: 2 }, { _id: 3, k: null }]);
        await s.createIndex({ k: 1 }, { sparse: true, unique: true });
        await s.insertOne({ _id: 4 }); // missing field: not indexed, no duplicate
        assert.equal((await s.find({ k: null }).toArray()).length, 3);
        const pc = db.collection<AnyDoc>("pt");
        await pc.createIndex({ q: 1 }, { partialFilterExpression: { q: { $gt: 10 } } });
        await pc.insertMany([{ q: 5 }, { q: 50 }]);
        const hit: AnyDoc = await pc.find({ q: 50 }).explain();
        assert.match(JSON.stringify(hit.queryPlanner.winningPlan), /IXSCAN/);
        const miss: AnyDoc = await pc.find({ q: 5 }).explain();
        assert.match(JSON.stringify(miss.queryPlanner.winningPlan), /COLLSCAN/);
        assert.equal((await pc.find({ q: 5 }).toArray()).length, 1);
        await assert.rejects(
          db.command({
            createIndexes: "pt",
            indexes: [{ key: { r: 1 }, name: "r", partialFilterExpression: { r: { $ne: 1 } } }],
          }),
          (e: MongoServerError) => e.code === 67,
        );
      });

      await t.step("hidden via collMod; TTL option via collMod", async () => {
        const r = await db.command({ collMod: "items", index: { name: "tags_1", hidden: true } });
        assert.equal(r.hidden_new, true);
        const e: AnyDoc = await c.find({ tags: "u2" }).explain();
        assert.match(JSON.stringify(e.queryPlanner.winningPlan), /COLLSCAN/);
        const tt = db.collection<AnyDoc>("ttl");
        await tt.createIndex({ at: 1 }, { expireAfterSeconds: 60 });
        const m = await db.command({
          collMod: "ttl",
          index: { keyPattern: { at: 1 }, expireAfterSeconds: 5 },
        });
        assert.equal(m.expireAfterSeconds_new, 5);
      });

      await t.step("dropIndexes by name, pattern and '*'; _id_ is 72", async () => {
        await db.command({ dropIndexes: "items", index: "tags_1" });
        await db.command({ dropIndexes: "items", index: { b: 1 } });
        await assert.rejects(
          db.command({ dropIndexes: "items", index: "_id_" }),
          (e: MongoServerError) => e.code === 72,
        );
        await assert.rejects(
          db.command({ dropIndexes: "items", index: "zz" }),
          (e: MongoServerError) => e.code === 27,
        );
        const r = await db.command({ dropIndexes: "items", index: "*" });
        assert.equal(r.nIndexesWas, 2);
        assert.deepEqual((await c.listIndexes().toArray()).map((i) => i.name), ["_id_"]);
      });

      await t.step("collStats and dbStats report index sizes", async () => {
        const s = await db.command({ collStats: "sp" });
        assert.equal(s.nindexes, 2);
        assert.equal(typeof s.indexSizes["k_1"], "number");
        const d = await db.command({ dbStats: 1 });
        assert.equal(d.collections >= 4, true);
      });
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
