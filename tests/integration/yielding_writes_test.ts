/**
 * Long update/delete/findAndModify statements yield (src/commands/write/yielding_write.ts): their
 * targets are found by a yielding scan and written in batches, so another client keeps being
 * answered, and the answers stay exact — every target written once (also when the update moves it
 * along the index the scan uses), counts right, a transaction's batches all-or-nothing.
 */
import assert from "node:assert/strict";
import { startBackgroundPings } from "./helpers/background_pings.ts";
import { serverTest } from "./helpers/embedded_server.ts";

interface D {
  _id: number;
  a: number;
  g: number;
  u?: number;
}

const N = 30_000;
const docs = (): D[] => Array.from({ length: N }, (_, i) => ({ _id: i, a: i, g: i % 10 }));

serverTest(
  "updateMany and deleteMany over 30,000 documents yield to other clients and write each target once",
  async (client, server) => {
    const c = client.db("yw").collection<D>("c");
    await c.insertMany(docs());
    const pinger = startBackgroundPings(server.uri);
    try {
      const r = await c.updateMany({ g: { $lt: 5 } }, { $set: { u: 1 } });
      assert.equal(r.matchedCount, N / 2);
      assert.equal(r.modifiedCount, N / 2);
      const d = await c.deleteMany({ g: { $gte: 8 } });
      assert.equal(d.deletedCount, N / 5);
      const { pings } = await pinger.stop();
      // the other client was answered while the statements ran (each takes several time slices)
      assert.ok(pings >= 2, `pings during the writes: ${pings}`);
    } finally {
      await pinger.stop();
    }
    assert.equal(await c.countDocuments({ u: 1 }), N / 2);
    assert.equal(await c.countDocuments(), N - N / 5);
  },
);

serverTest(
  "an update that moves documents ahead of the index scan it uses writes each one once",
  async (client) => {
    const c = client.db("yw").collection<D>("halloween");
    await c.createIndex({ a: 1 });
    await c.insertMany(docs());
    const r = await c.updateMany({ a: { $gte: 0 } }, { $inc: { a: N } }, { hint: { a: 1 } });
    assert.equal(r.matchedCount, N);
    assert.equal(r.modifiedCount, N);
    assert.equal(await c.countDocuments({ a: { $gte: N, $lt: 2 * N } }), N);
    const dup = await c.find({ $expr: { $ne: ["$a", { $add: ["$_id", N] }] } }).toArray();
    assert.deepEqual(dup, []);
  },
);

serverTest(
  "single-document writes with a long scan: updateOne, deleteOne, findOneAndUpdate with sort",
  async (client) => {
    const c = client.db("yw").collection<D>("single");
    await c.insertMany(docs());
    // the only match is the last document in natural order: a long scan before the first target
    const u = await c.updateOne({ a: N - 1 }, { $set: { u: 7 } });
    assert.equal(u.matchedCount, 1);
    assert.equal((await c.findOne({ _id: N - 1 }))?.u, 7);
    const f = await c.findOneAndUpdate(
      { g: 3 },
      { $set: { u: 9 } },
      { sort: { a: -1 }, returnDocument: "after" },
    );
    assert.deepEqual(f, { _id: N - 7, a: N - 7, g: 3, u: 9 });
    const removed = await c.findOneAndDelete({ g: 4 }, { sort: { a: -1 } });
    assert.equal(removed?._id, N - 6);
    const d = await c.deleteOne({ a: N - 2 });
    assert.equal(d.deletedCount, 1);
    assert.equal(await c.countDocuments(), N - 2);
    // no match after a long scan: an upsert inserts
    const up = await c.updateOne({ a: -5 }, { $set: { g: -1 } }, { upsert: true });
    assert.equal(up.upsertedCount, 1);
    assert.equal((await c.findOne({ a: -5 }))?.g, -1);
  },
);

serverTest(
  "a multi update that fails part way keeps its earlier batches, as on mongod, and reports the error",
  async (client) => {
    const c = client.db("yw").collection<D>("partial");
    await c.insertMany(docs());
    await c.createIndex({ u: 1 }, { unique: true, sparse: true });
    // every document gets u: 1 — the second one written is a duplicate key
    const err = await c.updateMany({}, { $set: { u: 1 } }).then(() => undefined, (e) => e);
    assert.equal(err?.code, 11000);
    assert.equal(await c.countDocuments({ u: 1 }), 1);
    // failing late (after many batches): every document before the failing one is written
    const late = await c.updateMany({}, [
      { $set: { u: { $cond: [{ $gte: ["$_id", 20_000] }, 2, { $add: ["$_id", 100_000] }] } } },
    ]).then(() => undefined, (e) => e);
    assert.equal(late?.code, 11000);
    assert.equal(await c.countDocuments({ u: { $gte: 100_000 } }), 20_000);
    assert.equal(await c.countDocuments({ u: 2 }), 1);
    // the same for a short multi update (one transaction first, then as a yielding write)
    const s = client.db("yw").collection<D>("partialShort");
    await s.insertMany(docs().slice(0, 20));
    await s.createIndex({ u: 1 }, { unique: true, sparse: true });
    const err2 = await s.updateMany({}, { $set: { u: 1 } }).then(() => undefined, (e) => e);
    assert.equal(err2?.code, 11000);
    assert.equal(await s.countDocuments({ u: 1 }), 1);
  },
);

serverTest(
  "in a transaction a long updateMany is all-or-nothing: abort leaves nothing, commit shows all",
  async (client) => {
    const c = client.db("yw").collection<D>("txn");
    await c.insertMany(docs());
    const session = client.startSession();
    try {
      session.startTransaction();
      const r = await c.updateMany({ g: 1 }, { $set: { u: 2 } }, { session });
      assert.equal(r.modifiedCount, N / 10);
      assert.equal(await c.countDocuments({ u: 2 }), 0); // not visible outside before commit
      await session.abortTransaction();
      assert.equal(await c.countDocuments({ u: 2 }), 0);
      session.startTransaction();
      await c.updateMany({ g: 1 }, { $set: { u: 3 } }, { session });
      const d = await c.deleteMany({ g: 2 }, { session });
      assert.equal(d.deletedCount, N / 10);
      await session.commitTransaction();
      assert.equal(await c.countDocuments({ u: 3 }), N / 10);
      assert.equal(await c.countDocuments({ g: 2 }), 0);
    } finally {
      await session.endSession();
    }
  },
);

serverTest(
  "documents deleted by another client while an updateMany yields are skipped, not counted",
  async (client, server) => {
    const c = client.db("yw").collection<D>("race");
    await c.insertMany(docs());
    const other = new (await import("mongodb")).MongoClient(server.uri);
    try {
      const oc = other.db("yw").collection<D>("race");
      const [r] = await Promise.all([
        c.updateMany({}, { $inc: { a: 1 } }),
        (async () => {
          // delete from the end while the update runs
          for (let i = N - 1; i >= N - 500; i--) await oc.deleteOne({ _id: i });
        })(),
      ]);
      const left = await c.countDocuments();
      assert.equal(left, N - 500);
      // every document still there was updated once; the count never exceeds what existed
      assert.equal(await c.countDocuments({ $expr: { $eq: ["$a", { $add: ["$_id", 1] }] } }), left);
      assert.ok(r.matchedCount >= left && r.matchedCount <= N, `matched ${r.matchedCount}`);
      assert.equal(r.modifiedCount, r.matchedCount);
    } finally {
      await other.close();
    }
  },
);
