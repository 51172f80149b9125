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
  assert.equal(plan({ $or: [{ a: 1 }, { $or: [{ c: 1 }, { c: 2 }] }] }).kind, "collScan");
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
