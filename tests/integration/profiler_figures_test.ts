/**
 * The profiler's figures of writes and getMores, through npm:mongodb, as mongod 8.0 writes them
 * (jstests/core/administrative/profile/profile_{update,delete,insert,findandmodify,getmore}.js):
 * each update / delete statement an entry of its own (op "update" / "remove", the statement as the
 * command) with keysExamined, docsExamined, nMatched, nModified, nUpserted, ndeleted and the index
 * entries written (keysInserted, keysDeleted); insert with ninserted and keysInserted; findAndModify
 * as a command with the same figures; a getMore with the command that opened its cursor
 * (originatingCommand), its plan, the batch's figures and cursorExhausted on the last one. And with
 * the frame I/O thread answering writes by `_id`, profiling a database sends its writes through the
 * command layer, so each is profiled.
 */
import assert from "node:assert/strict";
import type { Db, Document } from "mongodb";
import { serverTest, withServerSettings } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any; // documents of every shape; the driver's Filter typing would refuse non-ObjectId _ids

async function latest(db: Db, filter: Document = {}): Promise<Document> {
  const e = await db.collection("system.profile").find(filter).sort({ $natural: -1 }).limit(1).next();
  assert.ok(e !== null, `no profile entry matching ${JSON.stringify(filter)}`);
  return e;
}

function figures(e: Document, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, e[k]]));
}

serverTest("profiler: update statements, each an entry with mongod's write figures", async (client) => {
  const db = client.db("prof_update");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1, a: 1, b: 1 }, { _id: 2, a: 2, b: 2 }, { _id: 3, a: 3, b: 3 }, {
    _id: 4,
    a: 9,
  }]);
  await c.createIndex({ a: 1 });
  await c.createIndex({ b: 1 });
  await db.command({ profile: 2 });
  // multi over 3 matching documents: both secondary indexes' keys change (the _id index's do not)
  const r = await c.updateMany({ a: { $lte: 3 } }, { $inc: { a: 10, b: 10 } });
  assert.equal(r.modifiedCount, 3);
  const e = await latest(db);
  assert.equal(e["op"], "update");
  assert.equal(e["ns"], "prof_update.c");
  assert.deepEqual(e["command"], {
    q: { a: { $lte: 3 } },
    u: { $inc: { a: 10, b: 10 } },
    multi: true,
    upsert: false,
  });
  assert.deepEqual(
    figures(e, [
      "keysExamined",
      "docsExamined",
      "nMatched",
      "nModified",
      "nUpserted",
      "keysInserted",
      "keysDeleted",
    ]),
    {
      keysExamined: 3,
      docsExamined: 3,
      nMatched: 3,
      nModified: 3,
      nUpserted: 0,
      keysInserted: 6,
      keysDeleted: 6,
    },
  );
  assert.equal(e["planSummary"], "IXSCAN { a: 1 }");
  assert.ok(typeof e["numYield"] === "number" && typeof e["millis"] === "number" && e["ts"] instanceof Date);
  // no entry for the update command itself (mongod profiles its statements)
  assert.equal(await db.collection("system.profile").countDocuments({ "command.update": "c" }), 0);

  // an update of an unindexed field writes no index entry; by _id: IDHACK, one key and one document
  await c.updateOne({ _id: 4 }, { $set: { z: 1 } });
  assert.deepEqual(
    figures(await latest(db), [
      "keysExamined",
      "docsExamined",
      "nMatched",
      "nModified",
      "keysInserted",
      "keysDeleted",
      "planSummary",
    ]),
    {
      keysExamined: 1,
      docsExamined: 1,
      nMatched: 1,
      nModified: 1,
      keysInserted: 0,
      keysDeleted: 0,
      planSummary: "IDHACK",
    },
  );

  // an upsert: nUpserted 1 and a key in each index (the _id index's included; b is missing: a null key)
  await c.updateOne({ _id: "new", a: 4 }, { $inc: { n: 1 } }, { upsert: true });
  const up = await latest(db);
  assert.deepEqual(up["command"], {
    q: { _id: "new", a: 4 },
    u: { $inc: { n: 1 } },
    multi: false,
    upsert: true,
  });
  assert.deepEqual(
    figures(up, ["nMatched", "nModified", "nUpserted", "keysInserted"]),
    { nMatched: 0, nModified: 0, nUpserted: 1, keysInserted: 3 },
  );

  // a batch of three statements: three entries, in order, each with its own figures; a failing one
  // shows its error
  await db.collection("system.profile").drop();
  await db.command({
    update: "c",
    updates: [
      { q: { _id: 1 }, u: { $set: { x: 1 } } },
      { q: { _id: 2 }, u: { $set: { _id: 5 } } },
      { q: { a: 9 }, u: { $set: { x: 2 } }, multi: true },
    ],
    ordered: false,
  });
  const three = await db.collection("system.profile").find({}).toArray();
  assert.deepEqual(three.map((x) => [x["op"], x["command"].q, x["nModified"], x["errName"]]), [
    ["update", { _id: 1 }, 1, undefined],
    ["update", { _id: 2 }, undefined, "ImmutableField"],
    ["update", { a: 9 }, 1, undefined],
  ]);
  assert.equal(three[1]!["ok"], 0);

  // a long multi-document update runs as a yielding write (batches of targets): the same figures
  const big = db.collection<AnyDoc>("big");
  await big.insertMany(Array.from({ length: 300 }, (_, i) => ({ k: i })));
  await big.createIndex({ k: 1 });
  await big.updateMany({ k: { $gte: 0 } }, { $inc: { k: 1000 } });
  assert.deepEqual(
    figures(await latest(db, { ns: "prof_update.big", op: "update" }), [
      "keysExamined",
      "docsExamined",
      "nMatched",
      "nModified",
      "keysInserted",
      "keysDeleted",
    ]),
    {
      keysExamined: 300,
      docsExamined: 300,
      nMatched: 300,
      nModified: 300,
      keysInserted: 300,
      keysDeleted: 300,
    },
  );
  await big.deleteMany({ k: { $gte: 1100 } });
  assert.deepEqual(
    figures(await latest(db, { ns: "prof_update.big", op: "remove" }), [
      "ndeleted",
      "keysExamined",
      "keysDeleted",
    ]),
    { ndeleted: 200, keysExamined: 200, keysDeleted: 400 },
  );
  await db.command({ profile: 0 });
});

