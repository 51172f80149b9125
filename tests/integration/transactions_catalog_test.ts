/**
 * A transaction and DDL that ran after it began, on collections it had not touched yet (DDL on ones it
 * had touched waits for it: transactions_ddl_test.ts), through npm:mongodb. As mongod's point-in-time
 * catalog (jstests/core/txns/concurrent_drops_and_creates.js): the transaction reads each collection as
 * it was when it began — a dropped one still shows its documents, a created one does not exist, a new
 * index is not used — and writing such a collection is 112 WriteConflict with TransientTransactionError
 * (the transaction is aborted; a driver's withTransaction retries). Before, the transaction saw the
 * collection gone (an upsert re-created it and committed), and a query planned on an index built after
 * the snapshot missed every document.
 */
import assert from "node:assert/strict";
import type { ClientSession, MongoClient, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { serverError as refused } from "./helpers/error_code.ts";

type D = { _id: number; v?: number };

/** A transaction whose snapshot is taken (it read `t.a`), with `t.b` holding {_id: 1, v: 1}, {_id: 2, v: 2}. */
async function beginAfterLoad(client: MongoClient): Promise<ClientSession> {
  const t = client.db("t");
  await t.collection<D>("a").insertOne({ _id: 0 });
  await t.collection<D>("b").insertMany([{ _id: 1, v: 1 }, { _id: 2, v: 2 }]);
  const s = client.startSession();
  s.startTransaction();
  assert.equal((await t.collection<D>("a").find({}, { session: s }).toArray()).length, 1);
  return s;
}

function assertWriteConflict(e: MongoServerError): void {
  assert.equal(e.code, 112);
  assert.equal(e.codeName, "WriteConflict");
  assert.ok(e.hasErrorLabel("TransientTransactionError"), "labelled TransientTransactionError");
}

serverTest(
  "a collection dropped after the transaction began: read as of the snapshot, written 112",
  async (client) => {
    const s = await beginAfterLoad(client);
    const t = client.db("t");
    assert.equal((await t.command({ drop: "b" }))["ok"], 1);
    // read as it was when the transaction began
    assert.deepEqual(await t.collection<D>("b").find({}, { session: s }).sort({ _id: 1 }).toArray(), [
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ]);
    const e = await refused(
      t.command({ findAndModify: "b", update: { $set: { a: 1 } }, upsert: true }, { session: s }),
    );
    assertWriteConflict(e);
    // the statement's failure aborted the transaction
    const next = await refused(t.collection<D>("a").insertOne({ _id: 9 }, { session: s }));
    assert.equal(next.code, 251);
    await s.endSession();
    // outside it the drop stands, the name is usable again
    assert.deepEqual(await t.listCollections({ name: "b" }).toArray(), []);
    await t.collection<D>("b").insertOne({ _id: 5 });
    assert.deepEqual(await t.collection<D>("b").find().toArray(), [{ _id: 5 }]);
  },
);

serverTest(
  "a collection created after the transaction began does not exist in it; writing it is 112",
  async (client) => {
    const s = await beginAfterLoad(client);
    const t = client.db("t");
    await t.createCollection("fresh");
    await t.collection<D>("fresh").insertOne({ _id: 1 });
    assert.deepEqual(await t.collection<D>("fresh").find({}, { session: s }).toArray(), []);
    assertWriteConflict(await refused(t.collection<D>("fresh").insertOne({ _id: 2 }, { session: s })));
    await s.endSession();
    // withTransaction retries a TransientTransactionError in a new transaction, which sees the collection
    const s2 = client.startSession();
    let attempts = 0;
    await s2.withTransaction(async () => {
      attempts++;
      await t.collection<D>("fresh").insertOne({ _id: 3 }, { session: s2 });
    });
    assert.equal(attempts, 1);
    await s2.endSession();
    assert.deepEqual(await t.collection<D>("fresh").find().sort({ _id: 1 }).toArray(), [{ _id: 1 }, {
      _id: 3,
    }]);
  },
);

serverTest("an index built after the transaction began is not used by it", async (client) => {
  const s = await beginAfterLoad(client);
  const t = client.db("t");
  await t.collection<D>("b").createIndex({ v: 1 });
  // planned without the new index (whose entries were written after the snapshot): both documents
  assert.deepEqual(
    await t.collection<D>("b").find({ v: { $gte: 1 } }, { session: s }).sort({ v: 1 }).toArray(),
    [
      { _id: 1, v: 1 },
      { _id: 2, v: 2 },
    ],
  );
  const e = await refused(t.collection<D>("b").find({}, { session: s, hint: { v: 1 } }).toArray());
  assert.equal(e.code, 2);
  await s.endSession();
  // a new transaction uses it
  const s2 = client.startSession();
  s2.startTransaction();
  assert.equal((await t.collection<D>("b").find({}, { session: s2, hint: { v: 1 } }).toArray()).length, 2);
  await s2.commitTransaction();
  await s2.endSession();
});

serverTest("rename and dropDatabase after the transaction began: names read as they were", async (client) => {
  await client.db("u").collection<D>("x").insertOne({ _id: 8 });
  const s = await beginAfterLoad(client);
  const t = client.db("t");
  await client.db("admin").command({ renameCollection: "t.b", to: "t.b2" });
  await client.db("u").dropDatabase();
  assert.equal((await t.collection<D>("b").find({}, { session: s }).toArray()).length, 2);
  assert.deepEqual(await t.collection<D>("b2").find({}, { session: s }).toArray(), []);
  assert.deepEqual(await client.db("u").collection<D>("x").find({}, { session: s }).toArray(), [{ _id: 8 }]);
  assertWriteConflict(await refused(t.collection<D>("b2").insertOne({ _id: 3 }, { session: s })));
  await s.endSession();
  assert.equal(await t.collection<D>("b2").countDocuments(), 2);
  assert.deepEqual(await client.db("u").listCollections().toArray(), []);
});

serverTest("DDL before a transaction's first statement is no catalog change for it", async (client) => {
  const t = client.db("t");
  await t.collection<D>("b").insertOne({ _id: 1 });
  await t.command({ drop: "b" });
  await t.createCollection("b");
  const s = client.startSession();
  await s.withTransaction(async () => {
    await t.collection<D>("b").insertOne({ _id: 2 }, { session: s });
  });
  await s.endSession();
  assert.deepEqual(await t.collection<D>("b").find().toArray(), [{ _id: 2 }]);
});

serverTest("a snapshot read at an earlier cluster time reads the catalog as it was then", async (client) => {
  const t = client.db("t");
  const r = await t.command({ insert: "b", documents: [{ _id: 1, v: 1 }, { _id: 2, v: 2 }] });
  const at = r["operationTime"];
  await t.collection<D>("b").createIndex({ v: 1 });
  await t.command({ insert: "gone", documents: [{ _id: 3 }] });
  const r2 = await t.command({ insert: "b", documents: [{ _id: 4, v: 4 }] });
  const at2 = r2["operationTime"];
  await t.command({ drop: "gone" });
  await t.createCollection("late");
  const find = async (coll: string, when: unknown, more: Record<string, unknown> = {}) => {
    const reply = await t.command({
      find: coll,
      readConcern: { level: "snapshot", atClusterTime: when },
      ...more,
    });
    return reply["cursor"]["firstBatch"];
  };
  // the index did not exist at `at`: not used, and a hint of it is refused as on mongod
  assert.deepEqual(await find("b", at, { filter: { v: { $gte: 1 } }, sort: { _id: 1 } }), [
    { _id: 1, v: 1 },
    { _id: 2, v: 2 },
  ]);
  assert.equal((await refused(find("b", at, { hint: { v: 1 } }))).code, 2);
  assert.equal((await find("b", at2, { hint: { v: 1 } })).length, 3);
  // a collection dropped since is read as it was; one created since does not exist then
  assert.deepEqual(await find("gone", at2), [{ _id: 3 }]);
  assert.deepEqual(await find("gone", at), []);
});
