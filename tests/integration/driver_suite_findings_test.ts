/**
 * Behaviours PyMongo's own test suite (test_collection, test_database, test_cursor, test_change_stream)
 * and Mongoose's expect of mongod, through the Node driver and PyMongo: a failed write command still carries its
 * unsatisfiable write concern's writeConcernError; validate refuses background with full (72); `$merge`
 * gives a result without `_id` a new ObjectId; find's min/max must name the hinted index's fields in
 * order (51174), with min before max (51175) and the same fields in both (51176); a tailable cursor
 * honours skip and limit; `$changeStream` runs only under readConcern majority (72); killCursors takes a
 * database-level cursor's `$cmd.aggregate` namespace; an update statement may exceed 16 MiB by its filter
 * (the replacement is what must fit); an insert's document over 16 MiB is a BadValue write error; bulkWrite's
 * cursor is read inside a transaction; `$merge` whenMatched fail is an E11000 with keyPattern; an update
 * pipeline naming an unknown stage fails the whole command; dbstats / collstats aliases; mongod 5.0's rules
 * for `$`-prefixed field names in updates; DBRef fields (`$id`) in `$elemMatch`.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { HAS_PYMONGO, runPython } from "./helpers/python.ts";

const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: AnyDoc) => e);

serverTest("a failed write command carries its writeConcernError too", async (client) => {
  const db = client.db("wce");
  const r: AnyDoc = await db.command({ drop: "missing", writeConcern: { w: 50 } }).catch((e) => e);
  assert.equal(r.code, 26);
  assert.equal(r.errorResponse.writeConcernError.code, 100);
  // a successful one, as before
  await db.collection("c").insertOne({ a: 1 });
  const ok: AnyDoc = await fail(db.collection("c").insertOne({ a: 2 }, { writeConcern: { w: 50 } }));
  assert.equal(ok.code, 100); // (applied, then the writeConcernError)
  assert.equal(await db.collection("c").countDocuments(), 2);
});

serverTest("validate: background with full or enforceFastCount is 72", async (client) => {
  const db = client.db("val");
  await db.collection("c").insertOne({ a: 1 });
  assert.equal((await fail(db.command({ validate: "c", background: true, full: true }))).code, 72);
  assert.equal(
    (await fail(db.command({ validate: "c", background: true, enforceFastCount: true }))).code,
    72,
  );
  assert.equal((await db.command({ validate: "c", background: true })).valid, true);
});

serverTest("$merge gives results without _id a new ObjectId", async (client) => {
  const admin = client.db("admin");
  await admin.aggregate([
    { $documents: [{ x: 1 }, { x: 2 }] },
    { $merge: { into: { db: "mrg", coll: "out" } } },
  ]).toArray();
  const docs = await client.db("mrg").collection("out").find().sort({ x: 1 }).toArray();
  assert.deepEqual(docs.map((d) => d.x), [1, 2]);
  assert.ok(docs.every((d) => d._id instanceof ObjectId));
});

serverTest(
  "find min/max: the hinted index's fields in order, min before max, the same fields",
  async (client) => {
    const c = client.db("mm").collection("c");
    await c.createIndex({ j: 1 });
    await c.createIndex({ j: 1, k: 1 });
    await c.insertMany([...Array(10).keys()].map((j) => ({ j, k: j })));
    const find = (extra: AnyDoc) => client.db("mm").command({ find: "c", ...extra });
    assert.equal((await find({ max: { j: 3, k: 3 }, hint: { j: 1, k: 1 } })).cursor.firstBatch.length, 3);
    assert.equal((await find({ max: {}, min: { j: 7 }, hint: { j: 1 } })).cursor.firstBatch.length, 3);
    assert.equal((await fail(find({ max: { k: 3, j: 3 }, hint: { j: 1, k: 1 } }))).code, 51174);
    assert.equal((await fail(find({ max: { j: 3 }, hint: { j: 1, k: 1 } }))).code, 51174);
    assert.equal((await fail(find({ min: { j: 5 }, max: { j: 2 }, hint: { j: 1 } }))).code, 51175);
    assert.equal((await fail(find({ min: { j: 1 }, max: { k: 3 }, hint: { j: 1 } }))).code, 51176);
    assert.equal((await fail(find({ max: { j: 3 } }))).code, 51173);
  },
);

serverTest("a tailable cursor honours skip and limit", async (client) => {
  const db = client.db("tl");
  await db.createCollection("cap", { capped: true, size: 100_000, max: 3 });
  await db.collection("cap").insertMany([{ x: 4 }, { x: 5 }, { x: 6 }]);
  const r: AnyDoc = await db.command({ find: "cap", tailable: true, limit: 1 });
  assert.deepEqual(r.cursor.firstBatch.map((d: AnyDoc) => d.x), [4]);
  assert.equal(Number(r.cursor.id), 0);
  const s: AnyDoc = await db.command({ find: "cap", tailable: true, skip: 1, limit: 1 });
  assert.deepEqual(s.cursor.firstBatch.map((d: AnyDoc) => d.x), [5]);
  const open: AnyDoc = await db.command({ find: "cap", tailable: true, skip: 2 });
  assert.deepEqual(open.cursor.firstBatch.map((d: AnyDoc) => d.x), [6]);
  assert.notEqual(Number(open.cursor.id), 0);
});

serverTest(
  "$changeStream under readConcern local is 72; killCursors takes $cmd.aggregate",
  async (client) => {
    const db = client.db("cs");
    const e = await fail(
      db.command({
        aggregate: "c",
        pipeline: [{ $changeStream: {} }],
        cursor: {},
        readConcern: { level: "local" },
      }),
    );
    assert.equal(e.code, 72);
    const cs: AnyDoc = await db.command({
      aggregate: "c",
      pipeline: [{ $changeStream: {} }],
      cursor: {},
      readConcern: { level: "majority" },
    });
    assert.ok(cs.ok);
    const dbLevel: AnyDoc = await db.command({ aggregate: 1, pipeline: [{ $changeStream: {} }], cursor: {} });
    assert.equal(dbLevel.cursor.ns, "cs.$cmd.aggregate");
    const k: AnyDoc = await db.command({ killCursors: "$cmd.aggregate", cursors: [dbLevel.cursor.id] });
    assert.equal(k.cursorsKilled.length, 1);
    assert.equal(
      (await fail(db.command({ getMore: dbLevel.cursor.id, collection: "$cmd.aggregate" }))).code,
      43,
    );
  },
);

Deno.test({
  name:
    "PyMongo: a 16 MiB replacement in an update statement; an insert over 16 MiB is a BadValue write error",
  ignore: !HAS_PYMONGO,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { startServer } = await import("../../mod.ts");
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    try {
      const r = await runPython(
        `
import sys, json
from pymongo import MongoClient
from pymongo.errors import OperationFailure
c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)
t = c.big.t
m = c.admin.command("hello")["maxBsonObjectSize"]
t.insert_one({"bar": "x"})
t.replace_one({"bar": "x"}, {"bar": "x" * (m - 32)})
code = None
try:
    t.insert_one({"foo": "x" * m})
except OperationFailure as e:
    code = e.code
print(json.dumps({"len": len(t.find_one()["bar"]), "code": code}))
`,
        server.uri,
      );
      assert.equal(r.code, 2);
      assert.ok(r.len > 16 * 1024 * 1024 - 64);
    } finally {
      await server.stop();
    }
  },
});

serverTest("bulkWrite's results cursor is read with getMore inside a transaction", async (client) => {
  await client.db("bw").createCollection("c");
  const admin = client.db("admin");
  const session = client.startSession();
  try {
    session.startTransaction();
    const r: AnyDoc = await admin.command({
      bulkWrite: 1,
      ops: [{ insert: 0, document: { _id: 1 } }, { insert: 0, document: { _id: 2 } }, {
        insert: 0,
        document: { _id: 3 },
      }],
      nsInfo: [{ ns: "bw.c" }],
      cursor: { batchSize: 1 },
    }, { session });
    assert.equal(r.cursor.firstBatch.length, 1);
    const more: AnyDoc = await admin.command({ getMore: r.cursor.id, collection: "$cmd.bulkWrite" }, {
      session,
    });
    assert.equal(more.cursor.nextBatch.length, 2);
    await session.commitTransaction();
  } finally {
    await session.endSession();
  }
  assert.equal(await client.db("bw").collection("c").countDocuments(), 3);
});

serverTest(
  "$merge whenMatched fail is the on index's E11000 with keyPattern and keyValue",
  async (client) => {
    const db = client.db("mf");
    await db.collection<AnyDoc>("t").insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 1 }]);
    const e: AnyDoc = await fail(
      db.aggregate([{ $documents: [{ _id: 2, x: 1 }] }, { $merge: { into: "t", whenMatched: "fail" } }])
        .toArray(),
    );
    assert.equal(e.code, 11000);
    assert.deepEqual(e.errorResponse.keyPattern, { _id: 1 });
    assert.deepEqual(e.errorResponse.keyValue, { _id: 2 });
    assert.match(
      e.message,
      /^E11000 duplicate key error collection: mf\.t index: _id_ dup key: \{ _id: 2 \}/,
    );
  },
);

serverTest(
  "an update pipeline naming an unknown stage fails the command (40324); a disallowed one its statement",
  async (client) => {
    const db = client.db("up");
    await db.collection<AnyDoc>("c").insertOne({ _id: 1, x: 11 });
    const e: AnyDoc = await fail(
      db.command({ update: "c", updates: [{ q: { x: 1 }, u: [{ $invalidOperator: true }] }] }),
    );
    assert.equal(e.code, 40324);
    const r: AnyDoc = await db.command({ update: "c", updates: [{ q: { x: 11 }, u: [{ $match: {} }] }] });
    assert.equal(r.ok, 1);
    assert.equal(r.writeErrors[0].code, 72);
  },
);

serverTest("dbStats and collStats answer to mongod's lower-case aliases", async (client) => {
  const db = client.db("al");
  await db.collection("c").insertOne({ a: 1 });
  assert.equal((await db.command({ dbstats: 1 })).collections, 1);
  assert.equal((await db.command({ collstats: "c" })).count, 1);
  assert.equal((await db.command({ dbstats: 1, scale: 1024 })).ok, 1);
});

serverTest(
  "Mongoose's suite: $-prefixed fields in updates (5.0 rules) and DBRef fields in $elemMatch",
  async (client) => {
    const c = client.db("mg").collection<AnyDoc>("c");
    // an upsert's insert takes top-level $-prefixed fields, as mongod validates it as an insert
    await c.updateOne({ _id: 1 }, { $setOnInsert: { __v: 0 }, $set: { $myKey: "x" } }, { upsert: true });
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, __v: 0, $myKey: "x" });
    // nested ones on an existing document
    await c.insertOne({ _id: 2, preferences: { $each: 1 } });
    await c.updateOne({ _id: 2 }, { $set: { "preferences.$each": 42 } });
    assert.deepEqual((await c.findOne({ _id: 2 }))?.preferences, { $each: 42 });
    // a top-level one on an existing document is 52
    const e: AnyDoc = await fail(c.updateOne({ _id: 1 }, { $set: { $hotel: 1 } }));
    assert.equal(e.code, 52);
    // DBRef-shaped elements: $elemMatch names their $id
    const id = new ObjectId();
    await c.insertOne({ _id: 3, members: [{ $ref: "foo", $id: id, $db: "foo" }] });
    assert.equal(await c.countDocuments({ members: { $elemMatch: { $id: id } } }), 1);
    assert.equal(await c.countDocuments({ members: { $elemMatch: { $id: new ObjectId() } } }), 0);
  },
);
