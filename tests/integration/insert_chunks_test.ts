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
