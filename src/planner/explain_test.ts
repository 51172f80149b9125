import assert from "node:assert/strict";
import { explainTree, isClusteredIdScan } from "./explain.ts";
import type { IxScanPath } from "./plan.ts";

const idScan: IxScanPath = {
  kind: "ixScan",
  indexName: "_id_",
  keyPattern: { _id: 1 },
  unique: true,
  multikey: false,
  sparse: false,
  partial: false,
  intervals: [{}],
  reverse: false,
  indexBounds: { _id: ["[1, 5)"] },
  providesSort: true,
  dedup: false,
  score: 0,
};

Deno.test("explain: a clustered collection's _id reads are CLUSTERED_IXSCAN with minRecord/maxRecord", () => {
  assert.deepEqual(isClusteredIdScan(idScan, true), true);
  assert.deepEqual(isClusteredIdScan(idScan, false), false);
  assert.deepEqual(isClusteredIdScan({ ...idScan, indexName: "a_1" }, true), false);
  assert.deepEqual(isClusteredIdScan({ kind: "collScan", reverse: false }, true), false);
  const filter = { _id: { $gte: 1, $lt: 5 } };
  assert.deepEqual(explainTree({ access: idScan, filter, clustered: true }), {
    stage: "CLUSTERED_IXSCAN",
    filter,
    direction: "forward",
    minRecord: 1,
    maxRecord: 5,
  });
  // a point lookup: both bounds the value; run statistics: records examined, no keys
  assert.deepEqual(
    explainTree({ access: { kind: "idLookup", id: 7 }, filter: { _id: 7 }, clustered: true }, {
      nReturned: 1,
      keysExamined: 1,
      docsExamined: 0,
    }),
    {
      stage: "CLUSTERED_IXSCAN",
      filter: { _id: 7 },
      direction: "forward",
      minRecord: 7,
      maxRecord: 7,
      nReturned: 1,
      docsExamined: 1,
    },
  );
  // one-sided and reverse
  assert.deepEqual(
    explainTree({ access: { ...idScan, reverse: true }, filter: { _id: { $gt: 2 } }, clustered: true }),
    { stage: "CLUSTERED_IXSCAN", filter: { _id: { $gt: 2 } }, direction: "backward", minRecord: 2 },
  );
  // not clustered: the index scan and FETCH as before
  assert.deepEqual(explainTree({ access: idScan, filter: {} })["stage"], "FETCH");
});

Deno.test("explain: SKIP below FETCH — LIMIT → FETCH (no filter) → SKIP → IXSCAN, and its figures", () => {
  const a = { ...idScan, indexName: "a_1", keyPattern: { a: 1 }, indexBounds: { a: ["[5, inf.0]"] } };
  const q = { access: a, filter: { a: { $gte: 5 } }, skip: 100, limit: 10, skipBeforeFetch: true };
  const plan = explainTree(q);
  assert.equal(plan["stage"], "LIMIT");
  const fetch = plan["inputStage"] as Record<string, unknown>;
  assert.equal(fetch["stage"], "FETCH");
  assert.equal(fetch["filter"], undefined, "the bounds answer the filter");
  const skip = fetch["inputStage"] as Record<string, unknown>;
  assert.deepEqual([skip["stage"], skip["skipAmount"]], ["SKIP", 100]);
  assert.equal((skip["inputStage"] as Record<string, unknown>)["stage"], "IXSCAN");
  const run = explainTree(q, { nReturned: 10, keysExamined: 110, docsExamined: 10, keysSkipped: 100 });
  const rf = run["inputStage"] as Record<string, unknown>;
  const rs = rf["inputStage"] as Record<string, unknown>;
  const ri = rs["inputStage"] as Record<string, unknown>;
  assert.deepEqual([run["nReturned"], rf["nReturned"], rf["docsExamined"]], [10, 10, 10]);
  assert.deepEqual([rs["nReturned"], ri["nReturned"], ri["keysExamined"]], [10, 110, 110]);
  // covered: no FETCH, the SKIP right over the IXSCAN under the projection
  const covered = explainTree({ ...q, covered: {}, projectionSpec: { _id: 0, a: 1 } }, {
    nReturned: 10,
    keysExamined: 110,
    docsExamined: 0,
    keysSkipped: 100,
  });
  const cl = covered["inputStage"] as Record<string, unknown>;
  const cs = cl["inputStage"] as Record<string, unknown>;
  assert.deepEqual([covered["stage"], cl["stage"], cs["stage"]], ["PROJECTION_COVERED", "LIMIT", "SKIP"]);
  assert.deepEqual((cs["inputStage"] as Record<string, unknown>)["nReturned"], 110);
  // without the flag the SKIP stays above the FETCH
  const above = explainTree({ ...q, skipBeforeFetch: false });
  assert.deepEqual(
    [above["stage"], (above["inputStage"] as Record<string, unknown>)["stage"]],
    ["LIMIT", "SKIP"],
  );
});
