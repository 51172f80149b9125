/**
 * An insert's batch goes into storage transactions of at most 64 documents / 256 KB each (as mongod's
 * write units; src/commands/crud/insert.ts `CHUNK_DOCS`): through npm:mongodb, a batch of several
 * chunks stores every document once, logs one oplog entry per document in order, and a failure in a
 * later chunk keeps the chunks before it and reports the failure at its own index — ordered (stops
 * there) and unordered (the rest is stored) — as a single-transaction batch did. A retried retryable
 * insertMany is not applied twice.
 */
import assert from "node:assert/strict";
import { MongoBulkWriteError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** [index, code] of each write error of a failed insertMany. */
const errorsOf = (err: MongoBulkWriteError) =>
  ([] as { index: number; code: number }[]).concat(err.writeErrors as never).map((e) => [e.index, e.code]);

const docs = (from: number, to: number, pad = 100) =>
  Array.from({ length: to - from }, (_, i) => ({ _id: from + i, k: `k${from + i}`, pad: "x".repeat(pad) }));

serverTest("a batch of several chunks: every document, one oplog entry each, in order", async (client) => {
  const coll = client.db("chunks").collection<AnyDoc>("a");
  await coll.createIndex({ k: 1 }, { unique: true });
  // 300 small documents (5 chunks of 64 documents) and 40 of ~20 KB (chunks cut at 256 KB)
  const r = await coll.insertMany([...docs(0, 300), ...docs(300, 340, 20_000)]);
  assert.equal(r.insertedCount, 340);
  assert.equal(await coll.countDocuments(), 340);
  assert.equal(await coll.countDocuments({ k: { $gte: "" } }), 340); // every index entry
  const entries = await client.db("local").collection("oplog.rs")
    .find({ ns: "chunks.a", op: "i" }).sort({ $natural: 1 }).toArray();
  assert.deepEqual(entries.map((e) => e["o"]["_id"]), Array.from({ length: 340 }, (_, i) => i));
  for (let i = 1; i < entries.length; i++) assert.ok(entries[i]!["ts"].gt(entries[i - 1]!["ts"]));
});

serverTest(
  "ordered: a duplicate in a later chunk keeps the chunks before it and stops there",
  async (client) => {
    const coll = client.db("chunks").collection<AnyDoc>("b");
    await coll.insertOne({ _id: 200 });
    const err = await coll.insertMany(docs(0, 300)).catch((e) => e);
    assert.ok(err instanceof MongoBulkWriteError);
    assert.equal(err.result.insertedCount, 200);
    assert.deepEqual(errorsOf(err), [[200, 11000]]);
    assert.equal(await coll.countDocuments(), 201);
    assert.equal(await coll.countDocuments({ _id: { $gt: 200 } }), 0);
  },
);

serverTest(
  "unordered: duplicates in two chunks are reported at their indexes, the rest stored",
  async (client) => {
    const coll = client.db("chunks").collection<AnyDoc>("c");
    await coll.insertMany([{ _id: 10 }, { _id: 150 }]);
    const err = await coll.insertMany(docs(0, 300), { ordered: false }).catch((e) => e);
    assert.ok(err instanceof MongoBulkWriteError);
    assert.equal(err.result.insertedCount, 298);
    assert.deepEqual(errorsOf(err), [[10, 11000], [150, 11000]]);
    assert.equal(await coll.countDocuments(), 300);
  },
);

serverTest("a retryable insertMany of several chunks sent twice is applied once", async (client) => {
  const db = client.db("chunks");
  const session = client.startSession();
  try {
    const body = { insert: "d", documents: docs(0, 200), lsid: session.id, txnNumber: 7 };
    const first = await db.command(body);
    const again = await db.command(body);
    assert.equal(first["n"], 200);
    assert.deepEqual(again, first);
    assert.equal(await db.collection("d").countDocuments(), 200);
  } finally {
    await session.endSession();
  }
});

serverTest(
  "a chunk of one document refused by a unique index: its index, the key, and the rest as ordered says",
  async (client) => {
    const db = client.db("chunks");
    const coll = db.collection<AnyDoc>("e");
    await coll.createIndex({ k: 1 }, { unique: true });
    await coll.insertMany([{ _id: -1, k: "k1" }, { _id: -2, k: "k3" }]);
    // one document: the whole batch is that chunk
    const one = await db.command({ insert: "e", documents: [{ _id: 0, k: "k1" }] });
    assert.equal(one["n"], 0);
    assert.equal(one["writeErrors"].length, 1);
    assert.equal(one["writeErrors"][0].index, 0);
    assert.equal(one["writeErrors"][0].code, 11000);
    assert.deepEqual(one["writeErrors"][0].keyValue, { k: "k1" });
    // ~300 KB documents: a chunk each (past 256 KB); the second and fourth are refused
    const big = (i: number, k: string) => ({ _id: 100 + i, k, pad: "x".repeat(300_000) });
    const batch = [big(0, "a"), big(1, "k1"), big(2, "b"), big(3, "k3"), big(4, "c")];
    const unordered = await db.command({ insert: "e", documents: batch, ordered: false });
    assert.equal(unordered["n"], 3);
    assert.deepEqual(unordered["writeErrors"].map((e: AnyDoc) => [e.index, e.code]), [[1, 11000], [
      3,
      11000,
    ]]);
    await coll.deleteMany({ _id: { $gte: 100 } });
    const ordered = await db.command({ insert: "e", documents: batch });
    assert.equal(ordered["n"], 1);
    assert.deepEqual(ordered["writeErrors"].map((e: AnyDoc) => [e.index, e.code]), [[1, 11000]]);
    assert.deepEqual((await coll.find({ _id: { $gte: 100 } }).toArray()).map((d) => d["_id"]), [100]);
  },
);
