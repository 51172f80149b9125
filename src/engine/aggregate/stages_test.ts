import assert from "node:assert/strict";
import { compilePipeline } from "./mod.ts";
import { BSON } from "bson";
import { isStoredDoc, storedItem } from "./stored_doc.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const orders: Doc[] = [
  { _id: 1, item: "a", qty: 2, tags: ["x"] },
  { _id: 2, item: "b", qty: 1 },
  { _id: 3, qty: 5 },
];
const items: Doc[] = [
  { _id: "a", sku: "a", price: 10 },
  { _id: "b", sku: ["b", "bb"], price: 3 },
  { _id: "n", price: 0 },
];
const colls: Record<string, Doc[]> = { items, orders };
const opts = { resolveCollection: (c: string) => colls[c] ?? [] };
const run = (stages: unknown[], docs: Doc[], o: Record<string, unknown> = opts) => [
  ...compilePipeline(stages, o).run(docs),
];

Deno.test("$lookup equality form (arrays and null match like a query)", () => {
  const out = run([{ $lookup: { from: "items", localField: "item", foreignField: "sku", as: "m" } }], orders);
  assert.deepEqual(out.map((d) => (d["m"] as Doc[]).map((x) => x["_id"])), [["a"], ["b"], ["n"]]);
  const nested = run([{ $lookup: { from: "items", localField: "ids", foreignField: "_id", as: "x.y" } }], [{
    ids: ["b", "a"],
  }]);
  assert.deepEqual((nested[0]?.["x"] as Doc)["y"], [items[0], items[1]]);
});

Deno.test("$lookup pipeline form with let and combined form", () => {
  const out = run([{
    $lookup: {
      from: "items",
      let: { q: "$qty" },
      pipeline: [{ $match: { $expr: { $gt: ["$price", "$$q"] } } }, { $project: { _id: 1 } }],
      as: "dear",
    },
  }], orders);
  assert.deepEqual(out.map((d) => d["dear"]), [[{ _id: "a" }, { _id: "b" }], [{ _id: "a" }, { _id: "b" }], [{
    _id: "a",
  }]]);
  const both = run([{
    $lookup: {
      from: "items",
      localField: "item",
      foreignField: "sku",
      let: { q: "$qty" },
      pipeline: [{ $set: { total: { $multiply: ["$price", "$$q"] } } }, { $project: { total: 1, _id: 0 } }],
      as: "t",
    },
  }], orders.slice(0, 2));
  assert.deepEqual(both.map((d) => d["t"]), [[{ total: 20 }], [{ total: 3 }]]);
  assertCommandError(
    () => compilePipeline([{ $lookup: { from: "items", localField: "a", as: "x" } }], opts),
    "FailedToParse",
  );
  assertCommandError(
    () => compilePipeline([{ $lookup: { from: "items", localField: "a", foreignField: "b", as: "x" } }]),
    "NotImplemented",
  );
});

Deno.test("$unionWith and $documents", () => {
  assert.deepEqual(run([{ $unionWith: "items" }, { $count: "n" }], orders), [{ n: 6 }]);
  assert.deepEqual(
    run([{ $unionWith: { coll: "items", pipeline: [{ $match: { price: { $gt: 5 } } }] } }, {
      $project: { _id: 1 },
    }], []),
    [{ _id: "a" }],
  );
  assert.deepEqual(run([{ $documents: [{ a: 1 }, { a: 2 }] }, { $match: { a: 2 } }], [{ ignored: true }]), [{
    a: 2,
  }]);
  assertCommandError(() => compilePipeline([{ $match: {} }, { $documents: [] }]), 40602);
});

