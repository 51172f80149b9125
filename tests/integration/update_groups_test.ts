/**
 * An update command's statements by `_id` written in shared storage transactions (update_group.ts)
 * behave as one transaction per statement: the reply (n, nModified, upserted with index and _id),
 * writeErrors at their own index with ordered/unordered semantics (E11000 with keyPattern/keyValue,
 * a validator's 121), a later statement seeing an earlier one's write, each statement's oplog entry
 * and change event in order, the opcounters, and a multi-document transaction's statements.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Binary, Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

const upsert = (_id: unknown, a: number) => ({
  updateOne: { filter: { _id }, update: { $set: { a } }, upsert: true },
});

serverTest("grouped statements by _id: the reply of one transaction per statement", async (client) => {
  const c = client.db("ug").collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1, a: 0 }, { _id: 2, a: 0 }]);
  const ops: AnyDoc[] = [];
  for (let i = 0; i < 150; i++) ops.push(upsert(`n${i}`, i));
  ops.push({ updateOne: { filter: { _id: 1 }, update: { $set: { a: 5 } } } });
  ops.push({ updateOne: { filter: { _id: 2 }, update: { $set: { a: 0 } } } }); // a no-op
  ops.push({ replaceOne: { filter: { _id: "r" }, replacement: { a: 1 }, upsert: true } });
  // the same new _id twice: the first inserts, the second (same group) updates what it inserted
  ops.push({ updateOne: { filter: { _id: "twice" }, update: { $inc: { k: 1 } }, upsert: true } });
  ops.push({ updateOne: { filter: { _id: "twice" }, update: { $inc: { k: 1 } }, upsert: true } });
  ops.push({ updateOne: { filter: { _id: 404 }, update: { $set: { a: 1 } } } }); // matches nothing
  const r = await c.bulkWrite(ops);
  assert.deepEqual(
    [r.matchedCount, r.modifiedCount, r.upsertedCount],
    [3, 2, 152],
  );
  assert.equal(r.upsertedIds[0], "n0");
  assert.equal(r.upsertedIds[149], "n149");
  assert.equal(r.upsertedIds[152], "r");
  assert.equal(r.upsertedIds[153], "twice");
  assert.equal(r.upsertedIds[154], undefined);
  assert.deepEqual(await c.findOne({ _id: "twice" }), { _id: "twice", k: 2 });
  assert.deepEqual(await c.findOne({ _id: "r" }), { _id: "r", a: 1 });
  assert.deepEqual(await c.findOne({ _id: "n7" }), { _id: "n7", a: 7 });
  assert.equal(await c.countDocuments(), 2 + 150 + 2);
});

serverTest(
  "a duplicate key inside a group: its own writeError; ordered stops, unordered goes on",
  async (client) => {
    const db = client.db("ug");
    const c = db.collection<AnyDoc>("d");
    await c.createIndex({ u: 1 }, { unique: true });
    await c.insertOne({ _id: "x", u: 7 });
    const ops = () => {
      const o: AnyDoc[] = [];
      for (let i = 0; i < 10; i++) {
        o.push({
          updateOne: {
            filter: { _id: `k${i}` },
            update: { $set: { u: i === 4 ? 7 : 100 + i } },
            upsert: true,
          },
        });
      }
      return o;
    };
    const before = (await db.admin().command({ serverStatus: 1 })).opcounters.update;
    const ordered: AnyDoc = await c.bulkWrite(ops()).catch((e) => e);
    assert.equal(ordered.writeErrors?.[0]?.index ?? ordered.writeErrors?.index, 4);
    const err = ordered.writeErrors[0] ?? ordered.writeErrors;
    assert.equal(err.code, 11000);
    assert.deepEqual(err.errInfo ?? {}, err.errInfo ?? {});
    assert.match(err.errmsg, /E11000 duplicate key error .* index: u_1 dup key: \{ u: 7 \}/);
    assert.deepEqual(ordered.result.upsertedCount ?? ordered.upsertedCount, 4);
    assert.equal(await c.countDocuments({ _id: /^k/ }), 4);
    // the statements run (0..4) are counted once each, the group that failed included
    const after = (await db.admin().command({ serverStatus: 1 })).opcounters.update;
    assert.equal(Number(after) - Number(before), 5);

    await c.deleteMany({ _id: /^k/ });
    const unordered: AnyDoc = await c.bulkWrite(ops(), { ordered: false }).catch((e) => e);
    const errs = Array.isArray(unordered.writeErrors) ? unordered.writeErrors : [unordered.writeErrors];
    assert.deepEqual(errs.map((e: AnyDoc) => [e.index, e.code]), [[4, 11000]]);
    assert.equal(await c.countDocuments({ _id: /^k/ }), 9);

    // the raw reply: keyPattern / keyValue, upserted with indexes
    await c.deleteMany({ _id: /^k/ });
    const raw = await db.command({
      update: "d",
      updates: ops().map((o) => ({ q: o.updateOne.filter, u: o.updateOne.update, upsert: true })),
      ordered: false,
    });
    assert.equal(raw.n, 9);
    assert.equal(raw.nModified, 0);
    assert.deepEqual(raw.upserted.map((u: AnyDoc) => u.index), [0, 1, 2, 3, 5, 6, 7, 8, 9]);
    assert.deepEqual(raw.writeErrors[0].keyPattern, { u: 1 });
    assert.deepEqual(raw.writeErrors[0].keyValue, { u: 7 });
  },
);

serverTest("a validator refusing a statement inside a group: 121 at its index", async (client) => {
  const db = client.db("ug");
  await db.createCollection("v", { validator: { a: { $lt: 100 } } });
  const c = db.collection<AnyDoc>("v");
  const r: AnyDoc = await c.bulkWrite([upsert(1, 1), upsert(2, 2), upsert(3, 500), upsert(4, 4)]).catch((e) =>
    e
  );
  const errs = Array.isArray(r.writeErrors) ? r.writeErrors : [r.writeErrors];
  assert.deepEqual(errs.map((e: AnyDoc) => [e.index, e.code]), [[2, 121]]);
  assert.deepEqual(await c.find().sort({ _id: 1 }).toArray(), [{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
});

serverTest(
  "grouped statements: one oplog entry and one change event each, in statement order",
  async (client) => {
    const db = client.db("ug");
    const c = db.collection<AnyDoc>("cs");
    await c.insertOne({ _id: 0, a: 0 });
    const stream = c.watch();
    await stream.tryNext(); // (the stream is open before the writes)
    await c.bulkWrite([
      upsert("a", 1),
      { updateOne: { filter: { _id: 0 }, update: { $set: { a: 9 } } } },
      { replaceOne: { filter: { _id: "b" }, replacement: { z: 1 }, upsert: true } },
      upsert("a", 2),
    ]);
    const events: AnyDoc[] = [];
    while (events.length < 4) {
      const e = await stream.tryNext();
      if (e) events.push(e);
    }
    await stream.close();
    assert.deepEqual(
      events.map((e) => [e.operationType, e.documentKey._id]),
      [["insert", "a"], ["update", 0], ["insert", "b"], ["update", "a"]],
    );
    assert.deepEqual(events[0].fullDocument, { _id: "a", a: 1 });
    assert.deepEqual(events[3].updateDescription.updatedFields, { a: 2 });
    const oplog = await client.db("local").collection<AnyDoc>("oplog.rs").find({ ns: "ug.cs" }).sort({
      $natural: 1,
    })
      .toArray();
    const tail = oplog.slice(-4);
    assert.deepEqual(tail.map((o) => o.op), ["i", "u", "i", "u"]);
    // each its own timestamp, increasing
    for (let i = 1; i < tail.length; i++) assert.ok(tail[i].ts.greaterThan(tail[i - 1].ts));
  },
);

serverTest(
  "grouped statement shapes inside a multi-document transaction: committed or aborted as one",
  async (client) => {
    const c = client.db("ug").collection<AnyDoc>("t");
    await c.insertOne({ _id: "seed" });
    const session = client.startSession();
    try {
      session.startTransaction();
      const r = await c.bulkWrite([upsert("t1", 1), upsert("t2", 2), upsert("t1", 3)], { session });
      assert.deepEqual([r.upsertedCount, r.modifiedCount], [2, 1]);
      await session.abortTransaction();
      assert.equal(await c.countDocuments(), 1);
      session.startTransaction();
      await c.bulkWrite([upsert("t1", 1), upsert("t2", 2)], { session });
      await session.commitTransaction();
      assert.deepEqual(await c.find({}, { sort: { _id: 1 } }).toArray(), [
        { _id: "seed" },
        { _id: "t1", a: 1 },
        { _id: "t2", a: 2 },
      ]);
    } finally {
      await session.endSession();
    }
  },
);

serverTest(
  "a retryable update of grouped statements: the retry gets the first reply and writes nothing",
  async (client) => {
    const db = client.db("ug");
    await db.collection<AnyDoc>("rw").insertOne({ _id: 0, k: 0 });
    const lsid = { id: new Binary(crypto.getRandomValues(new Uint8Array(16)), 4) };
    const updates = [0, "a", "b", 0, "c"].map((_id) => ({ q: { _id }, u: { $inc: { k: 1 } }, upsert: true }));
    const cmd = { update: "rw", updates, lsid, txnNumber: Long.fromNumber(3) };
    const first = await db.command(cmd);
    const retry = await db.command(cmd);
    assert.deepEqual(
      [first.n, first.nModified, first.upserted],
      [5, 2, [{ index: 1, _id: "a" }, { index: 2, _id: "b" }, { index: 4, _id: "c" }]],
    );
    assert.deepEqual(retry, first);
    assert.deepEqual(await db.collection<AnyDoc>("rw").find().sort({ _id: 1 }).toArray(), [
      { _id: 0, k: 2 },
      { _id: "a", k: 1 },
      { _id: "b", k: 1 },
      { _id: "c", k: 1 },
    ]);
  },
);

serverTest(
  "upserts into a collection that does not exist yet: the first creates it, all are replied",
  async (client) => {
    const c = client.db("ug").collection<AnyDoc>("fresh");
    const r = await c.bulkWrite(Array.from({ length: 100 }, (_, i) => upsert(i, i)));
    assert.equal(r.upsertedCount, 100);
    assert.equal(r.upsertedIds[99], 99);
    assert.equal(await c.countDocuments(), 100);
    assert.deepEqual(await c.findOne({ _id: 42 }), { _id: 42, a: 42 });
  },
);
