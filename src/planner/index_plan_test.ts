import assert from "node:assert/strict";
import { planQuery } from "./find_plan.ts";
import { impliesPartial } from "./index_plan.ts";
import { extractPredicates } from "./bounds.ts";
import { indexInfo } from "./ix_path_fixture.ts";

const ix = indexInfo;

Deno.test("equality on an indexed field chooses IXSCAN with point bounds", () => {
  const p = planQuery({ filter: { a: 5 }, indexes: [ix("_id_", { _id: 1 }), ix("a_1", { a: 1 })] });
  assert.equal(p.access.kind, "ixScan");
  if (p.access.kind !== "ixScan") return;
  assert.equal(p.access.indexName, "a_1");
  assert.deepEqual(p.access.indexBounds, { a: ["[5, 5]"] });
});

Deno.test("compound prefix + range, sort provided in reverse", () => {
  const p = planQuery({
    filter: { a: 1, b: { $gt: 3 } },
    sort: { b: 1 },
    indexes: [ix("a_1_b_-1", { a: 1, b: -1 })],
  });
  assert.equal(p.access.kind, "ixScan");
  if (p.access.kind !== "ixScan") return;
  assert.equal(p.access.providesSort, true);
  assert.equal(p.access.reverse, true);
  assert.deepEqual(p.access.indexBounds, { a: ["[1, 1]"], b: ["[inf.0, 3)"] });
});

Deno.test("hidden, sparse-with-null and non-implied partial indexes are skipped; bad hint is BadValue", () => {
  const indexes = [
    ix("h", { a: 1 }, { hidden: true }),
    ix("s", { b: 1 }, { sparse: true }),
    ix("p", { c: 1 }, { partialFilterExpression: { c: { $gt: 10 } } }),
  ];
  assert.equal(planQuery({ filter: { a: 1 }, indexes }).access.kind, "collScan");
  assert.equal(planQuery({ filter: { b: null }, indexes }).access.kind, "collScan");
  assert.equal(planQuery({ filter: { c: 5 }, indexes }).access.kind, "collScan");
  assert.equal(planQuery({ filter: { c: 50 }, indexes }).access.kind, "ixScan");
  assert.throws(() => planQuery({ filter: {}, hint: "h", indexes }), /hint provided/);
});

Deno.test("partial implication", () => {
  const preds = extractPredicates({ x: { $gte: 7 }, y: "a" }, false);
  assert.equal(impliesPartial(preds, { x: { $gt: 5 } }), true);
  assert.equal(impliesPartial(preds, { x: { $gt: 7 } }), false);
  assert.equal(impliesPartial(preds, { y: { $exists: true } }), true);
});

Deno.test("contradictory ranges on a non-multikey index yield no intervals", () => {
  const p = planQuery({ filter: { a: { $gt: 5, $lt: 3 } }, indexes: [ix("a_1", { a: 1 })] });
  assert.equal(p.access.kind === "ixScan" && p.access.intervals.length, 0);
  const m = planQuery({
    filter: { a: { $gt: 5, $lt: 3 } },
    indexes: [ix("a_1", { a: 1 }, { multikey: true })],
  });
  assert.equal(m.access.kind === "ixScan" && m.access.intervals.length, 1);
});

Deno.test("$elemMatch: the object form bounds its sub-fields' paths, the value form its own path", () => {
  const obj = extractPredicates({
    items: { $elemMatch: { k: 2, v: { $lt: 5 }, $and: [{ w: "a" }], $or: [{ z: 1 }] } },
  }, false);
  assert.deepEqual([...obj.keys()].sort(), ["items.k", "items.v", "items.w"]);
  assert.deepEqual(obj.get("items.v"), [{ kind: "range", op: "$lt", value: 5 }]);
  const val = extractPredicates({ xs: { $elemMatch: { $gte: 3, $lt: 6, $ne: 4 } } }, false);
  // (the `$ne` is a weaker bound: the element ranges bound first, bounds.ts boundingPred)
  assert.deepEqual(val.get("xs"), [{ kind: "not", of: { kind: "eq", value: 4 } }, {
    kind: "element",
    ranges: [{ kind: "range", op: "$gte", value: 3 }, { kind: "range", op: "$lt", value: 6 }],
  }]);
  // one element holds both ends: on a multikey index too the bounds are [3, 6)
  const plan = planQuery({
    filter: { xs: { $elemMatch: { $gte: 3, $lt: 6 } } },
    indexes: [ix("xs_1", { xs: 1 }, { multikey: true })],
  });
  assert.equal(plan.access.kind, "ixScan");
  if (plan.access.kind === "ixScan") assert.deepEqual(plan.access.indexBounds, { xs: ["[3, 6)"] });
  // outside $elemMatch the two ends may hold for different elements: one end only
  const loose = planQuery({
    filter: { xs: { $gte: 3, $lt: 6 } },
    indexes: [ix("xs_1", { xs: 1 }, { multikey: true })],
  });
  if (loose.access.kind === "ixScan") assert.notDeepEqual(loose.access.indexBounds, { xs: ["[3, 6)"] });
  assert.deepEqual(extractPredicates({ xs: { $elemMatch: {} } }, false).size, 0);
  assert.deepEqual([...extractPredicates({ a: { $elemMatch: { $and: [{ b: 1 }] } } }, false).keys()], [
    "a.b",
  ]);
});