Deno.test("$facet, $bucket, $bucketAuto", () => {
  const f = run([{
    $facet: { n: [{ $count: "n" }], big: [{ $match: { qty: { $gte: 2 } } }, { $project: { _id: 1 } }] },
  }], orders);
  assert.deepEqual(f, [{ n: [{ n: 3 }], big: [{ _id: 1 }, { _id: 3 }] }]);
  assertCommandError(() => compilePipeline([{ $facet: { a: [{ $facet: {} }] } }]), 40600);
  const b = run([{
    $bucket: { groupBy: "$qty", boundaries: [0, 2, 4], default: "other", output: { ids: { $push: "$_id" } } },
  }], orders);
  assert.deepEqual(b, [{ _id: 0, ids: [2] }, { _id: 2, ids: [1] }, { _id: "other", ids: [3] }]);
  assertCommandError(() => run([{ $bucket: { groupBy: "$qty", boundaries: [0, 2] } }], orders), 40066);
  assertCommandError(() => compilePipeline([{ $bucket: { groupBy: "$qty", boundaries: [2, 0] } }]), 40194);
  const docs = [1, 2, 3, 4, 5, 6, 7].map((v) => ({ v }));
  assert.deepEqual(run([{ $bucketAuto: { groupBy: "$v", buckets: 3 } }], docs), [
    { _id: { min: 1, max: 4 }, count: 3 },
    { _id: { min: 4, max: 7 }, count: 3 },
    { _id: { min: 7, max: 7 }, count: 1 },
  ]);
});

Deno.test("$sample with injected randomness, $redact", () => {
  // a reservoir of 2: _id 3 replaces the first kept (draw 0), then the shuffle swaps the two
  const s = run([{ $sample: { size: 2 } }], orders, { random: () => 0 });
  assert.deepEqual(s.map((d) => d["_id"]), [2, 3]);
  // draws near 1: _id 3 is not kept, the order stays
  assert.deepEqual(run([{ $sample: { size: 2 } }], orders, { random: () => 0.99 }).map((d) => d["_id"]), [
    1,
    2,
  ]);
  // stored input documents (a collection scan's bytes, valid until the next pull): copies kept,
  // decoded for the next stage, or handed on as bytes to a consumer of stored output
  const bytes = orders.map((d) => BSON.serialize(d));
  const p = compilePipeline([{ $sample: { size: 2 } }, { $project: { qty: 1 } }], { random: () => 0.99 });
  assert.ok(p.storedInput());
  const reused = new Uint8Array(64);
  const fed = function* () {
    for (const b of bytes) {
      reused.fill(0).set(b); // the scan's buffer is reused for the next document
      yield storedItem(reused.subarray(0, b.length));
    }
  };
  assert.deepEqual([...p.run(fed())], [{ _id: 1, qty: 2 }, { _id: 2, qty: 1 }]);
  const last = compilePipeline([{ $sample: { size: 2 } }], { random: () => 0.99 });
  const out = [...last.run(fed(), { storedOutput: true })];
  assert.ok(out.every((d) => isStoredDoc(d)));
  assert.deepEqual(out.map((d) => BSON.deserialize(d as unknown as Uint8Array)["_id"]), [1, 2]);
  // every subset equally likely: each of 10 documents kept by about 3 in 10 samples of 3
  const ten = Array.from({ length: 10 }, (_, i) => ({ _id: i }));
  const times = new Array(10).fill(0);
  for (let r = 0; r < 3000; r++) {
    for (const d of run([{ $sample: { size: 3 } }], ten)) times[d["_id"] as number]++;
  }
  assert.ok(times.every((t) => t > 750 && t < 1050), times.join());
  assert.equal(run([{ $sample: { size: 10 } }], orders, { random: () => 0.99 }).length, 3);
  assertCommandError(() => compilePipeline([{ $sample: { size: -1 } }]), 28747);
  const doc = { _id: 1, level: 1, sub: { level: 5, x: 1 }, arr: [{ level: 1, y: 1 }, { level: 9 }] };
  const r = run([{ $redact: { $cond: [{ $lte: ["$level", 3] }, "$$DESCEND", "$$PRUNE"] } }], [doc]);
  assert.deepEqual(r, [{ _id: 1, level: 1, arr: [{ level: 1, y: 1 }] }]);
});

