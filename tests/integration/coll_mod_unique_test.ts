/**
 * collMod's unique conversion through the driver, as mongod 6.0+: `prepareUnique` first (new
 * duplicates refused with 11000, old ones kept), then `unique: true` (359 with the violating `_id`s
 * while duplicates remain; `dryRun` checks without converting), listIndexes reporting each state;
 * `forceNonUnique` turns it back. The index keeps answering queries after each rebuild.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

const fails = (code: number, message?: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof MongoServerError, String(e));
  assert.equal(e.code, code, e.message);
  if (typeof message === "string") assert.equal(e.message, message);
  else if (message) assert.match(e.message, message);
  return true;
};

serverTest("collMod prepareUnique → unique conversion, dryRun, forceNonUnique", async (client) => {
  const db = client.db("cm");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 1 }, { _id: 3, x: 2 }, { _id: 4, x: [5, 6] }]);
  await c.createIndex({ x: 1 });
  const spec = async () => (await c.listIndexes().toArray()).find((i) => i.name === "x_1");

  // unique needs prepareUnique first
  await assert.rejects(
    db.command({ collMod: "c", index: { keyPattern: { x: 1 }, unique: true } }),
    fails(72, "Cannot make index unique with 'prepareUnique=false'. Run collMod to set it first."),
  );
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1", prepareUnique: true }, validationLevel: "off" }),
    fails(72, "prepareUnique cannot be combined with any other modification."),
  );
  const prep = await db.command({ collMod: "c", index: { keyPattern: { x: 1 }, prepareUnique: true } });
  assert.deepEqual([prep.prepareUnique_old, prep.prepareUnique_new], [false, true]);
  assert.equal((await spec())!.prepareUnique, true);
  // the same value again is a no-op (no reply fields)
  const again = await db.command({ collMod: "c", index: { name: "x_1", prepareUnique: true } });
  assert.equal(again.prepareUnique_new, undefined);

  // new duplicates are refused; a document keeping its own key is fine; old duplicates stay
  await assert.rejects(c.insertOne({ _id: 9, x: 2 }), fails(11000));
  await assert.rejects(c.updateOne({ _id: 3 }, { $set: { x: 5 } }), fails(11000));
  await c.updateOne({ _id: 3 }, { $set: { y: 1 } });
  await c.insertOne({ _id: 10, x: 7 });

  // conversion and dry run report the documents sharing a key
  const violation = (e: unknown) => {
    fails(359, /^Cannot convert the index to unique/)(e);
    assert.deepEqual((e as AnyDoc).errorResponse.violations, [{ ids: [1, 2] }]);
    return true;
  };
  await assert.rejects(
    db.command({ collMod: "c", index: { keyPattern: { x: 1 }, unique: true } }),
    violation,
  );
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1", unique: true }, dryRun: true }),
    violation,
  );
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1", hidden: true }, dryRun: true }),
    fails(72, "dry run mode requires an index modification with unique: true."),
  );
  assert.equal((await spec())!.unique, undefined);

  await c.deleteOne({ _id: 2 });
  assert.equal(
    (await db.command({ collMod: "c", index: { name: "x_1", unique: true }, dryRun: true })).ok,
    1,
  );
  assert.equal((await spec())!.unique, undefined, "dryRun changes nothing");
  const conv = await db.command({ collMod: "c", index: { name: "x_1", unique: true } });
  assert.equal(conv.unique_new, true);
  const after = (await spec())!;
  assert.equal(after.unique, true);
  assert.equal(after.prepareUnique, undefined, "prepareUnique is reset once unique");
  await assert.rejects(c.insertOne({ _id: 11, x: 6 }), fails(11000, /dup key/));
  assert.deepEqual(await c.find({ x: { $gte: 5 } }).hint("x_1").project({ _id: 1 }).toArray(), [
    { _id: 4 },
    { _id: 10 },
  ]);
  // unique again: no-op
  const noop = await db.command({ collMod: "c", index: { name: "x_1", unique: true } });
  assert.equal(noop.unique_new, undefined);

  // back to non-unique
  const back = await db.command({ collMod: "c", index: { name: "x_1", forceNonUnique: true } });
  assert.equal(back.forceNonUnique_new, true);
  assert.equal((await spec())!.unique, undefined);
  await c.insertOne({ _id: 12, x: 6 });
  assert.equal(await c.countDocuments({ x: 6 }), 2);

  // other refusals, mongod's words
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1", unique: false } }),
    fails(2, "Cannot make index non-unique"),
  );
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1", keyPattern: { x: 1 }, hidden: true } }),
    fails(72, "Cannot specify both key pattern and name."),
  );
  await assert.rejects(
    db.command({ collMod: "c", index: { name: "x_1" } }),
    fails(72, "no expireAfterSeconds, hidden, unique, or prepareUnique field"),
  );

  // createIndex may ask for prepareUnique directly (existing duplicates are allowed)
  await c.insertOne({ _id: 13, z: 1 });
  await c.insertOne({ _id: 14, z: 1 });
  await db.command({ createIndexes: "c", indexes: [{ key: { z: 1 }, name: "z_1", prepareUnique: true }] });
  await assert.rejects(c.insertOne({ _id: 15, z: 1 }), fails(11000));

  // a single-field index becomes a TTL index
  const ttl = await db.command({ collMod: "c", index: { name: "z_1", expireAfterSeconds: 3600 } });
  assert.deepEqual([ttl.expireAfterSeconds_old, ttl.expireAfterSeconds_new], [undefined, 3600]);
});
