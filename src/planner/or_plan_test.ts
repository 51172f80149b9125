import assert from "node:assert/strict";
import { planQuery } from "./find_plan.ts";
import { planOr } from "./or_plan.ts";
import type { AccessPath, FindPlanInput, IndexInfo } from "./plan.ts";

function ix(key: Record<string, unknown>, extra: Partial<IndexInfo> = {}): IndexInfo {
  const name = Object.entries(key).map(([k, v]) => `${k}_${v}`).join("_");
  return { name, key, unique: false, sparse: false, multikey: false, hidden: false, ...extra };
}

const INDEXES = [
  ix({ _id: 1 }, { name: "_id_", unique: true }),
  ix({ a: 1 }),
  ix({ c: 1 }),
  ix({ b: 1, a: 1 }),
];

function plan(filter: Record<string, unknown>, extra: Partial<FindPlanInput> = {}): AccessPath {
  return planQuery({ filter, indexes: INDEXES, ...extra }).access;
}

function branchIndexes(a: AccessPath): string[] {
  assert.equal(a.kind, "or");
  return a.kind === "or" ? a.branches.map((b) => b.indexName) : [];
}

Deno.test("a rooted $or whose every branch has an index plan is an OR of their scans", () => {
  const a = plan({ $or: [{ a: 1 }, { c: "s7" }] });
  assert.deepEqual(branchIndexes(a), ["a_1", "c_1"]);
  assert.ok(a.kind === "or" && a.rooted && a.exact);
  // branches on the same index, ranges, $in, a compound index's prefix
  assert.deepEqual(branchIndexes(plan({ $or: [{ a: { $lt: 3 } }, { a: { $in: [7, 9] } }, { b: 2 }] })), [
    "a_1",
    "a_1",
    "b_1_a_1",
  ]);
  // each branch planned alone: its best candidate (b pinned, then a in range: the compound index)
  assert.deepEqual(branchIndexes(plan({ $or: [{ b: 2, a: { $gt: 1 } }, { c: 1 }] })), ["b_1_a_1", "c_1"]);
});

Deno.test("an $or beside other predicates: OR with the whole filter matched above, unless the rest plans better", () => {
  const a = plan({ $or: [{ a: 1 }, { c: 2 }], k: 5 });
  assert.deepEqual(branchIndexes(a), ["a_1", "c_1"]);
  assert.ok(a.kind === "or" && !a.rooted);
  assert.deepEqual(branchIndexes(plan({ $and: [{ k: 1 }, { $or: [{ a: 1 }, { c: 2 }] }] })), ["a_1", "c_1"]);
  // an equality on an indexed field scores as high as the branches: its single IXSCAN stays
  const kept = planQuery({ filter: { a: 5, $or: [{ c: 1 }, { c: 2 }] }, indexes: INDEXES });
  assert.ok(kept.access.kind === "ixScan" && kept.access.indexName === "a_1");
  assert.ok(kept.rejected.some((r) => r.kind === "or"));
  // a range there does not: the OR's equalities win
  const won = planQuery({ filter: { a: { $gt: 5 }, $or: [{ c: 1 }, { c: 2 }] }, indexes: INDEXES });
  assert.deepEqual(branchIndexes(won.access), ["c_1", "c_1"]);
  assert.ok(won.rejected.some((r) => r.kind === "ixScan" && r.indexName === "a_1"));
  // the OR scores as its weakest branch: a range branch no better than the range beside it loses
  const weak = plan({ a: { $gt: 5 }, $or: [{ c: 1 }, { b: { $gt: 1 } }] });
  assert.ok(weak.kind === "ixScan" && weak.indexName === "a_1");
});

