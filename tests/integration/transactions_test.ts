/**
 * Multi-document transactions through npm:mongodb: atomic visibility at commit, nothing after abort,
 * read-your-own-writes and isolation, first-writer-wins WriteConflict with TransientTransactionError,
 * a getMore inside a transaction, a plain write that waits out a transaction's lock, and
 * `withTransaction` under concurrent conflicting transfers keeping the total balance constant.
 */
import assert from "node:assert/strict";
import type { ClientSession, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

/** Each test gets its own server; a larger pool for the concurrent transfer test. */
function txnTest(name: string, fn: Parameters<typeof serverTest>[1]): void {
  serverTest(name, fn, { maxPoolSize: 20 });
}

txnTest("commit makes every write visible at once; before it nothing is visible outside", async (client) => {
  const coll = client.db("t").collection<{ _id: number; v?: number }>("c");
  await coll.insertOne({ _id: 0, v: 0 });
  const s = client.startSession();
  s.startTransaction();
  await coll.insertOne({ _id: 1 }, { session: s });
  await coll.updateOne({ _id: 0 }, { $set: { v: 1 } }, { session: s });
  // Read your own writes inside, isolation outside.
  assert.equal(await coll.countDocuments({}, { session: s }), 2);
  assert.equal((await coll.findOne({ _id: 0 }, { session: s }))?.v, 1);
  assert.equal(await coll.countDocuments({}), 1);
  assert.equal((await coll.findOne({ _id: 0 }))?.v, 0);
  await s.commitTransaction();
  assert.equal(await coll.countDocuments({}), 2);
  assert.equal((await coll.findOne({ _id: 0 }))?.v, 1);
  await s.endSession();
});

txnTest("abort leaves nothing behind", async (client) => {
  const coll = client.db("t").collection<{ _id: number }>("c");
  await coll.insertOne({ _id: 0 });
  const s = client.startSession();
  s.startTransaction();
  await coll.insertMany([{ _id: 1 }, { _id: 2 }], { session: s });
  await coll.deleteOne({ _id: 0 }, { session: s });
  await s.abortTransaction();
  assert.deepEqual(await coll.find().toArray(), [{ _id: 0 }]);
  await s.endSession();
});

txnTest(
  "a transaction reads one snapshot: a commit by others after it began stays invisible",
  async (client) => {
    const coll = client.db("t").collection<{ _id: number }>("c");
    await coll.insertOne({ _id: 0 });
    const s = client.startSession();
    s.startTransaction();
    assert.equal(await coll.countDocuments({}, { session: s }), 1);
    await coll.insertOne({ _id: 1 });
    assert.equal(await coll.countDocuments({}, { session: s }), 1);
    await s.commitTransaction();
    await s.endSession();
  },
);

txnTest(
  "two transactions writing one document: the second gets WriteConflict with TransientTransactionError",
  async (client) => {
    const coll = client.db("t").collection<{ _id: number; v: number }>("c");
    await coll.insertOne({ _id: 1, v: 0 });
    const a = client.startSession();
    const b = client.startSession();
    a.startTransaction();
    b.startTransaction();
    await coll.updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: a });
    await assert.rejects(
      coll.updateOne({ _id: 1 }, { $inc: { v: 10 } }, { session: b }),
      (e: MongoServerError) => e.code === 112 && e.hasErrorLabel("TransientTransactionError"),
    );
    // b is aborted by the failure: its next statement is NoSuchTransaction.
    await assert.rejects(
      coll.findOne({ _id: 1 }, { session: b }),
      (e: MongoServerError) => e.code === 251 && e.hasErrorLabel("TransientTransactionError"),
    );
    await b.abortTransaction().catch(() => {});
    await a.commitTransaction();
    assert.equal((await coll.findOne({ _id: 1 }))?.v, 1);
    await a.endSession();
    await b.endSession();
  },
);

txnTest("a plain write waits for the transaction holding its document instead of failing", async (client) => {
  const coll = client.db("t").collection<{ _id: number; v: number }>("c");
  await coll.insertOne({ _id: 1, v: 0 });
  const s = client.startSession();
  s.startTransaction();
  await coll.updateOne({ _id: 1 }, { $inc: { v: 1 } }, { session: s });
  const plain = coll.updateOne({ _id: 1 }, { $inc: { v: 10 } });
  await new Promise((r) => setTimeout(r, 50));
  await s.commitTransaction();
  assert.equal((await plain).modifiedCount, 1);
  assert.equal((await coll.findOne({ _id: 1 }))?.v, 11);
  // A plain insert of a key the transaction inserted: DuplicateKey once it commits, not 112.
  s.startTransaction();
  await coll.insertOne({ _id: 2, v: 0 }, { session: s });
  const dup = coll.insertOne({ _id: 2, v: 5 });
  await new Promise((r) => setTimeout(r, 30));
  await s.commitTransaction();
  await assert.rejects(dup, (e: MongoServerError) => e.code === 11000);
  await s.endSession();
});

