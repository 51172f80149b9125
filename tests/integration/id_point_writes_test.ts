/**
 * Writes by an `_id` point (IDHACK: update, delete, findAndModify with `{_id: v}`) through npm:mongodb:
 * the record the `_id` index finds is the one the filter matches, for every kind of point value — numbers
 * of other types with the same value, NaN, strings under the collection's default collation, ObjectId,
 * dates, binary — and nothing else (write/targets.ts no longer decodes and matches it again).
 */
import assert from "node:assert/strict";
import { Binary, Decimal128, Double, Long, ObjectId } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any; // documents of every shape; the driver's Filter typing would refuse numeric _ids

serverTest("writes by an _id point find the document the filter matches", async (client) => {
  const coll = client.db("idp").collection<AnyDoc>("c");
  const oid = new ObjectId("65a1b2c3d4e5f60718293a4b");
  await coll.insertMany([
    { _id: 1, n: 0 },
    { _id: new Double(2.5), n: 0 },
    { _id: Long.fromNumber(3), n: 0 },
    { _id: NaN, n: 0 },
    { _id: "abc", n: 0 },
    { _id: oid, n: 0 },
    { _id: new Date(5), n: 0 },
    { _id: new Binary(new Uint8Array([1, 2]), 0), n: 0 },
  ]);
  const inc = async (id: unknown) => (await coll.updateOne({ _id: id }, { $inc: { n: 1 } })).matchedCount;
  assert.equal(await inc(1), 1);
  assert.equal(await inc(new Double(1)), 1);
  assert.equal(await inc(Long.fromNumber(1)), 1);
  assert.equal(await inc(Decimal128.fromString("1.0")), 1);
  assert.equal(await inc(2.5), 1);
  assert.equal(await inc(Decimal128.fromString("2.50")), 1);
  assert.equal(await inc(3), 1);
  assert.equal(await inc(NaN), 1);
  assert.equal(await inc("abc"), 1);
  assert.equal(await inc("ABC"), 0);
  assert.equal(await inc(oid), 1);
  assert.equal(await inc(new Date(5)), 1);
  assert.equal(await inc(new Date(6)), 0);
  assert.equal(await inc(new Binary(new Uint8Array([1, 2]), 0)), 1);
  assert.equal(await inc(new Binary(new Uint8Array([1, 2]), 5)), 0);
  assert.equal(await inc(4), 0);
  assert.equal((await coll.updateOne({ _id: { $eq: 3 } }, { $inc: { n: 1 } })).matchedCount, 1);
  assert.deepEqual((await coll.findOne({ _id: 1 }))?.n, 4);
  assert.deepEqual((await coll.findOne({ _id: 3 }))?.n, 2);

  const fam = await coll.findOneAndUpdate({ _id: Long.fromNumber(1) }, { $set: { f: 1 } }, {
    returnDocument: "after",
  });
  assert.equal(fam?.f, 1);
  assert.equal((await coll.deleteOne({ _id: new Double(3) })).deletedCount, 1);
  assert.equal((await coll.deleteOne({ _id: 3 })).deletedCount, 0);
  assert.equal((await coll.deleteOne({ _id: "ABC" })).deletedCount, 0);
  assert.equal(await coll.countDocuments(), 7);
});

serverTest("writes by a string _id point under the collection's default collation", async (client) => {
  const db = client.db("idp");
  await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
  const coll = db.collection<AnyDoc>("ci");
  await coll.insertOne({ _id: "Abc", n: 0 });
  assert.equal((await coll.updateOne({ _id: "aBC" }, { $inc: { n: 1 } })).matchedCount, 1);
  assert.equal((await coll.updateOne({ _id: "abd" }, { $inc: { n: 1 } })).matchedCount, 0);
  // the simple collation: not the _id index's, so no IDHACK; the filter decides
  assert.equal(
    (await coll.updateOne({ _id: "aBC" }, { $inc: { n: 1 } }, { collation: { locale: "simple" } }))
      .matchedCount,
    0,
  );
  assert.equal((await coll.findOne({ _id: "abc" }))?.n, 1);
  assert.equal((await coll.deleteOne({ _id: "ABC" })).deletedCount, 1);
});
