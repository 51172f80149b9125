/**
 * Reads at an earlier cluster time through npm:mongodb: snapshot sessions given another session's
 * snapshotTime, find/aggregate/distinct with readConcern atClusterTime, transactions started at an
 * atClusterTime, and mongod's errors (239 past the history window, 72 for a future time).
 */
import assert from "node:assert/strict";
import { type ClientSession, Long, MongoServerError, Timestamp } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

type Snap = ClientSession & { snapshotTime: Timestamp };

async function code(p: Promise<unknown>): Promise<number | string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof MongoServerError ? e.code : -1;
  }
}

serverTest("a snapshot session reads as of another session's snapshotTime", async (client) => {
  const c = client.db("h").collection<{ _id: number; x: number }>("c");
  await c.insertMany([{ _id: 1, x: 11 }, { _id: 2, x: 11 }]);
  const s0 = client.startSession({ snapshot: true });
  assert.equal((await c.find({}, { session: s0 }).toArray()).length, 2);
  const t0 = (s0 as Snap).snapshotTime;
  assert.ok(t0 instanceof Timestamp);
  await c.insertOne({ _id: 3, x: 33 });
  await c.updateOne({ _id: 1 }, { $set: { x: 12 } });
  await c.deleteOne({ _id: 2 });

  const s1 = client.startSession({ snapshot: true });
  (s1 as Snap).snapshotTime = t0;
  assert.deepEqual(await c.find({}, { session: s1 }).sort({ _id: 1 }).toArray(), [
    { _id: 1, x: 11 },
    { _id: 2, x: 11 },
  ]);
  assert.deepEqual(await c.distinct("x", {}, { session: s1 }), [11]);
  assert.equal(await c.countDocuments({}, { session: s1 }), 2);
  assert.deepEqual(
    await c.aggregate([{ $match: { _id: 1 } }, { $project: { _id: 0, x: 1 } }], { session: s1 }).toArray(),
    [{ x: 11 }],
  );
  // a batch continued by getMore stays at that time
  const cursor = c.find({}, { session: s1, batchSize: 1 });
  assert.equal((await cursor.toArray()).length, 2);
  // the present
  assert.deepEqual(await c.find({}).sort({ _id: 1 }).toArray(), [{ _id: 1, x: 12 }, { _id: 3, x: 33 }]);
  await s0.endSession();
  await s1.endSession();

  // the command form, without a session's pin
  const r = await client.db("h").command({
    find: "c",
    filter: {},
    readConcern: { level: "snapshot", atClusterTime: t0 },
  });
  assert.equal(r.cursor.firstBatch.length, 2);
  assert.ok((r.cursor.atClusterTime as Timestamp).equals(t0));
});

serverTest(
  "atClusterTime: future is 72, before the history is 239, type and level are checked",
  async (client) => {
    const db = client.db("h");
    const coll = db.collection<{ _id: number }>("c");
    await coll.insertOne({ _id: 1 });
    const find = (rc: Record<string, unknown>) => db.command({ find: "c", readConcern: rc });
    const now = (await db.command({ ping: 1 })).operationTime as Timestamp;
    assert.equal(
      await code(find({ level: "snapshot", atClusterTime: new Timestamp({ t: now.high + 1000, i: 1 }) })),
      72,
    );
    assert.equal(await code(find({ level: "snapshot", atClusterTime: new Timestamp({ t: 1, i: 1 }) })), 239);
    assert.equal(await code(find({ level: "snapshot", atClusterTime: new Timestamp({ t: 0, i: 0 }) })), 72);
    assert.equal(await code(find({ level: "snapshot", atClusterTime: "bad" })), 14);
    assert.equal(await code(find({ level: "majority", atClusterTime: now })), 72);
    // causal consistency: a time already reached reads at once, a future one is 72 as on mongod
    assert.equal((await find({ level: "majority", afterClusterTime: now })).ok, 1);
    assert.equal(
      await code(find({ level: "local", afterClusterTime: new Timestamp({ t: now.high + 1000, i: 1 }) })),
      72,
    );

    // a shorter history window applies at once
    await coll.insertOne({ _id: 2 });
    const t = (await db.command({ ping: 1 })).operationTime as Timestamp;
    await coll.insertOne({ _id: 3 });
    assert.equal((await find({ level: "snapshot", atClusterTime: t })).cursor.firstBatch.length, 2);
    const admin = client.db("admin");
    assert.equal(
      (await admin.command({ getParameter: 1, minSnapshotHistoryWindowInSeconds: 1 }))
        .minSnapshotHistoryWindowInSeconds,
      5,
    );
    await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: 0 });
    await new Promise((r) => setTimeout(r, 1100)); // the next second starts after t
    await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: 0 });
    assert.equal(await code(find({ level: "snapshot", atClusterTime: t })), 239);
    await admin.command({ setParameter: 1, minSnapshotHistoryWindowInSeconds: 5 });
  },
);