serverTest("profiler: delete, insert and findAndModify figures", async (client) => {
  const db = client.db("prof_writes");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ a: i, b: i })));
  await c.createIndex({ a: 1 });
  await db.command({ profile: 2 });

  await c.deleteOne({ a: { $gte: 2 }, b: { $gte: 2 } });
  const one = await latest(db);
  assert.equal(one["op"], "remove");
  assert.deepEqual(one["command"], { q: { a: { $gte: 2 }, b: { $gte: 2 } }, limit: 1 });
  assert.deepEqual(
    figures(one, ["ndeleted", "keysExamined", "docsExamined", "keysDeleted", "planSummary"]),
    { ndeleted: 1, keysExamined: 1, docsExamined: 1, keysDeleted: 2, planSummary: "IXSCAN { a: 1 }" },
  );
  await c.deleteMany({ b: { $gte: 5 } });
  assert.deepEqual(
    figures(await latest(db), ["ndeleted", "docsExamined", "keysDeleted", "planSummary"]),
    { ndeleted: 5, docsExamined: 9, keysDeleted: 10, planSummary: "COLLSCAN" },
  );

  await c.insertMany([{ a: 100 }, { a: [101, 102] }]);
  const ins = await latest(db);
  assert.equal(ins["op"], "insert");
  assert.deepEqual(figures(ins, ["ninserted", "keysInserted"]), { ninserted: 2, keysInserted: 5 });

  // findAndModify: a command entry (op "command") with the update's or the remove's figures
  await c.findOneAndUpdate({ b: 3 }, { $inc: { a: 50 } });
  const fam = await latest(db);
  assert.equal(fam["op"], "command");
  assert.deepEqual(
    figures(fam, [
      "keysExamined",
      "docsExamined",
      "nMatched",
      "nModified",
      "nUpserted",
      "keysInserted",
      "keysDeleted",
    ]),
    {
      keysExamined: 0,
      docsExamined: 3,
      nMatched: 1,
      nModified: 1,
      nUpserted: 0,
      keysInserted: 1,
      keysDeleted: 1,
    },
  );
  assert.equal(fam["planSummary"], "COLLSCAN");
  await c.findOneAndUpdate({ _id: "u" }, { $set: { a: 1 } }, { upsert: true });
  assert.deepEqual(
    figures(await latest(db), ["nMatched", "nModified", "nUpserted", "keysInserted", "planSummary"]),
    { nMatched: 0, nModified: 0, nUpserted: 1, keysInserted: 2, planSummary: "IDHACK" },
  );
  await c.findOneAndDelete({ a: 100 });
  assert.deepEqual(
    figures(await latest(db), ["ndeleted", "keysExamined", "docsExamined", "keysDeleted"]),
    { ndeleted: 1, keysExamined: 1, docsExamined: 1, keysDeleted: 2 },
  );
  await db.command({ profile: 0 });
});