Deno.test("$setWindowFields: running sums, ranks, shift, ranges", () => {
  const sales: Doc[] = [
    { s: "a", d: 1, v: 10 },
    { s: "b", d: 1, v: 5 },
    { s: "a", d: 2, v: 20 },
    { s: "a", d: 3, v: 20 },
    { s: "b", d: 4, v: 1 },
  ];
  const out = run([{
    $setWindowFields: {
      partitionBy: "$s",
      sortBy: { d: 1 },
      output: {
        run: { $sum: "$v", window: { documents: ["unbounded", "current"] } },
        total: { $sum: "$v" },
        rank: { $rank: {} },
        prev: { $shift: { output: "$v", by: -1, default: 0 } },
        near: { $push: "$d", window: { range: [-1, 1] } },
        "x.n": { $documentNumber: {} },
      },
    },
  }], sales);
  assert.deepEqual(
    out.map((d) => [d["s"], d["run"], d["total"], d["rank"], d["prev"], d["near"], (d["x"] as Doc)["n"]]),
    [
      ["a", 10, 50, 1, 0, [1, 2], 1],
      ["a", 30, 50, 2, 10, [1, 2, 3], 2],
      ["a", 50, 50, 3, 20, [2, 3], 3],
      ["b", 5, 6, 1, 0, [1], 1],
      ["b", 6, 6, 2, 5, [4], 2],
    ],
  );
  const dense = run([{
    $setWindowFields: { sortBy: { v: -1 }, output: { r: { $rank: {} }, dr: { $denseRank: {} } } },
  }], sales);
  assert.deepEqual(dense.map((d) => [d["v"], d["r"], d["dr"]]), [[20, 1, 1], [20, 1, 1], [10, 3, 2], [
    5,
    4,
    3,
  ], [1, 5, 4]]);
  assertCommandError(
    () => compilePipeline([{ $setWindowFields: { output: { r: { $rank: {} } } } }]),
    5371602,
  );
  assertCommandError(
    () => compilePipeline([{ $setWindowFields: { output: { r: { $foo: 1 } } } }]),
    "FailedToParse",
  );
});

Deno.test("$sort + $limit keeps the top k stably", () => {
  const docs: Doc[] = Array.from({ length: 50 }, (_, i) => ({ _id: i, v: i % 7 }));
  const want = [...docs].sort((a, b) =>
    (b["v"] as number) - (a["v"] as number) || (a["_id"] as number) - (b["_id"] as number)
  )
    .slice(0, 9);
  assert.deepEqual(run([{ $sort: { v: -1 } }, { $limit: 9 }], docs), want);
  assert.deepEqual(
    run([{ $match: {} }, { $sort: { v: 1, _id: -1 } }, { $limit: 3 }], docs).map((d) => d["_id"]),
    [49, 42, 35],
  );
});

Deno.test("$lookup through an index decodes only what is read: its sub-pipeline's or the later stages' fields", () => {
  const asked: (string[] | null)[] = [];
  const pick = (d: Doc, fields: ReadonlySet<string> | null | undefined) =>
    fields ? Object.fromEntries(Object.entries(d).filter(([k]) => fields.has(k))) : d;
  const byValues = (
    c: string,
    field: string,
    values: readonly unknown[],
    fields?: ReadonlySet<string> | null,
  ) => {
    asked.push(fields ? [...fields].sort() : null);
    return (colls[c] ?? []).filter((d) => values.some((v) => d[field] === v)).map((d) => pick(d, fields));
  };
  const o = { ...opts, lookupByValues: byValues, streamByValues: byValues };
  const eq = { from: "items", localField: "item", foreignField: "_id", as: "m" };
  // joined whole: every field
  const whole = run([{ $lookup: eq }], orders, o);
  assert.deepEqual(whole.map((d) => d["m"]), [[items[0]], [items[1]], []]);
  assert.deepEqual(asked.splice(0), [null, null, null]);
  // unwound and one field projected: only that field
  const one = run([{ $lookup: eq }, { $unwind: "$m" }, { $project: { "m.price": 1 } }], orders, o);
  assert.deepEqual(one, [{ _id: 1, m: { price: 10 } }, { _id: 2, m: { price: 3 } }]);
  assert.deepEqual(asked.splice(0), [["price"], ["price"], ["price"]]);
  // a let equality's sub-pipeline: the fields it reads (its $match's and its $project's)
  const sub = run(
    [{
      $lookup: {
        from: "items",
        let: { i: "$item" },
        pipeline: [{ $match: { $expr: { $eq: ["$_id", "$$i"] } } }, { $project: { price: 1 } }],
        as: "m",
      },
    }],
    orders.slice(0, 2),
    o,
  );
  assert.deepEqual(sub.map((d) => d["m"]), [[{ _id: "a", price: 10 }], [{ _id: "b", price: 3 }]]);
  assert.deepEqual(asked.splice(0), [["_id", "price"], ["_id", "price"]]);
});
