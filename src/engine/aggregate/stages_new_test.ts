import assert from "node:assert/strict";
import { Long } from "bson";
import { compilePipeline } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const people: Doc[] = [
  { _id: 1, name: "Dev" },
  { _id: 2, name: "Eliot", reportsTo: "Dev" },
  { _id: 3, name: "Ron", reportsTo: "Eliot" },
  { _id: 4, name: "Andrew", reportsTo: "Eliot" },
  { _id: 5, name: "Asya", reportsTo: "Ron" },
  { _id: 6, name: "Dan", reportsTo: "Andrew" },
];
const cyclic: Doc[] = [{ _id: "a", to: ["b"] }, { _id: "b", to: ["a", "c"] }, { _id: "c", to: "a" }];
const opts = { resolveCollection: (c: string) => (c === "people" ? people : cyclic) };
const run = (stages: unknown[], docs: Doc[]) => [...compilePipeline(stages, opts).run(docs)];

Deno.test("$graphLookup: chain, maxDepth, depthField, restrictSearchWithMatch", () => {
  const spec = {
    from: "people",
    startWith: "$reportsTo",
    connectFromField: "reportsTo",
    connectToField: "name",
  };
  const out = run([{ $graphLookup: { ...spec, as: "chain", depthField: "d" } }], [people[5]!]);
  const chain = (out[0]!["chain"] as Doc[]).map((d) => [d["name"], Number(d["d"])]);
  assert.deepEqual(chain, [["Andrew", 0], ["Eliot", 1], ["Dev", 2]]);
  assert.ok((out[0]!["chain"] as Doc[])[0]!["d"] instanceof Long);
  assert.equal(people[3]!["d"], undefined, "the foreign documents are not modified");
  const one = run([{ $graphLookup: { ...spec, as: "c", maxDepth: 0 } }], [people[5]!]);
  assert.deepEqual((one[0]!["c"] as Doc[]).map((d) => d["name"]), ["Andrew"]);
  const restricted = run([{
    $graphLookup: { ...spec, as: "c", restrictSearchWithMatch: { name: { $ne: "Eliot" } } },
  }], [people[5]!]);
  assert.deepEqual((restricted[0]!["c"] as Doc[]).map((d) => d["name"]), ["Andrew"]);
  const none = run([{ $graphLookup: { ...spec, as: "c" } }], [people[0]!]);
  assert.deepEqual(none[0]!["c"], []);
});

Deno.test("$graphLookup: cycles end, arrays fan out", () => {
  const out = run([{
    $graphLookup: { from: "cyclic", startWith: "a", connectFromField: "to", connectToField: "_id", as: "r" },
  }], [{ _id: 0 }]);
  assert.deepEqual((out[0]!["r"] as Doc[]).map((d) => d["_id"]), ["a", "b", "c"]);
});

Deno.test("$graphLookup: argument errors", () => {
  const base = { from: "p", startWith: 1, connectFromField: "a", connectToField: "b", as: "x" };
  assertCommandError(() => compilePipeline([{ $graphLookup: { ...base, maxDepth: -1 } }], opts), 40101);
  assertCommandError(() => compilePipeline([{ $graphLookup: { ...base, maxDepth: "1" } }], opts), 40100);
  assertCommandError(() => compilePipeline([{ $graphLookup: { ...base, zz: 1 } }], opts), 40104);
  assertCommandError(() => compilePipeline([{ $graphLookup: { ...base, as: 1 } }], opts), 40103);
  assertCommandError(
    () => compilePipeline([{ $graphLookup: { ...base, restrictSearchWithMatch: 1 } }], opts),
    40185,
  );
  assertCommandError(() => compilePipeline([{ $graphLookup: 5 }], opts), "FailedToParse");
});

Deno.test("$densify: numeric steps with partitions and bounds", () => {
  const docs: Doc[] = [{ p: "a", v: 1 }, { p: "a", v: 4 }, { p: "b", v: 2 }, { x: 1 }];
  const full = run([{
    $densify: { field: "v", partitionByFields: ["p"], range: { step: 1, bounds: "full" } },
  }], docs);
  assert.deepEqual(full.map((d) => [d["p"], d["v"]]), [
    [undefined, undefined],
    ["a", 1],
    ["a", 2],
    ["a", 3],
    ["a", 4],
    ["b", 1],
    ["b", 2],
    ["b", 3],
    ["b", 4],
  ]);
  const part = run([{
    $densify: { field: "v", partitionByFields: ["p"], range: { step: 1, bounds: "partition" } },
  }], docs);
  assert.deepEqual(part.map((d) => d["v"]), [undefined, 1, 2, 3, 4, 2]);
  const bounded = run([{ $densify: { field: "v", range: { step: 2, bounds: [0, 5] } } }], [{ v: 3 }, {
    v: 9,
  }]);
  assert.deepEqual(bounded.map((d) => d["v"]), [0, 2, 3, 4, 9]);
  assertCommandError(
    () => compilePipeline([{ $densify: { field: "v", range: { step: 0, bounds: "full" } } }]),
    "FailedToParse",
  );
  assertCommandError(
    () => [
      ...compilePipeline([{ $densify: { field: "v", range: { step: 1, bounds: "full" } } }]).run([{
        v: "s",
      }]),
    ],
    "TypeMismatch",
  );
});

Deno.test("$densify: dates with a unit", () => {
  const d = (s: string) => new Date(s);
  const out = run([{ $densify: { field: "t", range: { step: 1, unit: "day", bounds: "full" } } }], [
    { t: d("2024-01-01") },
    { t: d("2024-01-04") },
  ]);
  assert.deepEqual(out.map((x) => (x["t"] as Date).toISOString().slice(0, 10)), [
    "2024-01-01",
    "2024-01-02",
    "2024-01-03",
    "2024-01-04",
  ]);
});

Deno.test("$fill: value, locf and linear with partitions", () => {
  const docs: Doc[] = [
    { k: "a", t: 1, v: 10, s: "x" },
    { k: "a", t: 2, v: null },
    { k: "a", t: 3, v: 30 },
    { k: "b", t: 1, v: 5 },
    { k: "b", t: 2 },
  ];
  const out = run([{
    $fill: {
      partitionByFields: ["k"],
      sortBy: { t: 1 },
      output: { v: { method: "linear" }, s: { value: "none" } },
    },
  }], docs);
  assert.deepEqual(out.map((d) => [d["k"], Number(d["v"] ?? NaN), d["s"]]), [
    ["a", 10, "x"],
    ["a", 20, "none"],
    ["a", 30, "none"],
    ["b", 5, "none"],
    ["b", NaN, "none"],
  ]);
  const locf = run(
    [{ $fill: { sortBy: { t: 1 }, partitionBy: "$k", output: { v: { method: "locf" } } } }],
    docs,
  );
  assert.deepEqual(locf.map((d) => d["v"]), [10, 10, 30, 5, 5]);
  assertCommandError(
    () => compilePipeline([{ $fill: { output: { v: { method: "linear" } } } }]),
    "FailedToParse",
  );
});