Deno.test("no OR plan: a branch without an index plan, a hint, min/max, $text/$near, collation", () => {
  assert.equal(plan({ $or: [{ a: 1 }, { z: 2 }] }).kind, "collScan");
  assert.equal(plan({ $or: [{ a: 1 }, { $or: [{ c: 1 }, { z: 2 }] }] }).kind, "collScan");
  assert.equal(plan({ $or: [{ a: 1 }, { z: 1, $or: [{ c: 1 }, { y: 2 }] }] }).kind, "collScan");
  assert.equal(plan({ $or: [{ a: 1 }, { c: 2 }] }, { hint: "c_1" }).kind, "ixScan");
  assert.equal(planOr({ filter: { $or: [{ a: 1 }, { c: 2 }] }, indexes: INDEXES, hint: "a_1" }), undefined);
  assert.equal(planOr({ filter: { $or: [{ a: 1 }, { c: 2 }] }, indexes: INDEXES, min: { a: 1 } }), undefined);
  assert.equal(
    planOr({ filter: { $or: [{ a: 1 }, { $text: { $search: "x" } }] }, indexes: INDEXES }),
    undefined,
  );
  assert.equal(
    planOr({ filter: { $or: [{ a: 1 }, { c: 2 }], loc: { $near: [0, 0] } }, indexes: INDEXES }),
    undefined,
  );
  assert.equal(plan({ $or: [{ a: 1 }, { c: 2 }] }, { indexes: [] }).kind, "collScan");
  // a collated query cannot take string bounds from a simple-collation index: that branch has no plan
  const collation = { locale: "fr" };
  assert.equal(plan({ $or: [{ a: 1 }, { c: "x" }] }, { collated: true, collation }).kind, "collScan");
  const numbers = plan({ $or: [{ a: 1 }, { c: 2 }] }, { collated: true, collation });
  assert.ok(numbers.kind === "or" && !numbers.exact); // (exact bounds never under a collation)
  // a hidden index is no branch's
  const hidden = INDEXES.map((i) => (i.name === "c_1" ? { ...i, hidden: true } : i));
  assert.equal(plan({ $or: [{ a: 1 }, { c: 2 }] }, { indexes: hidden }).kind, "collScan");
});

Deno.test("OR plan details: one branch is its scan; sparse/multikey branches; exactness", () => {
  const one = plan({ $or: [{ a: 1 }] });
  assert.ok(one.kind === "ixScan" && one.indexName === "a_1");
  // a sparse index serves no branch matching missing fields (null)
  const sparse = [...INDEXES, ix({ s: 1 }, { sparse: true })];
  assert.equal(plan({ $or: [{ a: 1 }, { s: null }] }, { indexes: sparse }).kind, "collScan");
  assert.deepEqual(branchIndexes(plan({ $or: [{ a: 1 }, { s: 3 }] }, { indexes: sparse })), ["a_1", "s_1"]);
  // a multikey branch is scanned (each record once); exact for an equality it pins, not for a range
  const multi = INDEXES.map((i) => (i.name === "c_1" ? { ...i, multikey: true } : i));
  const m = plan({ $or: [{ a: 1 }, { c: 2 }] }, { indexes: multi });
  assert.ok(m.kind === "or" && m.exact);
  const mr = plan({ $or: [{ a: 1 }, { c: { $gt: 2 } }] }, { indexes: multi });
  assert.ok(mr.kind === "or" && !mr.exact);
  const inexact = plan({ $or: [{ a: 1, k: 2 }, { c: 2 }] });
  assert.ok(inexact.kind === "or" && !inexact.exact);
  // an OR gives no order: with a sort its branches are planned without one
  const sorted = plan({ $or: [{ a: 1 }, { c: 2 }] }, { sort: { a: 1 } });
  assert.ok(sorted.kind === "or" && sorted.branches.every((b) => !b.providesSort));
});

Deno.test("contained $or: the predicates beside it bound each branch's index (mongod's OR pushdown)", () => {
  const indexes = [
    ix({ _id: 1 }, { name: "_id_", unique: true }),
    ix({ tenant: 1, owner: 1 }),
    ix({ tenant: 1, public: 1 }),
  ];
  const choice = planQuery({ filter: { tenant: "t1", $or: [{ owner: "u5" }, { public: true }] }, indexes });
  const a = choice.access;
  assert.deepEqual(branchIndexes(a), ["tenant_1_owner_1", "tenant_1_public_1"]);
  assert.ok(a.kind === "or" && !a.rooted && a.exact); // (every branch answers tenant AND its own field)
  assert.deepEqual(a.kind === "or" && a.branches.map((b) => b.indexBounds), [
    { tenant: ['["t1", "t1"]'], owner: ['["u5", "u5"]'] },
    { tenant: ['["t1", "t1"]'], public: ["[true, true]"] },
  ]);
  assert.ok(choice.rejected.some((r) => r.kind === "ixScan")); // (the tenant-only scans lost)
  // the same through a top-level $and, and with the outside predicate on a trailing field (mongod's
  // ContainedOr: {b: 1, a: 1} and {c: 1, a: 1} for {a: 5, $or: [{b: 6}, {c: 7}]})
  const and = plan({ $and: [{ tenant: "t1" }, { $or: [{ owner: "u5" }, { public: true }] }] }, { indexes });
  assert.ok(and.kind === "or" && and.exact && and.branches.every((b) => b.pointPrefix === 2));
  const trailing = plan({ a: 5, $or: [{ b: 6 }, { c: 7 }] }, {
    indexes: [ix({ b: 1, a: 1 }), ix({ c: 1, a: 1 })],
  });
  assert.ok(trailing.kind === "or" && trailing.exact);
  assert.deepEqual(trailing.branches.map((b) => b.indexBounds["a"]), [["[5, 5]"], ["[5, 5]"]]);
});