txnTest(
  "a cursor opened in a transaction continues with getMore in it and dies at commit",
  async (client) => {
    const coll = client.db("t").collection<{ _id: number }>("c");
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: i })));
    const s = client.startSession();
    s.startTransaction();
    await coll.insertOne({ _id: 100 }, { session: s });
    await coll.deleteOne({ _id: 0 }, { session: s });
    const cursor = coll.find({}, { session: s, batchSize: 3 });
    const seen: number[] = [];
    for await (const d of cursor) seen.push(d._id);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 100]);
    const open = coll.find({}, { session: s, batchSize: 2 });
    await open.next();
    await s.commitTransaction();
    await assert.rejects(open.toArray(), (e: MongoServerError) => e.code === 43 || e.code === 256);
    await s.endSession();
  },
);

txnTest("DuplicateKey inside withTransaction is not retried and aborts the transaction", async (client) => {
  const coll = client.db("t").collection<{ _id: number }>("c");
  await coll.insertOne({ _id: 0 });
  const s = client.startSession();
  await assert.rejects(
    s.withTransaction(async () => {
      await coll.insertOne({ _id: 1 }, { session: s });
      await coll.insertOne({ _id: 1 }, { session: s });
    }),
    (e: MongoServerError) => e.code === 11000 && !e.hasErrorLabel("TransientTransactionError"),
  );
  assert.deepEqual(await coll.find().toArray(), [{ _id: 0 }]);
  await s.endSession();
});

txnTest("a command a transaction may not run is 263 OperationNotSupportedInTransaction", async (client) => {
  const db = client.db("t");
  const s = client.startSession();
  s.startTransaction();
  await db.collection<{ _id: number }>("c").insertOne({ _id: 1 }, { session: s });
  await assert.rejects(
    db.command({ count: "c" }, { session: s }),
    (e: MongoServerError) => e.code === 263,
  );
  await s.abortTransaction().catch(() => {});
  await s.endSession();
});

txnTest(
  "1,000 transfers by concurrent withTransaction sessions keep the total balance constant",
  async (client) => {
    const accounts = client.db("bank").collection<{ _id: number; balance: number }>("accounts");
    const log = client.db("bank").collection<{ _id: number }>("log");
    const N = 10;
    await accounts.insertMany(Array.from({ length: N }, (_, i) => ({ _id: i, balance: 1000 })));
    const WORKERS = 8;
    const TRANSFERS = 1000;
    let next = 0;
    let retries = 0;
    const worker = async (session: ClientSession) => {
      while (next < TRANSFERS) {
        const i = next++;
        const from = i % N;
        const to = (i * 7 + 3) % N === from ? (from + 1) % N : (i * 7 + 3) % N;
        let attempt = 0;
        await session.withTransaction(async () => {
          if (attempt++ > 0) retries++;
          await accounts.updateOne({ _id: from }, { $inc: { balance: -1 } }, { session });
          await accounts.updateOne({ _id: to }, { $inc: { balance: 1 } }, { session });
          await log.insertOne({ _id: i }, { session });
        });
      }
    };
    const sessions = Array.from({ length: WORKERS }, () => client.startSession());
    await Promise.all(sessions.map(worker));
    await Promise.all(sessions.map((s) => s.endSession()));
    const all = await accounts.find().toArray();
    assert.equal(all.reduce((t, a) => t + a.balance, 0), N * 1000);
    assert.equal(await log.countDocuments({}), TRANSFERS); // each transfer committed exactly once
    console.log(`transfers: ${TRANSFERS}, transaction retries after conflicts: ${retries}`);
  },
);

txnTest(
  "$out and $merge are refused inside a transaction (263) and the transaction is aborted",
  async (client) => {
    const coll = client.db("t").collection<{ _id: number }>("c");
    await coll.insertOne({ _id: 0 });
    const s = client.startSession();
    s.startTransaction();
    await assert.rejects(
      coll.aggregate([{ $match: {} }, { $out: "copy" }], { session: s }).toArray(),
      (e: MongoServerError) => e.code === 263 && e.codeName === "OperationNotSupportedInTransaction",
    );
    await s.abortTransaction().catch(() => {});
    await s.endSession();
    assert.equal(await client.db("t").collection("copy").countDocuments({}), 0);
  },
);

