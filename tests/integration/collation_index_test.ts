/**
 * Collated indexes through the Node driver: string keys are collation sort keys, so a query with the
 * index's collation uses it for string equality and ranges (same answers as a collection scan), a
 * simple-collation query does not use it for strings, and a unique collated index rejects keys equal
 * under the collation.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { serverTest } from "./helpers/embedded_server.ts";

function stagesOf(plan: AnyDoc): string[] {
  const out: string[] = [];
  for (let n = plan; n; n = n.inputStage) out.push(n.indexName ? `${n.stage}:${n.indexName}` : n.stage);
  return out;
}

Deno.test({
  name: "collated indexes through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("collix");
    const en2 = { locale: "en", strength: 2 };
    try {
      const c = db.collection<AnyDoc>("words");
      const names = [
        "apple",
        "Apple",
        "APPLE",
        "äpple",
        "banana",
        "Banana",
        "b",
        "cherry",
        "Æther",
        "日本",
        "e\u0301",
        5,
      ];
      await c.insertMany(names.map((name, i) => ({ _id: i, name })));
      await c.createIndex({ name: 1 }, { collation: en2, name: "name_en2" });

      const ids = (docs: AnyDoc[]) => docs.map((d) => d._id).sort((a, b) => a - b);
      const same = async (filter: AnyDoc) => {
        const viaIndex = await c.find(filter).collation(en2).toArray();
        const viaScan = await c.find(filter).collation(en2).hint({ $natural: 1 }).toArray();
        assert.deepEqual(ids(viaIndex), ids(viaScan), JSON.stringify(filter));
        const plan = await c.find(filter).collation(en2).explain("queryPlanner");
        assert.deepEqual(stagesOf(plan.queryPlanner.winningPlan), ["FETCH", "IXSCAN:name_en2"]);
        return ids(viaIndex);
      };

      await t.step("same collation: equality and ranges through the index", async () => {
        assert.deepEqual(await same({ name: "APPLE" }), [0, 1, 2]);
        assert.deepEqual(await same({ name: { $in: ["BANANA", "日本"] } }), [4, 5, 9]);
        await same({ name: { $gte: "b", $lt: "c" } });
        await same({ name: { $gt: "apple" } });
        await same({ name: { $lte: "BANANA" } });
        await same({ name: "\u00e9" }); // é vs e + combining acute (no collation key)
        assert.deepEqual(await same({ name: "E\u0301" }), await same({ name: "É" }));
        await same({ name: { $gt: "a", $lt: "日" } });
        await same({ name: { $in: ["日本", "e\u0301", 5] } });
        assert.deepEqual(await same({ name: 5 }), [11]);
        const stats = await c.find({ name: "apple" }).collation(en2).explain("executionStats");
        assert.equal(stats.executionStats.nReturned, 3);
        assert.ok(stats.executionStats.totalDocsExamined <= 6);
      });

      await t.step("a simple-collation query does not use it for strings", async () => {
        const plan = await c.find({ name: "apple" }).explain("queryPlanner");
        assert.deepEqual(stagesOf(plan.queryPlanner.winningPlan), ["COLLSCAN"]);
        assert.deepEqual(ids(await c.find({ name: "apple" }).toArray()), [0]);
        const other = await c.find({ name: "apple" }).collation({ locale: "en", strength: 1 }).explain();
        assert.deepEqual(stagesOf(other.queryPlanner.winningPlan), ["COLLSCAN"]);
        // Non-string bounds are fine for any query.
        const num = await c.find({ name: 5 }).explain("queryPlanner");
        assert.deepEqual(stagesOf(num.queryPlanner.winningPlan), ["FETCH", "IXSCAN:name_en2"]);
      });

      await t.step("unique collated index: keys equal under the collation collide", async () => {
        const u = db.collection<AnyDoc>("users");
        await u.createIndex({ login: 1 }, { unique: true, collation: en2 });
        await u.insertOne({ login: "a" });
        await assert.rejects(u.insertOne({ login: "A" }), (e: MongoServerError) => e.code === 11000);
        await u.insertOne({ login: "á" }); // differs at strength 2 (accent)
        await u.insertOne({ _id: 7, login: "b" });
        await assert.rejects(
          u.updateOne({ _id: 7 }, { $set: { login: "Á" } }),
          (e: MongoServerError) => e.code === 11000,
        );
        const dup = db.collection<AnyDoc>("dups");
        await dup.insertMany([{ s: "x" }, { s: "X" }]);
        await assert.rejects(
          dup.createIndex({ s: 1 }, { unique: true, collation: en2 }),
          (e: MongoServerError) => e.code === 11000,
        );
      });
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

serverTest(
  "an empty collation {} names none (the collection default applies); create refuses it",
  async (client) => {
    const db = client.db("emptycoll");
    await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
    const ci = db.collection<AnyDoc>("ci");
    await ci.insertMany([{ _id: 1, a: "A" }, { _id: 2, a: "a" }]);
    const plain = db.collection<AnyDoc>("plain");
    await plain.insertMany([{ _id: 1, a: "A" }, { _id: 2, a: "a" }]);
    const none: AnyDoc = {};
    // the case-insensitive default applies to ci, simple comparison to plain
    assert.equal(await ci.countDocuments({ a: "a" }, { collation: none }), 2);
    assert.equal(await plain.countDocuments({ a: "a" }, { collation: none }), 1);
    assert.deepEqual((await ci.find({ a: "a" }, { collation: none }).toArray()).map((d) => d._id), [1, 2]);
    assert.deepEqual(await ci.distinct("a", {}, { collation: none }), ["A"]);
    assert.equal((await ci.aggregate([{ $match: { a: "a" } }], { collation: none }).toArray()).length, 2);
    assert.equal((await ci.updateMany({ a: "a" }, { $set: { u: 1 } }, { collation: none })).modifiedCount, 2);
    assert.equal((await plain.deleteMany({ a: "a" }, { collation: none })).deletedCount, 1);
    await assert.rejects(
      db.command({ create: "e", collation: {} }),
      (e: AnyDoc) => e.code === 2 && e.message === "'collation' cannot be an empty document.",
    );
  },
);
