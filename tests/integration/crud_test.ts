/**
 * CRUD through the real Node driver against a `deno run main.ts` server: insert/find/update/delete
 * round trips, getMore batching over 10,000 documents, counts, DDL, and the errors a driver sees.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError, ObjectId } from "mongodb";
import { type ServerProcess, spawnServer } from "./helpers/server_process.ts";

let server: ServerProcess;
let client: MongoClient;

Deno.test({
  name: "crud through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    server = await spawnServer();
    client = new MongoClient(server.uri);
    await client.connect();
    const db = client.db("crudtest");
    try {
      await t.step("ping and hello", async () => {
        const pong = await db.command({ ping: 1 });
        assert.equal(pong.ok, 1);
        const hello = await db.command({ hello: 1 });
        assert.equal(hello.isWritablePrimary, true);
        assert.equal(hello.maxWireVersion >= 17, true);
        assert.equal(typeof hello.setName, "string");
        assert.equal(hello.maxBsonObjectSize, 16 * 1024 * 1024);
      });

      await t.step("insertOne / findOne round trip keeps types", async () => {
        const c = db.collection<AnyDoc>("people");
        const id = new ObjectId();
        const when = new Date("2024-05-01T00:00:00Z");
        await c.insertOne({ _id: id, name: "Ada", age: 36, tags: ["a", "b"], nested: { x: 1.5 }, when });
        const got = await c.findOne({ _id: id });
        assert.deepEqual(got, { _id: id, name: "Ada", age: 36, tags: ["a", "b"], nested: { x: 1.5 }, when });
      });

      await t.step("generated _id comes first and is an ObjectId", async () => {
        const c = db.collection<AnyDoc>("gen");
        const r = await c.insertOne({ a: 1 });
        assert.ok(r.insertedId instanceof ObjectId);
        const raw = await c.findOne({ a: 1 });
        assert.deepEqual(Object.keys(raw!), ["_id", "a"]);
      });

      await t.step("insertMany + comparison filters + sort/skip/limit + projection", async () => {
        const c = db.collection<AnyDoc>("nums");
        await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i * 2, odd: i % 2 === 1 })));
        assert.equal(await c.countDocuments({ v: { $gte: 10, $lt: 20 } }), 5);
        const page = await c.find({ odd: true }).sort({ v: -1 }).skip(2).limit(3).project({ v: 1 }).toArray();
        assert.deepEqual(page, [{ _id: 45, v: 90 }, { _id: 43, v: 86 }, { _id: 41, v: 82 }]);
        assert.equal(await c.countDocuments({ _id: { $in: [1, 2, 3, 99] } }), 3);
        assert.equal(await c.estimatedDocumentCount(), 50);
      });

      await t.step(
        "a null _id sent by the client is kept (the Node driver itself would replace it)",
        async () => {
          await db.command({ insert: "nullid", documents: [{ _id: null, a: 1 }] });
          assert.deepEqual(await db.collection<AnyDoc>("nullid").findOne({ _id: null }), { _id: null, a: 1 });
          assert.equal(await db.collection<AnyDoc>("nullid").countDocuments({ _id: null }), 1);
          // the same through the 8.0 bulkWrite command (the driver's client.bulkWrite replaces it too)
          await client.db("admin").command({
            bulkWrite: 1,
            ops: [{ insert: 0, document: { _id: null, b: 1 } }],
            nsInfo: [{ ns: `${db.databaseName}.nullid2` }],
          });
          assert.deepEqual(
            await db.collection<AnyDoc>("nullid2").find({ _id: { $type: "null" } }).toArray(),
            [
              { _id: null, b: 1 },
            ],
          );
        },
      );

      await t.step("duplicate _id gets E11000 with mongod's message", async () => {
        const c = db.collection<AnyDoc>("dups");
        await c.insertOne({ _id: 1, a: 1 });
        await assert.rejects(() => c.insertOne({ _id: 1, a: 2 }), (e: unknown) => {
          assert.ok(e instanceof MongoServerError);
          assert.equal(e.code, 11000);
          assert.equal(
            e.message,
            "E11000 duplicate key error collection: crudtest.dups index: _id_ dup key: { _id: 1 }",
          );
          return true;
        });
        // ordered stops at the first error, unordered goes on
        await assert.rejects(() => c.insertMany([{ _id: 2 }, { _id: 1 }, { _id: 3 }], { ordered: true }));
        assert.equal(await c.countDocuments({ _id: 3 }), 0);
        const err = await c.insertMany([{ _id: 4 }, { _id: 1 }, { _id: 5 }], { ordered: false }).catch((e) =>
          e
        );
        assert.equal(err.writeErrors?.length ?? err.result?.getWriteErrors?.().length, 1);
        assert.equal(await c.countDocuments({ _id: { $in: [4, 5] } }), 2);
      });

      await t.step("updateOne / updateMany / replaceOne / upsert", async () => {
        const c = db.collection<AnyDoc>("upd");
        await c.insertMany([{ _id: 1, n: 1, tag: "x" }, { _id: 2, n: 2, tag: "x" }, {
          _id: 3,
          n: 3,
          tag: "y",
        }]);
        const r1 = await c.updateOne({ _id: 1 }, { $set: { name: "one" }, $inc: { n: 10 } });
        assert.equal(r1.matchedCount, 1);
        assert.equal(r1.modifiedCount, 1);
        assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, n: 11, tag: "x", name: "one" });
        const r2 = await c.updateMany({ tag: "x" }, { $unset: { tag: "" } });
        assert.equal(r2.modifiedCount, 2);
        const r3 = await c.replaceOne({ _id: 3 }, { whole: "new" });
        assert.equal(r3.modifiedCount, 1);
        assert.deepEqual(await c.findOne({ _id: 3 }), { _id: 3, whole: "new" });
        const r4 = await c.updateOne({ _id: 9, k: "v" }, { $set: { made: true } }, { upsert: true });
        assert.equal(r4.upsertedId, 9);
        assert.deepEqual(await c.findOne({ _id: 9 }), { _id: 9, k: "v", made: true });
        const r5 = await c.updateOne({ _id: 1 }, { $set: { n: 11 } });
        assert.equal(r5.modifiedCount, 0);
        await assert.rejects(() => c.updateOne({ _id: 1 }, { $set: { _id: 2 } }), (e: unknown) => {
          assert.equal((e as MongoServerError).code, 66);
          return true;
        });
      });

      await t.step("deleteOne / deleteMany", async () => {
        const c = db.collection<AnyDoc>("del");
        await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i, even: i % 2 === 0 })));
        assert.equal((await c.deleteOne({ even: true })).deletedCount, 1);
        assert.equal((await c.deleteMany({ even: true })).deletedCount, 4);
        assert.equal(await c.countDocuments({}), 5);
        assert.equal((await c.deleteMany({})).deletedCount, 5);
      });

      await t.step("10,000 documents come back through getMore batches", async () => {
        const c = db.collection<AnyDoc>("big");
        const docs = Array.from({ length: 10_000 }, (_, i) => ({ _id: i, pad: "x".repeat(100) }));
        for (let i = 0; i < docs.length; i += 2500) await c.insertMany(docs.slice(i, i + 2500));
        const seen: number[] = [];
        for await (const d of c.find({}, { batchSize: 1000 })) seen.push(d._id as number);
        assert.equal(seen.length, 10_000);
        assert.deepEqual(seen.slice(0, 3), [0, 1, 2]);
        assert.equal(new Set(seen).size, 10_000);
        const filtered = await c.find({ _id: { $gte: 9_000 } }).toArray();
        assert.equal(filtered.length, 1000);
      });

      await t.step("killCursors and getMore on a dead cursor", async () => {
        const c = db.collection<AnyDoc>("big");
        const cursor = c.find({}, { batchSize: 10 });
        await cursor.next();
        await cursor.close();
        await assert.rejects(
          () => db.command({ getMore: 123456789n as unknown as number, collection: "big" }),
          (e: unknown) => (e as MongoServerError).code === 43,
        );
      });

      await t.step("DDL: create, listCollections, listDatabases, drop, dropDatabase", async () => {
        const d2 = client.db("ddltest");
        await d2.createCollection("a");
        await d2.createCollection("a"); // the same options again: a no-op (mongod 7.0+)
        await assert.rejects(
          () => d2.createCollection("a", { capped: true, size: 4096 }),
          (e: unknown) => (e as MongoServerError).code === 48,
        );
        await d2.collection<AnyDoc>("b").insertOne({ x: 1 });
        const names = (await d2.listCollections().toArray()).map((c) => c.name).sort();
        assert.deepEqual(names, ["a", "b"]);
        const dbs = await client.db("admin").admin().listDatabases();
        assert.ok(dbs.databases.some((d) => d.name === "ddltest"));
        // as on a mongod replica-set member, admin and local are always there (sorted by name)
        const names2 = dbs.databases.map((d) => d.name);
        assert.ok(names2.includes("admin") && names2.includes("local"), String(names2));
        assert.deepEqual(names2, [...names2].sort());
        assert.equal(await d2.collection<AnyDoc>("a").drop(), true);
        assert.deepEqual((await d2.listCollections().toArray()).map((c) => c.name), ["b"]);
        await d2.dropDatabase();
        const after = await client.db("admin").admin().listDatabases();
        assert.ok(!after.databases.some((d) => d.name === "ddltest"));
      });

      await t.step("errors: unknown command, bad operator; connection stays usable", async () => {
        await assert.rejects(() => db.command({ noSuchCommand: 1 }), (e: unknown) => {
          assert.equal((e as MongoServerError).code, 59);
          assert.equal((e as MongoServerError).codeName, "CommandNotFound");
          return true;
        });
        await assert.rejects(
          () => db.collection("empty").find({ a: { $bogus: 1 } }).toArray(),
          (e: unknown) => (e as MongoServerError).code === 2,
        );
        assert.equal((await db.command({ ping: 1 })).ok, 1);
      });
    } finally {
      await client.close();
      assert.equal(await server.stop(), 0);
    }
  },
});