txnTest(
  "collections and indexes created in a transaction exist for others only after commit",
  async (client) => {
    const db = client.db("t");
    const names = async () => (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    // implicit create by insert, then an index on it, both inside the transaction
    const s = client.startSession();
    s.startTransaction();
    await db.collection<{ _id: number; x?: number }>("fresh").insertOne({ _id: 1, x: 1 }, { session: s });
    await db.collection("fresh").createIndex({ x: 1 }, { session: s });
    await db.createCollection("explicit", { session: s });
    assert.equal(await db.collection("fresh").countDocuments({}, { session: s }), 1);
    assert.deepEqual((await names()).filter((n) => n === "fresh" || n === "explicit"), []);
    // an outside write to the same namespace waits for the transaction, then lands in its collection
    const outside = db.collection<{ _id: number }>("fresh").insertOne({ _id: 2 });
    await new Promise((r) => setTimeout(r, 50));
    await s.commitTransaction();
    await outside;
    assert.deepEqual((await names()).filter((n) => n === "fresh" || n === "explicit").sort(), [
      "explicit",
      "fresh",
    ]);
    assert.equal(await db.collection("fresh").countDocuments({}), 2);
    const idx = (await db.collection("fresh").listIndexes().toArray()).map((i) => i.name).sort();
    assert.deepEqual(idx, ["_id_", "x_1"]);
    // one applyOps entry holding the creates, the index and the insert
    const last = await client.db("local").collection("oplog.rs").find({ "o.applyOps": { $exists: true } })
      .sort({ $natural: -1 }).limit(1).next();
    const ops = (last?.o.applyOps as { op: string; o: Record<string, unknown> }[]).map((o) =>
      o.op === "c" ? Object.keys(o.o)[0] : o.op
    );
    assert.deepEqual(ops, ["create", "i", "createIndexes", "create"]);
    await s.endSession();

    // abort: the collection (and its index) never existed
    const s2 = client.startSession();
    s2.startTransaction();
    await db.collection<{ _id: number }>("gone").insertOne({ _id: 1 }, { session: s2 });
    await s2.abortTransaction();
    await s2.endSession();
    assert.ok(!(await names()).includes("gone"));
    await db.collection<{ _id: number }>("gone").insertOne({ _id: 7 }); // the name is free again
    assert.equal(await db.collection("gone").countDocuments({}), 1);

    // createIndexes on a collection that existed before the transaction: 263 as on mongod 8.0
    const s3 = client.startSession();
    s3.startTransaction();
    await assert.rejects(
      db.collection("gone").createIndex({ y: 1 }, { session: s3 }),
      (e: MongoServerError) => e.code === 263,
    );
    await s3.abortTransaction().catch(() => {});
    await s3.endSession();
  },
);

txnTest(
  "transactions racing to create one collection: the losers get 112 TransientTransactionError and retry; plain inserts wait",
  async (client) => {
    const db = client.db("race");
    for (let round = 0; round < 5; round++) {
      // eight transactions whose first write creates the same collection implicitly
      const coll = db.collection<{ _id: number | string }>(`t${round}`);
      const sessions = Array.from({ length: 8 }, () => client.startSession());
      const first: (number | string)[] = [];
      await Promise.all(sessions.map((s, k) =>
        s.withTransaction(async () => {
          await coll.insertOne({ _id: k }, { session: s });
        }).catch((e: MongoServerError) => first.push(`${e.code} ${e.codeName} ${e.message}`))
      ));
      assert.deepEqual(first, []); // no InternalError: conflicts were retried by withTransaction
      assert.equal(await coll.countDocuments({}), 8);
      // plain inserts while a transaction is creating the collection wait for it
      const plain = db.collection<{ _id: number | string }>(`p${round}`);
      const s = client.startSession();
      s.startTransaction();
      await plain.insertOne({ _id: "txn" }, { session: s });
      const waiting = Promise.all([1, 2, 3].map((k) => plain.insertOne({ _id: k })));
      await new Promise((r) => setTimeout(r, 20));
      await s.commitTransaction();
      await waiting;
      assert.equal(await plain.countDocuments({}), 4);
      await Promise.all([...sessions, s].map((x) => x.endSession()));
    }
  },
);
