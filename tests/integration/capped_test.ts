/**
 * Capped collections through npm:mongodb: create options and their errors, FIFO eviction by count
 * and by size in insertion order, collStats/listCollections reporting, tailable + awaitData
 * cursors that follow new inserts and fail with CappedPositionLost when eviction passes them, and
 * their administration: collMod cappedSize/cappedMax, convertToCapped, cloneCollectionAsCapped.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import type { ClientSession, Collection } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

type D = { _id: number; pad?: string };

/** Bytes of the documents a collection holds (collStats `size` here is the on-disk size). */
async function dataBytes(coll: Collection<D> | Collection<{ _id: number; i: number }>): Promise<number> {
  return (await coll.find({}).toArray()).reduce((n, d) => n + BSON.calculateObjectSize(d), 0);
}

type Failure = { code?: number; errmsg?: string; message?: string };

/** Asserts the promise fails with `code` (and, when given, a message containing `text`). */
async function failsWith(p: Promise<unknown>, code: number, text?: string): Promise<void> {
  await assert.rejects(p, (e: Failure) => {
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.message}`);
    if (text !== undefined) assert.ok(e.message?.includes(text), `"${e.message}" lacks "${text}"`);
    return true;
  });
}

serverTest("capped collections evict the oldest documents by max and by size", async (client) => {
  const db = client.db("cap");
  await assert.rejects(
    () => db.createCollection("nosize", { capped: true }),
    (e: { code?: number }) => e.code === 72,
  );
  const byCount = await db.createCollection<D>("count", { capped: true, size: 1 << 20, max: 5 });
  for (let i = 0; i < 12; i++) await byCount.insertOne({ _id: i });
  assert.deepEqual((await byCount.find({}).toArray()).map((d) => d._id), [7, 8, 9, 10, 11]);
  await byCount.insertMany([{ _id: 20 }, { _id: 21 }, { _id: 22 }]);
  assert.deepEqual((await byCount.find({}).toArray()).map((d) => d._id), [10, 11, 20, 21, 22]);

  const bySize = await db.createCollection<D>("size", { capped: true, size: 4096 });
  for (let i = 0; i < 40; i++) await bySize.insertOne({ _id: i, pad: "x".repeat(200) });
  const left = (await bySize.find({}).toArray()).map((d) => d._id);
  assert.ok(left.length < 40 && left.length >= 15, `kept ${left.length}`);
  assert.equal(left.at(-1), 39);
  assert.deepEqual(left, [...left].sort((a, b) => a - b), "insertion order");
  const kept = await bySize.find({}).toArray();
  assert.ok(kept.reduce((n, d) => n + BSON.calculateObjectSize(d), 0) <= 4096, "data stays within size");
  const stats = await db.command({ collStats: "size" });
  assert.equal(stats["capped"], true);
  assert.equal(stats["maxSize"], 4096);
  const [info] = await db.listCollections({ name: "count" }, { nameOnly: false }).toArray();
  const options = (info as { options?: Record<string, unknown> } | undefined)?.options ?? {};
  assert.deepEqual(
    { capped: options["capped"], size: options["size"], max: options["max"] },
    { capped: true, size: 1 << 20, max: 5 },
  );
});

serverTest(
  "tailable awaitData cursors follow inserts; eviction past them is CappedPositionLost",
  async (client) => {
    const db = client.db("tail");
    const coll = await db.createCollection<D>("log", { capped: true, size: 1 << 20, max: 3 });
    await assert.rejects(
      () => db.collection("plain").find({}, { tailable: true }).toArray(),
      (e: { code?: number }) => e.code === 2,
    );
    await coll.insertOne({ _id: 1 });
    const cursor = coll.find({}, { tailable: true, awaitData: true, maxAwaitTimeMS: 2000, batchSize: 1 });
    assert.equal((await cursor.next())?._id, 1);
    const pending = cursor.next();
    await coll.insertOne({ _id: 2 });
    assert.equal((await pending)?._id, 2);

    const lagging = coll.find({}, { tailable: true, batchSize: 1 });
    assert.equal((await lagging.next())?._id, 1);
    for (let i = 3; i < 10; i++) await coll.insertOne({ _id: i });
    await assert.rejects(async () => {
      while (await lagging.next()) { /* drain until the lost position is noticed */ }
    }, (e: { code?: number }) => e.code === 136);
    await cursor.close();
  },
);

serverTest(
  "capped collections refuse writes inside a transaction (263; a delete 20) and keep their data",
  async (client) => {
    const db = client.db("cappedtxn");
    const c = await db.createCollection<{ _id: number; a?: number }>("log", { capped: true, size: 4096 });
    await c.insertOne({ _id: 1 });
    const attempts: [string, (s: ClientSession) => Promise<unknown>, number][] = [
      ["insert", (s) => c.insertOne({ _id: 2 }, { session: s }), 263],
      ["update", (s) => c.updateOne({ _id: 1 }, { $set: { a: 1 } }, { session: s }), 263],
      ["findAndModify", (s) => c.findOneAndDelete({ _id: 1 }, { session: s }), 263],
    ];
    for (const [what, op, code] of attempts) {
      const s = client.startSession();
      try {
        s.startTransaction();
        await assert.rejects(
          op(s),
          (e: { code?: number }) => e.code === code || assert.fail(`${what}: ${e}`),
        );
        await s.abortTransaction().catch(() => {});
      } finally {
        await s.endSession();
      }
    }
    // A delete: 20 IllegalOperation as the statement's write error (a raw command: for deleteOne the
    // driver replaces a code-20 error with its own "does not support retryable writes" text).
    const s0 = client.startSession();
    try {
      s0.startTransaction();
      const r = await db.command({ delete: "log", deletes: [{ q: { _id: 1 }, limit: 1 }] }, { session: s0 });
      assert.equal(r["n"], 0);
      assert.equal(r["writeErrors"][0].code, 20);
      assert.match(r["writeErrors"][0].errmsg, /Cannot remove from a capped collection in a multi-document/);
      await s0.abortTransaction().catch(() => {});
    } finally {
      await s0.endSession();
    }
    assert.deepEqual(await c.find().toArray(), [{ _id: 1 }]);
    // Reads inside a transaction still work.
    const s = client.startSession();
    try {
      s.startTransaction();
      assert.equal((await c.find({}, { session: s }).toArray()).length, 1);
      await s.commitTransaction();
    } finally {
      await s.endSession();
    }
  },
);

serverTest(
  "collMod cappedSize/cappedMax resize a capped collection; eviction follows on the next insert",
  async (client) => {
    const db = client.db("resize");
    const coll = await db.createCollection<D>("r", { capped: true, size: 25 * 1024 });
    const tenKb = async () => {
      for (let i = 0; i < 5; i++) {
        await coll.insertOne({
          _id: Date.now() * 10 + i,
          pad: "a".repeat(10 * 1024),
        });
      }
    };
    const stats = () => db.command({ collStats: "r" });
    await tenKb();
    assert.equal(await coll.countDocuments(), 2);

    await db.command({ collMod: "r", cappedSize: 50 * 1024 });
    assert.equal((await stats())["maxSize"], 50 * 1024);
    await tenKb();
    assert.equal(await coll.countDocuments(), 4);
    assert.ok(await dataBytes(coll) <= 50 * 1024);

    // Shrinking trims nothing at once (as mongod); the next insert evicts down to the new size.
    await db.command({ collMod: "r", cappedSize: 25 * 1024 });
    assert.equal(await coll.countDocuments(), 4);
    await coll.insertOne({ _id: 1, pad: "a".repeat(10 * 1024) });
    assert.equal(await coll.countDocuments(), 2);
    assert.equal((await coll.find({}).toArray()).at(-1)?._id, 1, "the newest document stays");
    const [info] = await db.listCollections({ name: "r" }).toArray();
    assert.equal((info as { options?: { size?: number } }).options?.size, 25 * 1024);

    // cappedMax: a document limit; <= 0 means none (kept as 2^31 - 1, as mongod reports it).
    await db.command({ collMod: "r", cappedSize: 1 << 20, cappedMax: 3 });
    await tenKb();
    assert.equal(await coll.countDocuments(), 3);
    assert.equal((await stats())["max"], 3);
    await db.command({ collMod: "r", cappedMax: -2 });
    assert.equal((await stats())["max"], 0x7fffffff);
    await tenKb();
    assert.equal(await coll.countDocuments(), 8);

    // The change is logged as the collMod that replays it.
    const entry = await client.db("local").collection("oplog.rs")
      .findOne({ op: "c", "o.collMod": "r", "o.cappedMax": { $exists: true } }, { sort: { $natural: -1 } });
    assert.equal(entry?.["o"]?.["cappedMax"], 0x7fffffff);
    const sized = await client.db("local").collection("oplog.rs")
      .findOne({ op: "c", "o.collMod": "r", "o.cappedSize": 1 << 20 });
    assert.equal(sized?.["o"]?.["cappedMax"], 3);

    // Bounds (IDL validators, 51024), then what cannot be resized.
    await failsWith(db.command({ collMod: "r", cappedSize: 0 }), 51024, "value must be >= 1");
    await failsWith(db.command({ collMod: "r", cappedSize: -5 }), 51024);
    await failsWith(db.command({ collMod: "r", cappedSize: 0x4000000000000 + 1 }), 51024, "value must be <=");
    await failsWith(db.command({ collMod: "r", cappedMax: 2 ** 31 }), 51024, "value must be < 2147483648");
    await failsWith(db.command({ collMod: "r", cappedSize: "big" }), 14);
    await db.createCollection("plain");
    await failsWith(db.command({ collMod: "plain", cappedSize: 4096 }), 72, "Collection must be capped.");
    await db.createCollection("v", { viewOn: "plain", pipeline: [] });
    await failsWith(
      db.command({ collMod: "v", cappedMax: 100 }),
      72,
      "option not supported on a view: cappedMax",
    );
    await failsWith(db.command({ collMod: "absent", cappedSize: 4096 }), 26);
    await failsWith(
      client.db("local").command({ collMod: "oplog.rs", cappedSize: 1 << 30 }),
      72,
      "replSetResizeOplog",
    );
  },
);

serverTest(
  "convertToCapped and cloneCollectionAsCapped copy in natural order, evicting as needed",
  async (client) => {
    const db = client.db("conv");
    const src = db.collection<{ _id: number; i: number }>("src");
    await src.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: 1000 - i, i })));
    await src.createIndex({ i: 1 });

    // cloneCollectionAsCapped: the source stays as it was.
    await db.command({ cloneCollectionAsCapped: "src", toCollection: "all", size: 100000 });
    const all = db.collection<{ _id: number; i: number }>("all");
    assert.equal(await all.countDocuments(), 1000);
    assert.deepEqual(
      (await all.find({}).toArray()).map((d) => d.i),
      [...Array(1000).keys()],
      "natural order",
    );
    assert.equal((await db.command({ collStats: "all" }))["capped"], true);
    assert.equal((await db.command({ collStats: "src" }))["capped"], false);
    assert.equal(await src.countDocuments(), 1000);
    assert.deepEqual((await all.indexes()).map((ix) => ix.name), ["_id_"]);

    await db.command({ cloneCollectionAsCapped: "src", toCollection: "some", size: 1000 });
    const some = (await db.collection<{ _id: number; i: number }>("some").find({}).toArray()).map((d) => d.i);
    assert.ok(some.length > 0 && some.length < 1000, `kept ${some.length}`);
    assert.deepEqual(
      some,
      Array.from({ length: some.length }, (_, k) => 1000 - some.length + k),
      "the newest, in order",
    );
    assert.ok(await dataBytes(db.collection<{ _id: number; i: number }>("some")) <= 1000);

    await failsWith(
      db.command({ cloneCollectionAsCapped: "src", toCollection: "some", size: 1000 }),
      48,
      "already exists",
    );
    await failsWith(
      db.command({ cloneCollectionAsCapped: "nope", toCollection: "x", size: 1000 }),
      26,
      "source collection conv.nope does not exist",
    );
    await failsWith(
      db.command({ cloneCollectionAsCapped: "src", toCollection: "x" }),
      72,
      "invalid command spec",
    );
    await failsWith(db.command({ cloneCollectionAsCapped: "src", toCollection: "x", size: -5 }), 2);
    await failsWith(db.command({ cloneCollectionAsCapped: "src", toCollection: 5, size: 10 }), 14);
    await failsWith(db.command({ cloneCollectionAsCapped: "src", toCollection: "a$b", size: 10 }), 73);
    await db.createCollection("view", { viewOn: "src", pipeline: [] });
    await failsWith(db.command({ cloneCollectionAsCapped: "view", toCollection: "x", size: 10 }), 166);
    await failsWith(
      client.db("nodb").command({ cloneCollectionAsCapped: "a", toCollection: "b", size: 10 }),
      26,
      "database nodb not found",
    );

    // convertToCapped: same documents and options, a new UUID, only the _id index.
    const uuidOf = async (name: string) =>
      ((await db.listCollections({ name }).toArray())[0] as { info?: { uuid?: unknown } }).info?.uuid;
    const before = await uuidOf("src");
    await db.command({ convertToCapped: "src", size: 4096 });
    const stats = await db.command({ collStats: "src" });
    assert.equal(stats["capped"], true);
    assert.equal(stats["maxSize"], 4096);
    assert.ok(await dataBytes(src) <= 4096);
    assert.deepEqual((await src.indexes()).map((ix) => ix.name), ["_id_"]);
    assert.notDeepEqual(await uuidOf("src"), before);
    const kept = (await src.find({}).toArray()).map((d) => d.i);
    assert.equal(kept.at(-1), 999);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, k) => 1000 - kept.length + k));
    assert.deepEqual((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort(), [
      "all",
      "some",
      "src",
      "system.views",
      "view",
    ]);
    await src.insertOne({ _id: -1, i: 1000 });
    assert.equal((await src.find({}).toArray()).at(-1)?.i, 1000, "inserts evict as in any capped collection");

    await failsWith(
      db.command({ convertToCapped: "nope", size: 1000 }),
      26,
      "source collection conv.nope does not exist",
    );
    await failsWith(db.command({ convertToCapped: "view", size: 1000 }), 166, "not supported for views");
    await failsWith(db.command({ convertToCapped: "all" }), 72, "invalid command spec");
    await failsWith(
      db.command({ convertToCapped: "all", size: 5308156746568725891247 }),
      2,
      "size cannot exceed 1 PB",
    );
    await failsWith(db.command({ convertToCapped: "system.views", size: 1000 }), 20);
    await failsWith(
      client.db("nodb").command({ convertToCapped: "a", size: 10 }),
      26,
      "database nodb not found",
    );

    const session = client.startSession();
    session.startTransaction();
    await db.collection("all").findOne({}, { session });
    await failsWith(db.command({ convertToCapped: "all", size: 1000 }, { session }), 263);
    await session.abortTransaction().catch(() => {});
    await session.endSession();
  },
);

serverTest(
  "a tailable find refuses $text and $near as mongod (BadValue after the filter parses)",
  async (client) => {
    const db = client.db("cappedq");
    await db.createCollection("cap", { capped: true, size: 100_000 });
    const coll = db.collection("cap");
    await coll.insertOne({ a: "hello world", loc: [0, 0] });
    const failure = async (filter: Record<string, unknown>) => {
      try {
        await coll.find(filter, { tailable: true }).next();
        return "no error";
      } catch (e) {
        const err = e as { code?: number; message?: string };
        return `${err.code} ${err.message}`;
      }
    };
    const text = { $text: { $search: "hello" } };
    const near = { loc: { $near: [0, 0] } };
    assert.equal(await failure(text), "27 text index required for $text query"); // parsed first
    assert.equal(await failure(near), "2 Tailable cursors and geo $near cannot be used together");
    await coll.createIndex({ a: "text" });
    await coll.createIndex({ loc: "2d" });
    assert.equal(await failure(text), "2 text and tailable cursor not allowed in same query");
    assert.equal(await failure(near), "2 Tailable cursors and geo $near cannot be used together");
    assert.equal((await coll.find({ a: /hello/ }, { tailable: true }).next())?.["a"], "hello world");
  },
);