serverTest(
  "profiler: getMore entries name the command that opened the cursor and its plan",
  async (client) => {
    const db = client.db("prof_getmore");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany(Array.from({ length: 10 }, (_, i) => ({ a: i })));
    await c.createIndex({ a: 1 });
    await db.command({ profile: 2 });
    const cursor = c.find({ a: { $gt: 0 } }, { comment: "gm" }).sort({ a: 1 }).batchSize(2);
    await cursor.next();
    await cursor.next();
    await cursor.next(); // a getMore, the cursor left open
    const find = await latest(db, { op: "query" });
    const e = await latest(db, { op: "getmore" });
    assert.equal(e["ns"], "prof_getmore.c");
    assert.equal(e["cursorid"].toString(), find["cursorid"].toString());
    assert.equal(e["command"].batchSize, 2);
    assert.deepEqual(e["originatingCommand"].filter, { a: { $gt: 0 } });
    assert.deepEqual(e["originatingCommand"].sort, { a: 1 });
    assert.equal(e["originatingCommand"].comment, "gm");
    assert.equal(e["originatingCommand"].lsid, undefined);
    assert.equal(e["planSummary"], "IXSCAN { a: 1 }");
    assert.deepEqual(figures(e, ["keysExamined", "docsExamined", "nreturned"]), {
      keysExamined: 2,
      docsExamined: 2,
      nreturned: 2,
    });
    assert.equal(e["cursorExhausted"], undefined);
    await cursor.toArray(); // the rest: the last getMore exhausts the cursor
    const last = await latest(db, { op: "getmore" });
    assert.equal(last["cursorExhausted"], true);
    assert.equal(last["planSummary"], "IXSCAN { a: 1 }");

    // an aggregate's getMores: each with the aggregate and its plan; the batches' figures add up
    await db.collection("system.profile").drop();
    await c.aggregate([{ $match: { a: { $gte: 0 } } }], { hint: { a: 1 }, batchSize: 4 }).toArray();
    const aggs = await db.collection("system.profile").find({}).toArray();
    assert.deepEqual(aggs.map((x) => [x["op"], x["nreturned"], x["cursorExhausted"]]), [
      ["command", 4, undefined],
      ["getmore", 4, undefined],
      ["getmore", 2, true],
    ]);
    for (const g of aggs.slice(1)) {
      assert.deepEqual(g["originatingCommand"].pipeline, [{ $match: { a: { $gte: 0 } } }]);
      assert.deepEqual(g["originatingCommand"].hint, { a: 1 });
      assert.equal(g["planSummary"], "IXSCAN { a: 1 }");
    }
    assert.equal(aggs.reduce((n, x) => n + x["keysExamined"], 0), 10);
    assert.equal(aggs.reduce((n, x) => n + x["docsExamined"], 0), 10);
    await db.command({ profile: 0 });
  },
);

Deno.test({
  name:
    "profiler: with the I/O thread answering writes by _id, a profiled database's writes reach the profiler",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withServerSettings({ io: "shim" }, async (client) => {
      const db = client.db("prof_fast");
      const c = db.collection<AnyDoc>("c");
      const ioUpdates = async () =>
        Number((await db.admin().command({ serverStatus: 1 }))["secantus"]["ioThread"]["updates"]);
      await c.insertOne({ _id: 1, n: 0 });
      for (let i = 0; i < 5; i++) await c.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      const before = await ioUpdates();
      assert.ok(before > 0, "without the profiler the I/O thread answers updates by _id");
      await db.command({ profile: 2 });
      for (let i = 0; i < 5; i++) await c.updateOne({ _id: 1 }, { $inc: { n: 1 } });
      await c.deleteOne({ _id: 1 });
      assert.equal(await ioUpdates(), before, "none of them answered by the I/O thread");
      const entries = await db.collection("system.profile").find({ ns: "prof_fast.c" }).toArray();
      assert.deepEqual(entries.map((e) => [e["op"], e["nModified"] ?? e["ndeleted"]]), [
        ...Array.from({ length: 5 }, () => ["update", 1]),
        ["remove", 1],
      ]);
      await db.command({ profile: 0 });
    }),
});