Deno.test("contained $or: a branch takes only an index its own predicates use; inexact pushdowns are re-matched", () => {
  // (mongod: an index assignment of outside predicates alone is no branch plan) — {x: 1} is no branch's
  const idx = [ix({ x: 1 }), ix({ x: 1, b: 1 }), ix({ c: 1 })];
  const a = planOr({ filter: { x: 3, $or: [{ b: 1 }, { c: 2 }] }, indexes: idx })!;
  assert.deepEqual(branchIndexes(a), ["x_1_b_1", "c_1"]);
  // (scored as its weakest branch, c_1 alone, it does not beat x_1's own scan)
  assert.ok(plan({ x: 3, $or: [{ b: 1 }, { c: 2 }] }, { indexes: idx }).kind === "ixScan");
  // c_1 holds no x: the branch's bounds answer its own branch, not x → the whole filter is matched
  assert.ok(a.kind === "or" && !a.exact && !a.branchesExact);
  // a branch with no index of its own: no OR (the outside predicate's own scan)
  const none = plan({ x: 3, $or: [{ b: 1 }, { z: 2 }] }, { indexes: idx });
  assert.ok(none.kind === "ixScan" && none.indexName.startsWith("x_1"));
  // an unindexed predicate beside the $or: branches exact alone, the rest (k) matched after the fetch
  const rest = plan({ k: 1, $or: [{ c: 1 }, { c: 2 }] }, { indexes: idx });
  assert.ok(rest.kind === "or" && !rest.exact && rest.branchesExact);
  // a range beside the $or bounds each branch's leading field; never exact over a range then a field
  const multi = [ix({ x: 1, b: 1 }, { multikey: true }), ix({ x: 1, c: 1 })];
  const m = planOr({ filter: { x: { $gt: 1 }, $or: [{ b: 1 }, { c: { $gte: 5 } }] }, indexes: multi })!;
  assert.deepEqual(branchIndexes(m), ["x_1_b_1", "x_1_c_1"]);
  assert.ok(!m.exact && m.branches.every((b) => b.indexBounds["x"]![0] === "(1, inf.0]"));
  // a repeated field: the branch and the outside predicate are both bounds ($and of the two)
  const rep = planOr({ filter: { c: { $gt: 2 }, $or: [{ c: { $lt: 9 } }, { c: 20 }] }, indexes: idx })!;
  assert.ok(rep.kind === "or");
  assert.deepEqual(rep.branches.map((b) => b.indexBounds["c"]), [["(2, 9)"], ["[20, 20]"]]);
});

Deno.test("SORT_MERGE: an $or whose every branch's index gives the sort merges them (mongod's MergeSort)", () => {
  const indexes = [ix({ a: 1, c: 1 }), ix({ b: 1, c: -1 }), ix({ b: 1 })];
  const m = plan({ $or: [{ a: 1 }, { b: 1 }] }, { indexes, sort: { c: 1 } });
  assert.ok(m.kind === "or" && m.rooted);
  assert.deepEqual(m.sortMerge, { c: 1 });
  // (the second branch scans {b: 1, c: -1} backward: MergeSortReverseScanOneIndex)
  assert.deepEqual(m.branches.map((b) => [b.indexName, b.reverse, b.providesSort]), [
    ["a_1_c_1", false, true],
    ["b_1_c_-1", true, true],
  ]);
  // a sort one branch's index cannot give: an OR planned without it (CannotMergeSort), as before
  const no = plan({ $or: [{ a: 1 }, { b: 1 }] }, { indexes, sort: { d: 1 } });
  assert.ok(no.kind === "or" && no.sortMerge === undefined && no.branches.every((b) => !b.providesSort));
  // no SORT_MERGE for a $natural or $meta sort, nor without a sort
  assert.equal(planOr({ filter: { $or: [{ a: 1 }, { b: 1 }] }, indexes })!.sortMerge, undefined);
  const meta = { c: { $meta: "textScore" } };
  assert.equal(planOr({ filter: { $or: [{ a: 1 }, { b: 1 }] }, indexes, sort: meta })!.sortMerge, undefined);
  // a contained $or: the pushed predicate is pinned too, the order still comes from c
  const contained = plan({ a: { $gte: 0 }, $or: [{ a: 1 }, { a: 2 }] }, { indexes, sort: { c: -1 } });
  assert.ok(contained.kind === "or" && contained.sortMerge !== undefined);
  // a multikey index gives no order: no merge
  const multi = indexes.map((i) => (i.name === "a_1_c_1" ? { ...i, multikey: true } : i));
  const mk = plan({ $or: [{ a: 1 }, { b: 1 }] }, { indexes: multi, sort: { c: 1 } });
  assert.ok(mk.kind === "or" && mk.sortMerge === undefined);
  // a branch whose only sort-giving index is an unbounded scan takes no index its predicates do not use
  const only = [ix({ c: 1 }), ix({ b: 1 })];
  const un = planOr({ filter: { $or: [{ a: 1 }, { b: 1 }] }, indexes: only, sort: { c: 1 } });
  assert.equal(un, undefined);
});

