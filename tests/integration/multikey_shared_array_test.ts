/**
 * A compound index whose fields run through the same array (`{"a.b": 1, "a.c": 1}` over an array of
 * documents) is built as mongod builds it — one key per element, not "parallel arrays" — and a query on both
 * fields still finds documents whose matching values sit in different elements (the bounds of the second
 * field are not compounded on a multikey index). Fields reaching different arrays are still refused (171).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "compound index over one array of documents: keys per element, queries over elements",
  async (client) => {
    const c = client.db("mk").collection<AnyDoc>("c");
    await c.createIndex({ "a.b": 1, "a.c": 1 });
    await c.insertMany([
      { _id: 1, a: [{ b: "b", c: "c" }, { b: "b", c: "c" }] },
      { _id: 2, a: [{ b: "b", c: "x" }, { b: "y", c: "c" }] },
      { _id: 3, a: [{ b: "b" }, 5] },
    ]);
    const ids = async (f: AnyDoc) => (await c.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(await ids({ "a.b": "b", "a.c": "c" }), [1, 2]);
    assert.equal(await c.countDocuments({ "a.b": "b", "a.c": "c" }), 2);
    assert.equal((await client.db("mk").command({ count: "c", query: { "a.b": "b", "a.c": "c" } })).n, 2);
    assert.deepEqual(await ids({ a: { $elemMatch: { b: "b", c: "c" } } }), [1]);
    assert.deepEqual(await ids({ "a.b": "b" }), [1, 2, 3]);
    const plan: AnyDoc = await c.find({ "a.b": "b", "a.c": "c" }).explain("queryPlanner");
    assert.equal(plan.queryPlanner.winningPlan.inputStage.stage, "IXSCAN");
    assert.deepEqual(plan.queryPlanner.winningPlan.inputStage.indexBounds["a.c"], ["[MinKey, MaxKey]"]);
    // different arrays inside one element: 171, and nothing is written
    const e: AnyDoc = await c.insertOne({ _id: 4, a: [{ b: [1, 2], c: [3] }] }).then(
      () => assert.fail(),
      (x) => x,
    );
    assert.equal(e.code, 171);
    assert.match(e.message, /cannot index parallel arrays \[c\] \[b\]/);
    assert.equal(await c.countDocuments({ _id: 4 }), 0);
    // a sparse index keeps the keys of the elements that have the field
    const s = client.db("mk").collection<AnyDoc>("s");
    await s.createIndex({ "a.b": 1 }, { sparse: true });
    await s.insertMany([{ _id: 1, a: [{ b: 1 }, { c: 1 }] }, { _id: 2, a: [{ c: 2 }] }]);
    assert.deepEqual((await s.find({ "a.b": 1 }).hint({ "a.b": 1 }).toArray()).map((d) => d._id), [1]);
    const v: AnyDoc = await client.db("mk").command({ validate: "s", full: true });
    assert.equal(v.valid, true);
    assert.equal(v.keysPerIndex["a.b_1"], 1);
    // an element without the field indexes null, so a null query through the index finds it
    // (dotted_path_in_null.js)
    const n = client.db("mk").collection<AnyDoc>("n");
    await n.insertMany([
      { _id: 1, a: [{ b: 5 }] },
      { _id: 2, a: [{}] },
      { _id: 3, a: [] },
      { _id: 4, a: [{}, { b: 5 }] },
      { _id: 5, a: [5, { b: 5 }] },
    ]);
    const nullIds = async () =>
      (await n.find({ "a.b": { $in: [null] } }).sort({ _id: 1 }).toArray()).map((d) => d._id);
    assert.deepEqual(await nullIds(), [2, 4]);
    await n.createIndex({ "a.b": 1 });
    assert.deepEqual(await nullIds(), [2, 4]);
  },
);
