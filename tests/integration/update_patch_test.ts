/**
 * Operator updates that patch the stored bytes (engine/update/byte_patch.ts) as a client sees them
 * through npm:mongodb: secondary and unique index entries follow the changed fields, the validator
 * runs on the document after, findAndModify returns it, a no-op writes nothing, change events carry
 * pre- and post-images, the stored-document limits (size, nesting) refuse as before, and a
 * transaction's patched update rolls back.
 */
import assert from "node:assert/strict";
import type { Document } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { serverError as refused } from "./helpers/error_code.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any; // documents of every shape; the driver's Filter typing would refuse numeric _ids

const TIMEOUT_MS = 10_000;

async function nextOf(stream: { next(): Promise<unknown> }): Promise<Document> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no change event within 10 s")), TIMEOUT_MS);
  });
  try {
    return await Promise.race([stream.next(), timeout]) as Document;
  } finally {
    clearTimeout(timer);
  }
}

serverTest("patched updates keep secondary and unique index entries right", async (client) => {
  const coll = client.db("up").collection<AnyDoc>("ix");
  await coll.createIndex({ b: 1 });
  await coll.createIndex({ u: 1 }, { unique: true });
  await coll.createIndex({ "s.x": 1, b: -1 });
  await coll.insertMany([
    { _id: 1, b: 1, u: 10, s: { x: 1 }, pad: "x".repeat(200) },
    { _id: 2, b: 2, u: 20, s: { x: 2 } },
  ]);
  let r = await coll.updateOne({ _id: 1 }, { $inc: { b: 5 }, $set: { "s.x": 9 } });
  assert.deepEqual([r.matchedCount, r.modifiedCount], [1, 1]);
  assert.deepEqual(await coll.find({ b: 6 }).hint({ b: 1 }).toArray(), [
    { _id: 1, b: 6, u: 10, s: { x: 9 }, pad: "x".repeat(200) },
  ]);
  assert.deepEqual(await coll.find({ b: 1 }).hint({ b: 1 }).toArray(), []);
  assert.deepEqual(await coll.find({ "s.x": 9 }).hint({ "s.x": 1, b: -1 }).project({ _id: 1 }).toArray(), [
    { _id: 1 },
  ]);
  const dup = await refused(coll.updateOne({ _id: 2 }, { $set: { u: 10 } }));
  assert.equal(dup.code, 11000);
  assert.match(dup.message, /u_1 dup key: \{ u: 10 \}/);
  assert.deepEqual(await coll.findOne({ _id: 2 }), { _id: 2, b: 2, u: 20, s: { x: 2 } });
  // an unindexed field changes; every index still finds the document
  r = await coll.updateOne({ _id: 2 }, { $set: { other: "y" }, $unset: { s: "" } });
  assert.deepEqual([r.matchedCount, r.modifiedCount], [1, 1]);
  assert.deepEqual(await coll.find({ u: 20 }).hint({ u: 1 }).toArray(), [{
    _id: 2,
    b: 2,
    u: 20,
    other: "y",
  }]);
  assert.deepEqual(
    await coll.find({ "s.x": null, b: 2 }).hint({ "s.x": 1, b: -1 }).project({ _id: 1 }).toArray(),
    [
      { _id: 2 },
    ],
  );
  assert.equal((await client.db("up").command({ validate: "ix" }))["valid"], true);
});

serverTest(
  "patched updates: partial and wildcard indexes follow the fields their entries read",
  async (client) => {
    const coll = client.db("up").collection<AnyDoc>("pw");
    await coll.createIndex({ b: 1 }, { partialFilterExpression: { live: true } });
    await coll.createIndex({ "w.$**": 1 });
    await coll.insertMany([{ _id: 1, b: 5, live: true, w: { k: 1 } }, {
      _id: 2,
      b: 5,
      live: false,
      w: { k: 2 },
    }]);
    const partial = () => coll.find({ b: 5, live: true }).hint({ b: 1 }).project({ _id: 1 }).toArray();
    assert.deepEqual(await partial(), [{ _id: 1 }]);
    await coll.updateOne({ _id: 1 }, { $set: { live: false } }); // leaves the partial index
    await coll.updateOne({ _id: 2 }, { $set: { live: true } }); // enters it
    assert.deepEqual(await partial(), [{ _id: 2 }]);
    await coll.updateOne({ _id: 2 }, { $inc: { "w.k": 10 } });
    assert.deepEqual(await coll.find({ "w.k": 12 }).hint({ "w.$**": 1 }).project({ _id: 1 }).toArray(), [{
      _id: 2,
    }]);
    assert.deepEqual(await coll.find({ "w.k": 2 }).hint({ "w.$**": 1 }).toArray(), []);
    assert.equal((await client.db("up").command({ validate: "pw" }))["valid"], true);
  },
);