Deno.test("$all: each plain value is a candidate equality; documents and $elemMatch are not", () => {
  const p = extractPredicates({ t: { $all: ["x1", "y1", { $elemMatch: { $gt: 1 } }, [1, 2], /^a/] } }, false);
  assert.deepEqual(p.get("t"), [{ kind: "eq", value: "x1" }, { kind: "eq", value: "y1" }]);
  assert.equal(extractPredicates({ t: { $all: [] } }, false).size, 0);
});

Deno.test("$exists: false bounds a non-sparse index by the null point; never a sparse one", () => {
  const plain = [ix("a_1", { a: 1 })];
  for (const f of [{ a: { $exists: false } }, { a: { $exists: 0 } }, { a: { $not: { $exists: true } } }]) {
    const p = planQuery({ filter: f, indexes: plain });
    assert.equal(
      p.access.kind === "ixScan" && p.access.indexBounds.a?.join(),
      "[null, null]",
      JSON.stringify(f),
    );
  }
  const multikey = planQuery({
    filter: { a: { $exists: false } },
    indexes: [ix("a_1", { a: 1 }, { multikey: true })],
  });
  assert.equal(multikey.access.kind, "ixScan");
  const compound = planQuery({
    filter: { g: 1, a: { $exists: false } },
    indexes: [ix("g_a", { g: 1, a: 1 })],
  });
  assert.deepEqual(compound.access.kind === "ixScan" && compound.access.indexBounds, {
    g: ["[1, 1]"],
    a: ["[null, null]"],
  });
  const sparse = [ix("a_1", { a: 1 }, { sparse: true })];
  assert.equal(planQuery({ filter: { a: { $exists: false } }, indexes: sparse }).access.kind, "collScan");
  // $exists: true still leaves a plain index to the collection scan (mongod's full [MinKey, MaxKey] scan)
  assert.equal(planQuery({ filter: { a: { $exists: true } }, indexes: plain }).access.kind, "collScan");
  // it implies {a: null} of a partial filter, never $exists: true
  const preds = extractPredicates({ a: { $exists: false } }, false);
  assert.equal(impliesPartial(preds, { a: { $exists: true } }), false);
  assert.equal(impliesPartial(preds, { a: { $eq: null } }), true);
});

Deno.test("a regex after an $in on an earlier compound-index field gets its key filter", () => {
  const indexes = [ix("g_1", { g: 1 }), ix("g_s", { g: 1, s: 1 }), ix("gd_s", { h: -1, s: 1 })];
  for (const f of [{ g: { $in: [1, 2] }, s: /ab/ }, { h: { $in: ["x", "yy"] }, s: /ab/ }]) {
    const p = planQuery({ filter: f, indexes });
    assert.ok(p.access.kind === "ixScan" && p.access.keyFilter !== undefined, JSON.stringify(f));
    if (p.access.kind !== "ixScan") continue;
    // (above the scan of the $in alone: the filter spares the fetches)
    assert.notEqual(p.access.indexName, "g_1");
    assert.deepEqual(p.access.keyFilter!.shown, { s: { $regex: "ab" } });
  }
  // a range before it: no fixed place for the regex's field (its bounds are the range's)
  const range = planQuery({ filter: { g: { $gt: 1 }, s: /ab/ }, indexes });
  assert.ok(range.access.kind === "ixScan" && range.access.keyFilter === undefined);
});
