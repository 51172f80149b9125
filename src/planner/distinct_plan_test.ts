import { deepStrictEqual as assertEquals, equal } from "node:assert/strict";
import { chooseDistinctScan, distinctScansOver, planDistinctScan } from "./distinct_plan.ts";
import type { AccessPath, IndexInfo, IxScanPath } from "./plan.ts";
import { indexInfo } from "./ix_path_fixture.ts";

const ix = indexInfo;
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
  const { path: p, fieldNo } = planDistinctScan("a", collScan, indexes, none)!;
  equal(p.indexName, "a_-1");
  equal(fieldNo, 0);
  assertEquals(p.intervals, [{}]);
  assertEquals(p.indexBounds, { a: ["[MaxKey, MinKey]"] });
  equal(planDistinctScan("a.b", collScan, indexes, none), undefined);
  equal(planDistinctScan("b", collScan, indexes, none)?.path.indexName, "b_1");
  equal(planDistinctScan("_id", collScan, indexes, none)?.path.indexName, "_id_");
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
  equal(planDistinctScan("a", s, [a], filtered)?.path, s);
  assertEquals(planDistinctScan("a", scanOf(a), [a], filtered)?.path.intervals, [{
    lower: new Uint8Array([1]),
  }]);
  equal(planDistinctScan("a", scanOf(am), [am], filtered), undefined);
  equal(planDistinctScan("a", scanOf(am), [am], { filterEmpty: true, hinted: true })?.path.indexName, "a_1");
  equal(planDistinctScan("a", scanOf(b), [b], filtered), undefined); // (no pinned prefix)
  equal(planDistinctScan("a", { kind: "idLookup", id: 1 }, [a], filtered), undefined);
});

Deno.test("planDistinctScan: a trailing key when every field before it is pinned to one value", () => {
  const abc = ix("a_1_b_1_c_1", { a: 1, b: 1, c: 1 });
  const pin = (i: IndexInfo, n: number): IxScanPath => ({ ...scanOf(i), pointPrefix: n });
  equal(planDistinctScan("b", pin(abc, 1), [abc], filtered)?.fieldNo, 1);
  equal(planDistinctScan("c", pin(abc, 2), [abc], filtered)?.fieldNo, 2);
  equal(planDistinctScan("c", pin(abc, 3), [abc], filtered)?.fieldNo, 2);
  // a range (or several values) on a field before the key: not taken
  equal(planDistinctScan("c", pin(abc, 1), [abc], filtered), undefined);
  equal(planDistinctScan("b", pin(abc, 0), [abc], filtered), undefined);
  equal(planDistinctScan("b", scanOf(abc), [abc], filtered), undefined); // (pointPrefix unknown)
  // not on a multikey or collated index, nor behind a numeric path component, nor a key the index lacks
  const m = ix("m", { a: 1, b: 1 }, { multikey: true });
  equal(planDistinctScan("b", pin(m, 1), [m], filtered), undefined);
  const c = ix("c", { a: 1, b: 1 }, { collation: { locale: "fr" } });
  equal(planDistinctScan("b", pin(c, 1), [c], filtered), undefined);
  const n = ix("n", { "a.0": 1, b: 1 });
  equal(planDistinctScan("b", pin(n, 1), [n], filtered), undefined);
  equal(planDistinctScan("d", pin(abc, 3), [abc], filtered), undefined);
  // without a filter a trailing key is never walked over the whole index
  equal(planDistinctScan("b", collScan, [abc], none), undefined);
});

Deno.test("distinctScansOver / chooseDistinctScan: a walk over another index holding the key", () => {
  const status = ix("status_1", { status: 1 });
  const so = ix("status_1_owner_1", { status: 1, owner: 1 });
  const owner = ix("owner_1", { owner: 1 }, { multikey: true });
  const indexes = [status, so, owner];
  // the trailing field with the field before it pinned; not the multikey one under a filter, not status_1
  const pinned = { ...scanOf(so), pointPrefix: 1 };
  const plans = distinctScansOver("owner", [scanOf(status), pinned, scanOf(owner)], indexes);
  assertEquals(plans.map((p) => [p.path.indexName, p.fieldNo]), [["status_1_owner_1", 1]]);
  // a range on the field before the key: no walk
  assertEquals(distinctScansOver("owner", [scanOf(so)], indexes), []);
  const walk = plans[0]!;
  const cap = 1000;
  // no more entries than the chosen plan: the walk; more: the chosen plan stays
  equal(chooseDistinctScan([{ plan: walk, entries: 40 }], 40, cap), walk);
  equal(chooseDistinctScan([{ plan: walk, entries: 41 }], 40, cap), undefined);
  // the chosen plan holds the cap or more: the walk, the one with the fewest entries
  const other = { ...walk, fieldNo: 0 };
  equal(chooseDistinctScan([{ plan: walk, entries: cap }, { plan: other, entries: 7 }], cap, cap), other);
  equal(chooseDistinctScan([], cap, cap), undefined);
});
