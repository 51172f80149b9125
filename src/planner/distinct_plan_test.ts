import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { leadingDirection, planDistinctScan } from "./distinct_plan.ts";
import type { AccessPath, IndexInfo, IxScanPath } from "./plan.ts";

const ix = (name: string, key: Record<string, unknown>, o: Partial<IndexInfo> = {}): IndexInfo => ({
  name,
  key,
  unique: false,
  sparse: false,
  multikey: false,
  hidden: false,
  ...o,
});
const collScan: AccessPath = { kind: "collScan", reverse: false };
const scanOf = (i: IndexInfo): IxScanPath => ({
  kind: "ixScan",
  indexName: i.name,
  keyPattern: i.key,
  unique: false,
  multikey: i.multikey,
  sparse: false,
  partial: false,
  intervals: [{ lower: new Uint8Array([1]) }],
  reverse: false,
  indexBounds: {},
  providesSort: false,
  dedup: i.multikey,
  score: 1,
});
const none = { filterEmpty: true, hinted: false };
const filtered = { filterEmpty: false, hinted: false };

Deno.test("planDistinctScan: without a filter, the smallest plain index leading with the key, whole", () => {
  const indexes = [
    ix("_id_", { _id: 1 }),
    ix("a_1_b_1", { a: 1, b: 1 }),
    ix("a_-1", { a: -1 }, { multikey: true }),
    ix("b_1", { b: 1 }),
  ];
  const p = planDistinctScan("a", collScan, indexes, none)!;
  equal(p.indexName, "a_-1");
  assertEquals(p.intervals, [{}]);
  assertEquals(p.indexBounds, { a: ["[MaxKey, MinKey]"] });
  equal(leadingDirection(p), -1);
  equal(planDistinctScan("a.b", collScan, indexes, none), undefined);
  equal(planDistinctScan("_id", collScan, indexes, none)?.indexName, "_id_");
  // not: hidden, partial, collated, special, a hint elsewhere, a $natural hint
  for (
    const other of [
      ix("h", { a: 1 }, { hidden: true }),
      ix("p", { a: 1 }, { partialFilterExpression: { a: { $gt: 1 } } }),
      ix("c", { a: 1 }, { collation: { locale: "fr" } }),
      ix("t", { a: "hashed" }),
      ix("g", { a: 1, loc: "2dsphere" }),
    ]
  ) equal(planDistinctScan("a", collScan, [other], none), undefined, other.name);
  equal(planDistinctScan("a", collScan, indexes, { filterEmpty: true, hinted: true }), undefined);
  equal(planDistinctScan("a", collScan, indexes, filtered), undefined);
});

Deno.test("planDistinctScan: with a filter, the planner's index scan when it leads with the key and is not multikey", () => {
  const a = ix("a_1", { a: 1 });
  const am = ix("a_1", { a: 1 }, { multikey: true });
  const b = ix("b_1_a_1", { b: 1, a: 1 });
  const s = scanOf(a);
  equal(planDistinctScan("a", s, [a], filtered), s);
  assertEquals(planDistinctScan("a", scanOf(a), [a], filtered)?.intervals, [{ lower: new Uint8Array([1]) }]);
  equal(planDistinctScan("a", scanOf(am), [am], filtered), undefined);
  equal(planDistinctScan("a", scanOf(am), [am], { filterEmpty: true, hinted: true })?.indexName, "a_1");
  equal(planDistinctScan("a", scanOf(b), [b], filtered), undefined);
  equal(planDistinctScan("a", { kind: "idLookup", id: 1 }, [a], filtered), undefined);
});
