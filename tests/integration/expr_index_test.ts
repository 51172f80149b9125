/**
 * `$expr` equality through an index, through the Node driver: `{$expr: {$eq: ["$a", v]}}` (v a constant
 * or a `let` variable) reads the index's bounds for v and still applies the expression to each document
 * (arrays, null and missing fields as a collection scan answers them); `$lookup`'s pipeline form whose
 * first `$match` equates a foreign field with a `let` variable reads each outer document's foreign
 * documents through that index.
 */
import assert from "node:assert/strict";
import { Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const ids = (docs: AnyDoc[]) => docs.map((d) => d._id).sort((x, y) => x - y);

serverTest("$expr equality: index bounds for its value, the expression's own answers", async (client) => {
  const db = client.db("exprix");
  const c = db.collection<AnyDoc>("c");
  await c.insertMany([
    { _id: 1, a: 5 },
    { _id: 2, a: [5, 6] },
    { _id: 3, a: null },
    { _id: 4 },
    { _id: 5, a: "5" },
    { _id: 6, a: new Long(5) },
    { _id: 7, a: 5.0 },
    { _id: 8, a: { x: 5 } },
    ...Array.from({ length: 500 }, (_, i) => ({ _id: 100 + i, a: 1000 + i })),
  ]);
  await c.createIndex({ a: 1 });
  const cases: [AnyDoc, AnyDoc?][] = [
    [{ $expr: { $eq: ["$a", 5] } }],
    [{ $expr: { $eq: [5, "$a"] } }],
    [{ $expr: { $eq: ["$a", null] } }],
    [{ $expr: { $eq: ["$a", "$$k"] } }, { k: 1200 }],
    [{ $expr: { $and: [{ $eq: ["$a", "$$k"] }, { $gt: ["$_id", 0] }] } }, { k: 5 }],
    [{ $expr: { $eq: ["$a", [5, 6]] } }],
  ];
  for (const [filter, vars] of cases) {
    const o = vars ? { let: vars } : {};
    const got = ids(await c.find(filter, o).toArray());
    const want = ids(await c.find(filter, { ...o, hint: { $natural: 1 } }).toArray());
    assert.deepEqual(got, want, JSON.stringify(filter));
  }
  const ex = await c.find({ $expr: { $eq: ["$a", "$$k"] } }, { let: { k: 1200 } }).explain("executionStats");
  assert.equal(ex.queryPlanner.winningPlan.inputStage?.stage, "IXSCAN");
  assert.equal(ex.executionStats.totalDocsExamined, 1);
});

serverTest("$lookup pipeline form: an equality on a let variable reads the foreign index", async (client) => {
  const db = client.db("lookupix");
  const orders = db.collection<AnyDoc>("orders");
  const items = db.collection<AnyDoc>("items");
  await items.insertMany(Array.from({ length: 3000 }, (_, i) => ({ _id: i, o: i % 50, n: i })));
  await items.insertMany([{ _id: -1, o: [7, 8] }, { _id: -2, o: null }, { _id: -3 }]);
  await orders.insertMany([...Array.from({ length: 60 }, (_, i) => ({ _id: i })), { _id: 100, k: null }]);
  const pipeline = [
    {
      $lookup: {
        from: "items",
        let: { id: "$_id", k: "$k" },
        pipeline: [
          { $match: { $expr: { $and: [{ $eq: ["$o", "$$id"] }, { $lt: ["$n", 2000] }] } } },
          { $sort: { n: -1 } },
          { $limit: 3 },
          { $project: { _id: 1 } },
        ],
        as: "top",
      },
    },
    { $sort: { _id: 1 } },
  ];
  const before = await orders.aggregate(pipeline).toArray();
  await items.createIndex({ o: 1 });
  await db.command({ profile: 2 });
  const after = await orders.aggregate(pipeline).toArray();
  await db.command({ profile: 0 });
  assert.deepEqual(after, before);
  assert.deepEqual(after.find((d) => d._id === 7)?.top.map((t: AnyDoc) => t._id), [1957, 1907, 1857]);
  assert.deepEqual(after.find((d) => d._id === 100)?.top, []);
  // the foreign index was read once per outer document (61), not the collection
  const usage = await items.aggregate([{ $indexStats: {} }, { $match: { name: "o_1" } }]).toArray();
  assert.ok(Number(usage[0]?.accesses.ops) >= 61, JSON.stringify(usage));
});
