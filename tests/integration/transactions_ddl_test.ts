/**
 * DDL against open transactions through npm:mongodb, as mongod's collection locks order them: a drop,
 * dropDatabase, renameCollection, dropIndexes, collMod, convertToCapped or createIndexes of a collection an open
 * transaction wrote or read waits until that transaction ends (maxTimeMS → 50 MaxTimeMSExpired; the transaction
 * goes on), then runs; the collection is usable afterwards. Before, the drop ran under the transaction's
 * uncommitted writes: its abort then touched a dropped table (heap corruption in the transactions
 * spec suite) and the namespace could not be written again (inserts stalled).
 */
import assert from "node:assert/strict";
import type { MongoClient, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { serverError as refused } from "./helpers/error_code.ts";

async function openTxnWriting(client: MongoClient, coll = "c") {
  const c = client.db("t").collection<{ _id: number; v?: number }>(coll);
  await c.insertOne({ _id: 0 });
  await c.createIndex({ v: 1 });
  const s = client.startSession();
  s.startTransaction();
  await c.insertOne({ _id: 1, v: 1 }, { session: s });
  return s;
}

serverTest("a drop waits for a transaction that wrote the collection: maxTimeMS gives 50", async (client) => {
  const s = await openTxnWriting(client);
  const t0 = Date.now();
  const e = await refused(client.db("t").command({ drop: "c", maxTimeMS: 200 }));
  assert.equal(e.code, 50);
  assert.equal(e.codeName, "MaxTimeMSExpired");
  assert.ok(Date.now() - t0 >= 150, "the drop waited for its deadline");
  // the transaction goes on and commits what it wrote
  await client.db("t").collection<{ _id: number; v?: number }>("c").insertOne({ _id: 2, v: 2 }, {
    session: s,
  });
  await s.commitTransaction();
  await s.endSession();
  assert.equal(await client.db("t").collection<{ _id: number; v?: number }>("c").countDocuments(), 3);
});

serverTest(
  "a drop without maxTimeMS runs once the transaction aborts; the name is usable again",
  async (client) => {
    const s = await openTxnWriting(client);
    let done = false;
    const drop = client.db("t").command({ drop: "c" }).then((r) => (done = true, r));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(done, false, "the drop waits while the transaction is open");
    await s.abortTransaction();
    await s.endSession();
    assert.equal((await drop)["ok"], 1);
    const c = client.db("t").collection<{ _id: number }>("c");
    assert.equal(await c.countDocuments(), 0);
    await c.insertOne({ _id: 7 }, { maxTimeMS: 2000 });
    assert.deepEqual(await c.find().toArray(), [{ _id: 7 }]);
  },
);

serverTest("ending the session (endSessions) lets a waiting drop through", async (client) => {
  const s = await openTxnWriting(client);
  const drop = client.db("t").command({ drop: "c", maxTimeMS: 5000 });
  await new Promise((r) => setTimeout(r, 50));
  await client.db("admin").command({ endSessions: [s.id] });
  assert.equal((await drop)["ok"], 1);
  assert.deepEqual(await client.db("t").listCollections().toArray(), []);
});

serverTest(
  "dropDatabase, renameCollection, dropIndexes, collMod and convertToCapped wait too",
  async (client) => {
    const s = await openTxnWriting(client);
    const admin = client.db("admin");
    const t = client.db("t");
    const cases: [string, Promise<MongoServerError>][] = [
      ["dropDatabase", refused(t.command({ dropDatabase: 1, maxTimeMS: 100 }))],
      [
        "renameCollection (source)",
        refused(admin.command({ renameCollection: "t.c", to: "t.d", maxTimeMS: 100 })),
      ],
      ["dropIndexes", refused(t.command({ dropIndexes: "c", index: "v_1", maxTimeMS: 100 }))],
      [
        "collMod",
        refused(t.command({ collMod: "c", validator: { v: { $type: "number" } }, maxTimeMS: 100 })),
      ],
      ["convertToCapped", refused(t.command({ convertToCapped: "c", size: 100000, maxTimeMS: 100 }))],
    ];
    // each refusal is caught as it is made (they settle in any order)
    for (const [what, p] of cases) assert.equal((await p).code, 50, what);
    // a rename onto the written collection (dropTarget) waits as well
    await t.collection<{ _id: number }>("other").insertOne({ _id: 1 });
    const e = await refused(
      admin.command({ renameCollection: "t.other", to: "t.c", dropTarget: true, maxTimeMS: 100 }),
    );
    assert.equal(e.code, 50);
    await s.commitTransaction();
    await s.endSession();
    assert.deepEqual(
      (await t.collection<{ _id: number; v?: number }>("c").find().sort({ _id: 1 }).toArray()).map((d) =>
        d._id
      ),
      [0, 1],
    );
    // with the transaction gone they run
    assert.equal((await t.command({ dropIndexes: "c", index: "v_1" }))["ok"], 1);
    assert.equal((await admin.command({ renameCollection: "t.c", to: "t.d" }))["ok"], 1);
    assert.equal((await t.command({ dropDatabase: 1 }))["ok"], 1);
  },
);

serverTest(
  "DDL on other collections goes on; a transaction that only read holds it back too",
  async (client) => {
    const s = await openTxnWriting(client);
    const t = client.db("t");
    await t.collection<{ _id: number }>("other").insertOne({ _id: 1 });
    assert.equal((await t.command({ drop: "other", maxTimeMS: 1000 }))["ok"], 1);
    await s.commitTransaction();
    await s.endSession();
    // a reader's snapshot and its open cursor outlive a drop attempt, as behind mongod's collection lock
    const r = client.startSession();
    r.startTransaction();
    const c = t.collection<{ _id: number }>("c");
    const cursor = c.find({}, { session: r, batchSize: 1 });
    assert.equal((await cursor.next())?._id, 0);
    assert.equal((await refused(t.command({ drop: "c", maxTimeMS: 150 }))).code, 50);
    assert.equal(await c.countDocuments({}, { session: r }), 2);
    assert.equal((await cursor.next())?._id, 1);
    await r.commitTransaction();
    await r.endSession();
    assert.equal((await t.command({ drop: "c", maxTimeMS: 1000 }))["ok"], 1);
  },
);

serverTest("killOp ends a drop waiting for a transaction with 11601", async (client) => {
  const s = await openTxnWriting(client);
  const drop = refused(client.db("t").command({ drop: "c", comment: "waiting-drop" }));
  let opid: unknown;
  for (let i = 0; i < 50 && opid === undefined; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const ops = await client.db("admin").aggregate([{ $currentOp: {} }, {
      $match: { "command.comment": "waiting-drop" },
    }])
      .toArray();
    opid = ops[0]?.["opid"];
  }
  assert.notEqual(opid, undefined, "the waiting drop shows in $currentOp");
  await client.db("admin").command({ killOp: 1, op: opid });
  const e = await drop;
  assert.equal(e.code, 11601);
  await s.abortTransaction();
  await s.endSession();
});

serverTest(
  "collections an aggregate's $lookup / $unionWith read in a transaction hold their DDL back",
  async (client) => {
    const t = client.db("t");
    await t.collection<{ _id: number; k: number }>("c").insertOne({ _id: 1, k: 1 });
    await t.collection<{ _id: number; k: number }>("other").insertOne({ _id: 1, k: 1 });
    await t.collection<{ _id: number }>("third").insertOne({ _id: 9 });
    await t.collection<{ _id: number }>("free").insertOne({ _id: 0 });
    const s = client.startSession();
    s.startTransaction();
    const rows = await t.collection("c").aggregate([
      { $lookup: { from: "other", localField: "k", foreignField: "k", as: "o" } },
      { $unionWith: { coll: "third", pipeline: [{ $match: {} }] } },
    ], { session: s }).toArray();
    assert.equal(rows.length, 2);
    for (const name of ["other", "third"]) {
      assert.equal((await refused(t.command({ drop: name, maxTimeMS: 100 }))).code, 50, name);
    }
    assert.equal((await t.command({ drop: "free", maxTimeMS: 1000 }))["ok"], 1);
    await s.commitTransaction();
    await s.endSession();
    assert.equal((await t.command({ drop: "other", maxTimeMS: 1000 }))["ok"], 1);
  },
);

serverTest(
  "createIndexes waits for a transaction that read the collection; its writes then go on",
  async (client) => {
    const t = client.db("t");
    const c = t.collection<{ _id: number; v?: number }>("c");
    await c.insertOne({ _id: 1, v: 1 });
    const s = client.startSession();
    s.startTransaction();
    assert.equal((await c.find({}, { session: s }).toArray()).length, 1);
    const e = await refused(
      t.command({ createIndexes: "c", indexes: [{ key: { v: 1 }, name: "v_1" }], maxTimeMS: 150 }),
    );
    assert.equal(e.code, 50);
    // the transaction's snapshot and catalog are untouched: it writes and commits
    await c.insertOne({ _id: 2, v: 2 }, { session: s });
    await s.commitTransaction();
    await s.endSession();
    assert.equal(
      (await t.command({ createIndexes: "c", indexes: [{ key: { v: 1 }, name: "v_1" }] }))["ok"],
      1,
    );
    assert.equal((await c.find({ v: 2 }).hint({ v: 1 }).toArray()).length, 1);
  },
);
