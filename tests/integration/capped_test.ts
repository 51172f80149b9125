/**
 * Capped collections through npm:mongodb: create options and their errors, FIFO eviction by count
 * and by size in insertion order, collStats/listCollections reporting, and tailable + awaitData
 * cursors that follow new inserts and fail with CappedPositionLost when eviction passes them.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import type { ClientSession } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

type D = { _id: number; pad?: string };

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