serverTest("patched updates: validator, findAndModify, no-op, $inc overflow", async (client) => {
  const db = client.db("up");
  await db.createCollection("v", { validator: { n: { $type: "int" } } });
  const v = db.collection<AnyDoc>("v");
  await v.insertOne({ _id: 1, n: 1, keep: "k" });
  const bad = await refused(v.updateOne({ _id: 1 }, { $set: { n: "s" } }));
  assert.equal(bad.code, 121);
  assert.deepEqual(await v.findOne({ _id: 1 }), { _id: 1, n: 1, keep: "k" });
  assert.equal((await v.updateOne({ _id: 1 }, { $inc: { n: 2 } })).modifiedCount, 1);

  const c = db.collection<AnyDoc>("c");
  await c.insertOne({ _id: 1, a: 2147483647, z: 1.5, name: "x" });
  const after = await c.findOneAndUpdate({ _id: 1 }, { $inc: { a: 1 } }, { returnDocument: "after" });
  assert.deepEqual(after, { _id: 1, a: 2147483648, z: 1.5, name: "x" });
  const typed = await c.aggregate([{ $project: { t: { $type: "$a" } } }]).toArray();
  assert.deepEqual(typed, [{ _id: 1, t: "long" }]);
  const before = await c.findOneAndUpdate({ _id: 1 }, { $set: { name: "y" } }, { returnDocument: "before" });
  assert.deepEqual(before?.["name"], "x");
  const same = await c.updateOne({ _id: 1 }, { $set: { name: "y", z: 1.5 } });
  assert.deepEqual([same.matchedCount, same.modifiedCount], [1, 0]);
  const noop = await c.findOneAndUpdate({ _id: 1 }, { $set: { name: "y" } }, { returnDocument: "after" });
  assert.deepEqual(noop, { _id: 1, a: 2147483648, z: 1.5, name: "y" });
  // a new field goes last; an _id change is refused
  await c.updateOne({ _id: 1 }, { $set: { added: true }, $unset: { z: "" } });
  assert.deepEqual(Object.keys((await c.findOne({ _id: 1 }))!), ["_id", "a", "name", "added"]);
  assert.equal((await refused(c.updateOne({ _id: 1 }, { $set: { _id: 2 } }))).code, 66);
});

serverTest("patched updates: the stored-document limits refuse as before", async (client) => {
  const c = client.db("up").collection<AnyDoc>("lim");
  await c.insertOne({ _id: 1, a: "x".repeat(9 * 1024 * 1024) });
  const big = await refused(c.updateOne({ _id: 1 }, { $set: { b: "y".repeat(8 * 1024 * 1024) } }));
  assert.equal(big.code, 10334);
  let deep: Document = { leaf: 1 };
  for (let i = 0; i < 185; i++) deep = { d: deep };
  const tooDeep = await refused(c.updateOne({ _id: 1 }, { $set: { deep } }));
  assert.equal(tooDeep.code, 15);
  assert.deepEqual(Object.keys((await c.findOne({ _id: 1 }))!), ["_id", "a"]);
});

serverTest(
  "patched updates: change events with pre- and post-images; a transaction rolls back",
  async (client) => {
    const db = client.db("up");
    await db.createCollection("cs", { changeStreamPreAndPostImages: { enabled: true } });
    const c = db.collection<AnyDoc>("cs");
    await c.insertOne({ _id: 1, n: 1, s: "a" });
    const stream = c.watch([], { fullDocument: "required", fullDocumentBeforeChange: "required" });
    await stream.tryNext();
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 }, $set: { s: "b" } });
    const ev = await nextOf(stream);
    assert.equal(ev["operationType"], "update");
    assert.deepEqual(ev["updateDescription"], {
      updatedFields: { n: 2, s: "b" },
      removedFields: [],
      truncatedArrays: [],
    });
    assert.deepEqual(ev["fullDocument"], { _id: 1, n: 2, s: "b" });
    assert.deepEqual(ev["fullDocumentBeforeChange"], { _id: 1, n: 1, s: "a" });
    await stream.close();

    const session = client.startSession();
    try {
      session.startTransaction();
      await c.updateOne({ _id: 1 }, { $inc: { n: 10 } }, { session });
      assert.deepEqual(await c.findOne({ _id: 1 }, { session }), { _id: 1, n: 12, s: "b" });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, n: 2, s: "b" });
  },
);
