import assert from "node:assert/strict";
import { Double } from "bson";
import { compilePipeline } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const run = (stages: unknown[], docs: Doc[]) => [...compilePipeline(stages).run(docs)];
const scores: Doc[] = [
  { g: "a", p: "x", s: 3 },
  { g: "a", p: "y", s: 9 },
  { g: "a", p: "z", s: 9 },
  { g: "a", p: "w" },
  { g: "b", p: "v", s: 1 },
];

Deno.test("$group: $firstN/$lastN/$maxN/$minN, n from the group key", () => {
  const out = run([{
    $group: {
      _id: { g: "$g" },
      f: { $firstN: { input: "$s", n: 2 } },
      l: { $lastN: { input: "$s", n: 2 } },
      mx: { $maxN: { input: "$s", n: { $cond: [{ $eq: ["$g", "a"] }, 2, 1] } } },
      mn: { $minN: { input: "$s", n: 5 } },
    },
  }], scores);
  assert.deepEqual(out[0], { _id: { g: "a" }, f: [3, 9], l: [9, null], mx: [9, 9], mn: [3, 9, 9] });
  assert.deepEqual(out[1], { _id: { g: "b" }, f: [1], l: [1], mx: [1], mn: [1] });
  assertCommandError(
    () => run([{ $group: { _id: 1, x: { $firstN: { input: 1, n: -1 } } } }], scores),
    5787908,
  );
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, x: { $firstN: 1 } } }]), 5787801);
  assertCommandError(
    () => compilePipeline([{ $group: { _id: 1, x: { $maxN: { input: 1, n: 1, z: 1 } } } }]),
    5787901,
  );
});

Deno.test("$group: $top/$bottom/$topN/$bottomN order by sortBy, ties keep the first seen", () => {
  const out = run([{
    $group: {
      _id: "$g",
      t: { $top: { output: "$p", sortBy: { s: -1 } } },
      b: { $bottom: { output: "$p", sortBy: { s: -1 } } },
      tn: { $topN: { output: ["$p", "$s"], sortBy: { s: -1 }, n: 2 } },
      bn: { $bottomN: { output: "$p", sortBy: { s: -1 }, n: 2 } },
    },
  }], scores);
  assert.deepEqual(out[0], { _id: "a", t: "y", b: "w", tn: [["y", 9], ["z", 9]], bn: ["x", "w"] });
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, x: { $top: { output: 1 } } } }]), 5788005);
  assertCommandError(
    () => compilePipeline([{ $group: { _id: 1, x: { $topN: { output: 1, sortBy: {} } } } }]),
    5788003,
  );
  assertCommandError(
    () => compilePipeline([{ $group: { _id: 1, x: { $top: { output: 1, sortBy: { a: 1 }, n: 1 } } } }]),
    5788002,
  );
});

Deno.test("$group: $median and $percentile", () => {
  const out = run([{
    $group: {
      _id: null,
      m: { $median: { input: "$s", method: "approximate" } },
      p: { $percentile: { input: "$s", p: [0.25, 1], method: "approximate" } },
    },
  }], scores);
  assert.deepEqual(out[0], { _id: null, m: new Double(3), p: [new Double(1), new Double(9)] });
  assertCommandError(
    () => compilePipeline([{ $group: { _id: 1, m: { $median: { input: 1 } } } }]),
    "IDLFailedToParse",
  );
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, m: { $median: 1 } } }]), 7429703);
});

Deno.test("$bucket output can use the N accumulators", () => {
  const out = run([{
    $bucket: { groupBy: "$s", boundaries: [0, 5, 10], output: { top: { $maxN: { input: "$p", n: 1 } } } },
  }], scores.slice(0, 3));
  assert.deepEqual(out, [{ _id: 0, top: ["x"] }, { _id: 5, top: ["z"] }]);
});

const series: Doc[] = [
  { k: "a", t: 0, v: 0 },
  { k: "a", t: 1, v: null },
  { k: "a", t: 2, v: 4 },
  { k: "a", t: 4, v: 8 },
  { k: "b", t: 0, v: 1 },
];

Deno.test("$setWindowFields: $derivative, $integral, $linearFill, $locf, $expMovingAvg, $shift", () => {
  const out = run([{
    $setWindowFields: {
      partitionBy: "$k",
      sortBy: { t: 1 },
      output: {
        d: { $derivative: { input: "$v" }, window: { documents: [-1, 0] } },
        i: { $integral: { input: "$v" }, window: { documents: ["unbounded", "current"] } },
        lf: { $linearFill: "$v" },
        lo: { $locf: "$v" },
        e: { $expMovingAvg: { input: "$v", alpha: 0.5 } },
      },
    },
  }], series);
  assert.deepEqual(out.map((d) => d["lf"]), [0, new Double(2), 4, 8, 1]);
  assert.deepEqual(out.map((d) => d["lo"]), [0, 0, 4, 8, 1]);
  assert.deepEqual(out.map((d) => Number(d["e"])), [0, 0, 2, 5, 1]);
  assert.deepEqual(out.map((d) => d["d"] === null ? null : Number(d["d"])), [null, null, null, 2, null]);
  assert.deepEqual(out.map((d) => Number(d["i"])), [0, 0, 0, 12, 0]);
});

Deno.test("$setWindowFields: covariance, N accumulators and calendar ranges; $mergeObjects refused", () => {
  const out = run([{
    $setWindowFields: {
      sortBy: { t: 1 },
      output: {
        c: { $covariancePop: ["$t", "$t"], window: { documents: ["unbounded", "unbounded"] } },
        top: {
          $topN: { n: 2, output: "$t", sortBy: { t: -1 } },
          window: { documents: ["unbounded", "current"] },
        },
        run: { $push: "$t", window: { documents: ["unbounded", "current"] } },
      },
    },
  }], [{ t: 1 }, { t: 2 }, { t: 3 }]);
  assert.deepEqual(out.map((d) => Number(d["c"])), [2 / 3, 2 / 3, 2 / 3]);
  assert.deepEqual(out.map((d) => d["top"]), [[1], [2, 1], [3, 2]]);
  assert.deepEqual(out.map((d) => d["run"]), [[1], [1, 2], [1, 2, 3]]);
  const months = run([{
    $setWindowFields: {
      sortBy: { d: 1 },
      output: { n: { $count: {}, window: { range: [-1, "current"], unit: "month" } } },
    },
  }], [{ d: new Date("2024-01-31") }, { d: new Date("2024-02-29") }, { d: new Date("2024-04-15") }]);
  assert.deepEqual(months.map((d) => d["n"]), [1, 2, 1]);
  assertCommandError(
    () => compilePipeline([{ $setWindowFields: { output: { m: { $mergeObjects: "$a" } } } }]),
    "FailedToParse",
  );
  assertCommandError(
    () =>
      compilePipeline([{
        $setWindowFields: { sortBy: { a: 1 }, output: { m: { $locf: "$a", window: { documents: [0, 1] } } } },
      }]),
    5371601,
  );
});