Deno.test("a collated $or over indexes with the query's collation: string branches keep their scans", () => {
  const collation = { locale: "fr" };
  const indexes = [ix({ s: 1 }, { collation }), ix({ t: 1 }, { collation })];
  const a = plan({ $or: [{ s: "x" }, { t: "y" }] }, { indexes, collated: true, collation });
  assert.deepEqual(branchIndexes(a), ["s_1", "t_1"]);
});

Deno.test("nested $or: a branch with no plan of its own is distributed over the $or it holds (NestedContainedOr)", () => {
  // a branch that is an $or
  const flat = plan({ $or: [{ a: 1 }, { $or: [{ c: 1 }, { c: 2 }] }] });
  assert.deepEqual(branchIndexes(flat), ["a_1", "c_1", "c_1"]);
  assert.ok(flat.kind === "or" && flat.rooted && flat.exact);
  assert.deepEqual(flat.kind === "or" && flat.branchFilters, [{ a: 1 }, { c: 1 }, { c: 2 }]);
  // an $and holding an $or beside an unindexed predicate: each leaf carries it
  const nested = plan({ $or: [{ a: 1 }, { $and: [{ z: 5 }, { $or: [{ c: 1 }, { a: 2 }] }] }] });
  assert.deepEqual(branchIndexes(nested), ["a_1", "c_1", "a_1"]);
  assert.ok(nested.kind === "or" && !nested.exact && !nested.branchesExact);
  assert.deepEqual(nested.kind === "or" && nested.branchFilters, [{ a: 1 }, { z: 5, c: 1 }, { z: 5, a: 2 }]);
  // implicit $and, two levels, beside a contained predicate (it bounds the compound index)
  const deep = plan({
    b: 3,
    $or: [{ c: 1 }, { z: 1, $or: [{ a: 4 }, { y: 2, $or: [{ c: 5 }, { a: 6 }] }] }],
  });
  assert.deepEqual(branchIndexes(deep), ["c_1", "b_1_a_1", "c_1", "b_1_a_1"]);
  // a branch that has a plan of its own keeps it whole
  assert.deepEqual(branchIndexes(plan({ $or: [{ c: 1 }, { a: 1, $or: [{ z: 1 }, { y: 2 }] }] })), [
    "c_1",
    "a_1",
  ]);
  // sorted: the leaves merge when each gives the order
  const merged = planQuery({
    filter: { $or: [{ a: 1 }, { $or: [{ c: 1 }, { c: 2 }] }] },
    sort: { _id: 1 },
    indexes: [ix({ a: 1, _id: 1 }), ix({ c: 1, _id: 1 })],
  }).access;
  assert.ok(merged.kind === "or" && merged.sortMerge !== undefined && merged.branches.length === 3);
  // an $and of two $ors multiplies: past 512 scans, no OR plan
  const many = (f: string) => ({ $or: Array.from({ length: 30 }, (_, i) => ({ [f]: i })) });
  assert.equal(plan({ $or: [{ a: 1 }, { $and: [many("z"), many("c")] }] }).kind, "collScan");
  assert.equal(branchIndexes(plan({ $or: [{ a: 1 }, { $or: many("c").$or }] })).length, 31);
});