serverTest(
  "a transaction started at an atClusterTime reads then and conflicts on what changed since",
  async (client) => {
    // The Node driver keeps only the level of a transaction's readConcern, so this speaks the
    // transaction protocol itself (as mongosh's runCommand users and other drivers can).
    const db = client.db("h");
    const c = db.collection<{ _id: number; v: number }>("acct");
    await c.insertMany([{ _id: 1, v: 100 }, { _id: 2, v: 0 }]);
    const t0 = (await db.command({ ping: 1 })).operationTime as Timestamp;
    await c.updateOne({ _id: 1 }, { $inc: { v: -10 } });

    const s = client.startSession({ causalConsistency: false });
    let txnNumber = 0;
    const inTxn = (cmd: Record<string, unknown>, first: boolean, at: Timestamp = t0) => {
      const txnCommand = "commitTransaction" in cmd || "abortTransaction" in cmd;
      // the driver numbers commit/abort from its own session counter: keep it on ours
      if (txnCommand) {
        (s as unknown as { serverSession: { txnNumber: number } }).serverSession.txnNumber = txnNumber;
      }
      return (txnCommand ? client.db("admin") : db).command({
        ...cmd,
        txnNumber: Long.fromNumber(txnNumber),
        autocommit: false,
        ...(first ? { startTransaction: true, readConcern: { level: "snapshot", atClusterTime: at } } : {}),
      }, { session: s });
    };
    try {
      txnNumber++;
      const r = await inTxn({ find: "acct", filter: { _id: 1 } }, true);
      assert.deepEqual(r.cursor.firstBatch, [{ _id: 1, v: 100 }]);
      // _id 2 did not change since t0: writing it is fine
      assert.equal(
        (await inTxn({ update: "acct", updates: [{ q: { _id: 2 }, u: { $inc: { v: 1 } } }] }, false)).n,
        1,
      );
      // _id 1 did: the transaction gets a transient WriteConflict
      const err = await inTxn({ update: "acct", updates: [{ q: { _id: 1 }, u: { $inc: { v: 1 } } }] }, false)
        .catch((e) => e);
      assert.ok(err instanceof MongoServerError);
      assert.equal(err.code, 112);
      assert.ok(err.hasErrorLabel("TransientTransactionError"));
      assert.equal(await code(inTxn({ abortTransaction: 1 }, false)), 251); // the conflict aborted it

      txnNumber++;
      const agg = await inTxn({ aggregate: "acct", pipeline: [{ $count: "n" }], cursor: {} }, true);
      assert.deepEqual(agg.cursor.firstBatch, [{ n: 2 }]);
      await inTxn({ update: "acct", updates: [{ q: { _id: 2 }, u: { $set: { v: 5 } } }] }, false);
      await inTxn({ commitTransaction: 1 }, false);
      assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [{ _id: 1, v: 90 }, { _id: 2, v: 5 }]);

      // a time in the future: 72, and no transaction began
      txnNumber++;
      const future = new Timestamp({ t: t0.high + 1000, i: 1 });
      assert.equal(await code(inTxn({ find: "acct" }, true, future)), 72);
      assert.equal(await code(inTxn({ abortTransaction: 1 }, false)), 251);
      // before the history kept: 239 (with TransientTransactionError), and no transaction began
      txnNumber++;
      const e239 = await inTxn({ find: "acct" }, true, new Timestamp({ t: 1, i: 1 })).catch((e) => e);
      assert.equal(e239.code, 239);
      assert.ok(e239.hasErrorLabel("TransientTransactionError"));
      assert.equal(await code(inTxn({ abortTransaction: 1 }, false)), 251);
    } finally {
      await s.endSession();
    }
  },
  { retryWrites: false }, // the test numbers its transactions itself
);
