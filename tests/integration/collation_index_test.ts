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
import { openWiredTiger } from "../../src/storage/mod.ts";

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

serverTest(
  "the _id index carries the collection's default collation: listed, used by _id lookups, unique under it",
  async (client) => {
    const db = client.db("idcoll");
    await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
    const ci = db.collection<AnyDoc>("ci");
    const id = (await ci.indexes()).find((i) => i.name === "_id_")!;
    assert.equal(id.collation?.locale, "en");
    assert.equal(id.collation?.strength, 2);
    assert.equal((id.collation as AnyDoc)?.version, "57.1");
    const [info] = await db.listCollections({ name: "ci" }).toArray();
    assert.deepEqual((info as AnyDoc).idIndex.collation, id.collation);
    // unique under the collation: "A" and "a" are one _id
    await ci.insertOne({ _id: "A", n: 1 });
    await assert.rejects(ci.insertOne({ _id: "a", n: 2 }), (e: MongoServerError) => e.code === 11000);
    await assert.rejects(
      ci.updateOne({ _id: "zz" }, { $set: { n: 3 } }, { upsert: true }).then(() =>
        ci.insertOne({ _id: "ZZ" })
      ),
      (e: MongoServerError) => e.code === 11000,
    );
    await ci.insertMany([{ _id: "b", n: 4 }, { _id: 5, n: 5 }, { _id: "é", n: 6 }]);
    // _id equality (IDHACK) and ranges follow it
    assert.deepEqual(await ci.findOne({ _id: "a" }), { _id: "A", n: 1 });
    assert.deepEqual(stagesOf((await ci.find({ _id: "a" }).explain()).queryPlanner.winningPlan), ["IDHACK"]);
    assert.equal(await ci.countDocuments({ _id: { $in: ["a", "B"] } }), 2);
    assert.deepEqual((await ci.find({ _id: { $gte: "a", $lte: "B" } }).toArray()).map((d) => d._id), [
      "A",
      "b",
    ]);
    assert.equal((await ci.updateOne({ _id: "B" }, { $set: { n: 40 } })).modifiedCount, 1);
    assert.equal((await ci.findOne({ _id: "b" }))?.n, 40);
    // a simple-collation query matches binary: the lookup still finds the one candidate and re-checks it
    assert.equal(await ci.countDocuments({ _id: "a" }, { collation: { locale: "simple" } }), 0);
    assert.equal(await ci.countDocuments({ _id: "A" }, { collation: { locale: "simple" } }), 1);
    assert.deepEqual(await ci.find({ _id: "a" }, { collation: { locale: "fr", strength: 1 } }).toArray(), [
      { _id: "A", n: 1 },
    ]);
    assert.equal((await ci.deleteOne({ _id: "B" })).deletedCount, 1);
    assert.equal(await ci.countDocuments({}), 4); // A, zz, 5, é
    const v = await db.command({ validate: "ci", full: true });
    assert.equal(v.valid, true, JSON.stringify(v));
    // a collection without a default collation keeps a binary _id index
    const plain = db.collection<AnyDoc>("plain");
    await plain.insertMany([{ _id: "A" }, { _id: "a" }]);
    assert.equal((await plain.indexes()).find((i) => i.name === "_id_")!.collation, undefined);
    // create's idIndex must have the collection's collation (mongod: BadValue)
    await assert.rejects(
      db.command({
        create: "bad",
        collation: { locale: "en" },
        idIndex: { key: { _id: 1 }, name: "_id_", collation: { locale: "fr" } },
      }),
      (e: AnyDoc) =>
        e.code === 2 && e.message === "'idIndex' must have the same collation as the collection.",
    );
    await db.command({
      create: "ok",
      collation: { locale: "en" },
      idIndex: { key: { _id: 1 }, name: "_id_", collation: { locale: "en" } },
    });
  },
);

Deno.test({
  name: "a collection created before the _id index carried its collation keeps a binary _id index",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-idcoll-" });
    try {
      let server = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
      let client = new MongoClient(server.uri);
      await client.db("old").createCollection("c", { collation: { locale: "en", strength: 2 } });
      await client.close();
      await server.stop();
      // the catalog as the code before wrote it: an _id_ spec without the collation
      const storage = openWiredTiger({
        path: dir,
        cacheSizeBytes: 64 << 20,
        sessionMax: 20,
        syncOnCommit: false,
      });
      try {
        const spec = { ...storage.catalog.getCollection("old", "c")!.indexes[0]!.spec };
        delete spec["collation"];
        storage.catalog.convertIndex("old", "c", "_id_", { spec, unique: true });
      } finally {
        storage.close();
      }
      server = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
      client = new MongoClient(server.uri);
      try {
        const c = client.db("old").collection<AnyDoc>("c");
        assert.equal((await c.indexes()).find((i) => i.name === "_id_")!.collation, undefined);
        await c.insertMany([{ _id: "A" }, { _id: "a" }, { _id: 1 }]); // binary keys: no collision
        // queries still follow the collection's collation (by scan for strings)
        assert.deepEqual((await c.find({ _id: "a" }).toArray()).map((d) => d._id).sort(), ["A", "a"]);
        assert.deepEqual(await c.find({ _id: "a" }, { collation: { locale: "simple" } }).toArray(), [{
          _id: "a",
        }]);
        assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1 });
        const v = await client.db("old").command({ validate: "c", full: true });
        assert.equal(v.valid, true, JSON.stringify(v));
      } finally {
        await client.close();
        await server.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
