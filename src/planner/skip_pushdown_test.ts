import assert from "node:assert/strict";
import { skipBeforeFetch, type SkipPushdownInput } from "./skip_pushdown.ts";
import type { IxScanPath } from "./plan.ts";

const scan: IxScanPath = {
  kind: "ixScan",
  indexName: "a_1",
  keyPattern: { a: 1 },
  unique: false,
  multikey: false,
  sparse: false,
  partial: false,
  intervals: [{}],
  reverse: false,
  indexBounds: { a: ["[5, inf.0]"] },
  providesSort: true,
  dedup: false,
  score: 0,
};

const base: SkipPushdownInput = {
  access: scan,
  skip: 100,
  residualFilter: false,
  blockingSort: false,
  clustered: false,
};

Deno.test("skip pushdown: an index scan that yields exactly the matches, in order, skips entries unread", () => {
  assert.equal(skipBeforeFetch(base), true);
  // a backward scan, a multikey scan (its IXSCAN drops repeated record ids first), a secondary index of a
  // clustered collection
  assert.equal(skipBeforeFetch({ ...base, access: { ...scan, reverse: true } }), true);
  assert.equal(skipBeforeFetch({ ...base, access: { ...scan, multikey: true, dedup: true } }), true);
  assert.equal(skipBeforeFetch({ ...base, clustered: true }), true);
});

Deno.test("skip pushdown: the SKIP stays above FETCH when the documents decide what is skipped", () => {
  assert.equal(skipBeforeFetch({ ...base, skip: 0 }), false);
  assert.equal(skipBeforeFetch({ ...base, residualFilter: true }), false);
  assert.equal(skipBeforeFetch({ ...base, blockingSort: true }), false);
  assert.equal(skipBeforeFetch({ ...base, access: { kind: "collScan", reverse: false } }), false);
  assert.equal(skipBeforeFetch({ ...base, access: { kind: "idLookup", id: 1 } }), false);
  assert.equal(skipBeforeFetch({ ...base, access: { ...scan, text: { terms: ["x"] } } }), false);
  // a clustered collection's _id order is its records' (CLUSTERED_IXSCAN)
  assert.equal(skipBeforeFetch({ ...base, access: { ...scan, indexName: "_id_" }, clustered: true }), false);
  assert.equal(skipBeforeFetch({ ...base, access: { ...scan, indexName: "_id_" } }), true);
});
