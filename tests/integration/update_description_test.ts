/**
 * Update events' `updateDescription` through npm:mongodb, as mongod 8.0 reports them: built from the
 * paths the update operators modified (not a before/after value diff), the appended elements of a
 * `$push`, and mongod's value diff for pipeline updates (a replace event when the diff would not be
 * smaller than the document). Each case is also checked against `local.oplog.rs`.
 */
import assert from "node:assert/strict";
import type { Document, MongoClient } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

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

interface Case {
  readonly name: string;
  readonly doc: Document;
  readonly update: Document | Document[];
  readonly arrayFilters?: Document[];
  readonly expect: Document;
}

const pad = "p".repeat(300);

const CASES: Case[] = [
  {
    name: "$set of a sub-document is the new value",
    doc: { a: { x: 1, y: 2 } },
    update: { $set: { a: { x: 1 } } },
    expect: { updatedFields: { a: { x: 1 } }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$set of a shorter whole array",
    doc: { arr: [1, 2, 3] },
    update: { $set: { arr: [1] } },
    expect: { updatedFields: { arr: [1] }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$set of an equal value is not reported",
    doc: { a: 1, b: 1 },
    update: { $set: { a: 1, b: 2 } },
    expect: { updatedFields: { b: 2 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$inc of an array element; $unset",
    doc: { arr: [1, 2], gone: true },
    update: { $inc: { "arr.1": 5 }, $unset: { gone: "" } },
    expect: { updatedFields: { "arr.1": 7 }, removedFields: ["gone"], truncatedArrays: [] },
  },
  {
    name: "$push onto a non-empty array: the appended elements",
    doc: { arr: [1] },
    update: { $push: { arr: { $each: [2, 3] } } },
    expect: { updatedFields: { "arr.1": 2, "arr.2": 3 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$push onto an empty array: the whole array",
    doc: { arr: [] },
    update: { $push: { arr: 1 } },
    expect: { updatedFields: { arr: [1] }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$pull and $addToSet: whole arrays",
    doc: { p: [1, 2, 3], s: [1] },
    update: { $pull: { p: 2 }, $addToSet: { s: 2 } },
    expect: { updatedFields: { p: [1, 3], s: [1, 2] }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "$rename",
    doc: { a: { x: 1 } },
    update: { $rename: { "a.x": "b" } },
    expect: { updatedFields: { b: 1 }, removedFields: ["a.x"], truncatedArrays: [] },
  },
  {
    name: "created nested path",
    doc: { a: {} },
    update: { $set: { "a.b.c": 1 } },
    expect: { updatedFields: { "a.b": { c: 1 } }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "arrayFilters",
    doc: { items: [{ q: 1 }, { q: 5 }, { q: 9 }] },
    update: { $set: { "items.$[big].q": 0 } },
    arrayFilters: [{ "big.q": { $gte: 5 } }],
    expect: { updatedFields: { "items.1.q": 0, "items.2.q": 0 }, removedFields: [], truncatedArrays: [] },
  },
  {
    name: "pipeline update: value diff with a truncated array",
    doc: { pad, arr: [pad, 2, 3] },
    update: [{ $set: { arr: { $slice: ["$arr", 1] } } }],
    expect: { updatedFields: {}, removedFields: [], truncatedArrays: [{ field: "arr", newSize: 1 }] },
  },
];

async function oplogO(client: MongoClient, ns: string): Promise<Document> {
  const e = await client.db("local").collection("oplog.rs").find({ ns }).sort({ $natural: -1 }).limit(1)
    .next();
  return e!["o"];
}

serverTest("updateDescription as mongod 8.0 reports it, case by case", async (client) => {
  const coll = client.db("ud").collection<{ _id: number; [k: string]: unknown }>("c");
  await coll.insertMany(CASES.map((c, i) => ({ _id: i + 1, ...c.doc })));
  const stream = coll.watch([{ $match: { operationType: { $ne: "insert" } } }]);
  await stream.tryNext();
  for (const [i, c] of CASES.entries()) {
    await coll.updateOne({ _id: i + 1 }, c.update, c.arrayFilters ? { arrayFilters: c.arrayFilters } : {});
  }
  for (const c of CASES) {
    const ev = await nextOf(stream);
    assert.equal(ev["operationType"], "update", c.name);
    assert.deepEqual(ev["updateDescription"], c.expect, c.name);
  }
  await stream.close();
  assert.deepEqual(await oplogO(client, "ud.c"), { $v: 2, diff: { sarr: { a: true, l: 1 } } });
});

serverTest(
  "pipeline update of a small document is a replace event; no-op updates log nothing",
  async (client) => {
    const coll = client.db("ud").collection<{ _id: number; a: number }>("small");
    await coll.insertOne({ _id: 1, a: 1 });
    const stream = coll.watch();
    await stream.tryNext();
    await coll.updateOne({ _id: 1 }, { $set: { a: 1 } }); // no change: no event
    await coll.updateOne({ _id: 1 }, [{ $set: { a: 2 } }]);
    const ev = await nextOf(stream);
    assert.equal(ev["operationType"], "replace");
    assert.deepEqual(ev["fullDocument"], { _id: 1, a: 2 });
    assert.deepEqual(await oplogO(client, "ud.small"), { _id: 1, a: 2 });
    await stream.close();
  },
);
