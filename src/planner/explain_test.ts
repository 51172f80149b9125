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
