import assert from "node:assert/strict";
import { Decimal128, Double, Long } from "bson";
import { compilePipeline, PAUSE } from "./mod.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { compileFilter } from "../query/filter.ts";
import type { Document as Doc } from "../../bson/document.ts";

/** Runs a pipeline the way the command layer does: leadingMatch through the query engine. */
function run(stages: unknown[], docs: Doc[], opts: { collation?: unknown } = {}): Doc[] {
  const p = compilePipeline(stages, opts);
  const m = compileFilter(p.leadingMatch, { collation: opts.collation });
  return [...p.run(docs.filter((d) => m.matches(d)))];
}

const people: Doc[] = [
  { _id: 1, name: "ann", age: 30, city: "Oslo", tags: ["a", "b"] },
  { _id: 2, name: "bob", age: 25, city: "Lima", tags: [] },
  { _id: 3, name: "cy", age: 35, city: "Oslo" },
  { _id: 4, name: "di", age: 25, city: "Pune", tags: ["c"] },
];

Deno.test("countDocuments pipeline from the Node driver", () => {
  const p = compilePipeline([{ $match: { city: "Oslo" } }, { $group: { _id: 1, n: { $sum: 1 } } }]);
  assert.deepEqual(p.leadingMatch, { city: "Oslo" });
  assert.deepEqual(p.stageNames, ["$match", "$group"]);
  assert.deepEqual([...p.run(people.filter((d) => d["city"] === "Oslo"))], [{ _id: 1, n: 2 }]);
  assert.deepEqual([...p.run([])], []);
  const q = compilePipeline([
    { $match: {} },
    { $skip: 1 },
    { $limit: 2 },
    { $group: { _id: 1, n: { $sum: 1 } } },
  ]);
  assert.equal(q.leadingSkip, 1);
  assert.equal(q.leadingLimit, 2);
  assert.deepEqual([...q.run(people)], [{ _id: 1, n: 2 }]);
  assert.deepEqual([...q.run(people.slice(1, 3), { prefixApplied: true })], [{ _id: 1, n: 2 }]);
});

Deno.test("leading $match stages merge", () => {
  const p = compilePipeline([{ $match: { a: 1 } }, { $match: { b: 2 } }, { $sort: { a: 1 } }, {
    $project: { a: 1 },
  }]);
  assert.deepEqual(p.leadingMatch, { $and: [{ a: 1 }, { b: 2 }] });
  assert.deepEqual(p.leadingSort, { a: 1 });
  assert.equal(run([{ $match: { age: { $gt: 26 } } }, { $count: "n" }], people)[0]?.["n"], 2);
});

Deno.test("stage validation errors", () => {
  assertCommandError(() => compilePipeline([{ $match: {}, $skip: 1 }]), 40323);
  assertCommandError(() => compilePipeline([{}]), 40323);
  assertCommandError(() => compilePipeline([{ $foo: 1 }]), 40324, "Unrecognized pipeline stage name: '$foo'");
  assertCommandError(() => compilePipeline([1]), "TypeMismatch");
  assertCommandError(() => compilePipeline([{ $group: { n: { $sum: 1 } } }]), 15955);
  assertCommandError(
    () => compilePipeline([{ $group: { _id: 1, n: { $foo: 1 } } }]),
    15952,
    "unknown group operator '$foo'",
  );
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, n: 1 } }]), 40234);
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, n: { $sum: 1, $max: 1 } } }]), 40238);
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, "a.b": { $sum: 1 } } }]), 40235);
  assertCommandError(() => compilePipeline([{ $group: { _id: 1, n: { $sum: [1, 2] } } }]), 40237);
  assertCommandError(() => compilePipeline([{ $skip: -1 }]), 5107200);
  assertCommandError(() => compilePipeline([{ $limit: 0 }]), 15958);
  assertCommandError(() => compilePipeline([{ $sort: {} }]), 15976);
  assertCommandError(() => compilePipeline([{ $count: "" }]), 40156);
  assertCommandError(() => compilePipeline([{ $project: {} }]), 51272);
  assertCommandError(() => compilePipeline([{ $project: { a: 1, b: 0 } }]), 31254);
  assertCommandError(() => compilePipeline([{ $project: { a: 0, b: 1 } }]), 31253);
  assertCommandError(() => compilePipeline([{ $project: { a: 1, "a.b": 1 } }]), 31250);
  assertCommandError(() => compilePipeline([{ $unwind: "a" }]), 28818);
  assertCommandError(() => compilePipeline([{ $project: { a: { $foo: 1 } } }]), "InvalidPipelineOperator");
  assertCommandError(() => compilePipeline([{ $match: { $foo: 1 } }]), "BadValue");
  assertCommandError(() => compilePipeline([{ $graphLookup: {} }]), 40105);
  assertCommandError(() => compilePipeline([{ $search: {} }]), "SearchNotEnabled");
});

Deno.test("$group accumulators and types", () => {
  const docs: Doc[] = [
    { g: "x", v: 1 },
    { g: "x", v: 2.5 },
    { g: "y", v: Long.fromNumber(7) },
    { g: "y", v: "str" },
    { g: "z" },
    { v: 2147483647 },
    { g: null, v: 1 },
  ];
  const out = run([{
    $group: {
      _id: "$g",
      s: { $sum: "$v" },
      a: { $avg: "$v" },
      mn: { $min: "$v" },
      mx: { $max: "$v" },
      f: { $first: "$v" },
      l: { $last: "$v" },
      p: { $push: "$v" },
      c: { $count: {} },
    },
  }], docs);
  assert.deepEqual(out.map((d) => d["_id"]), ["x", "y", "z", null]);
  assert.deepEqual(out[0], { _id: "x", s: 3.5, a: 1.75, mn: 1, mx: 2.5, f: 1, l: 2.5, p: [1, 2.5], c: 2 });
  assert.deepEqual(out[1]?.["s"], Long.fromNumber(7));
  assert.deepEqual(out[1]?.["a"], new Double(7));
  assert.deepEqual(out[1]?.["mx"], "str");
  assert.deepEqual(out[2], { _id: "z", s: 0, a: null, mn: null, mx: null, f: null, l: null, p: [], c: 1 });
  assert.deepEqual(out[3]?.["s"], Long.fromNumber(2147483648));
});

Deno.test("$group keys compare numerically and by document", () => {
  const docs: Doc[] = [
    { k: 1 },
    { k: 1.0 },
    { k: Long.fromNumber(1) },
    { k: Decimal128.fromString("1.00") },
    {
      k: { a: 1, b: 2 },
    },
    { k: { b: 2, a: 1 } },
    { k: [1, 2] },
  ];
  const out = run([{ $group: { _id: "$k", n: { $sum: 1 }, set: { $addToSet: "$k" } } }], docs);
  assert.deepEqual(out.map((d) => d["n"]), [4, 1, 1, 1]);
  assert.equal((out[0]?.["set"] as unknown[]).length, 1);
  assert.deepEqual(run([{ $group: { _id: { c: "$city" }, n: { $sum: 1 } } }], people).length, 3);
});

Deno.test("$project inclusion, exclusion, computed, nested and arrays", () => {
  const d: Doc = { _id: 1, a: { b: 1, c: 2 }, x: [{ b: 1, c: 1 }, 5, { c: 2 }], s: 3 };
  assert.deepEqual(run([{ $project: { "a.b": 1, s: 1 } }], [d]), [{ _id: 1, a: { b: 1 }, s: 3 }]);
  assert.deepEqual(run([{ $project: { _id: 0, "x.b": 1 } }], [d]), [{ x: [{ b: 1 }, {}] }]);
  assert.deepEqual(run([{ $project: { "x.b": 0, a: 0 } }], [d]), [{
    _id: 1,
    x: [{ c: 1 }, 5, { c: 2 }],
    s: 3,
  }]);
  assert.deepEqual(run([{ $project: { t: { $add: ["$s", 1] }, s: 1, _id: 0 } }], [d]), [{ s: 3, t: 4 }]);
  assert.deepEqual(run([{ $project: { a: { b: 1, z: "$s" } } }], [d]), [{ _id: 1, a: { b: 1, z: 3 } }]);
  assert.deepEqual(run([{ $project: { lit: "hello", arr: ["$s", "$nope"], _id: 0 } }], [d]), [{
    lit: "hello",
    arr: [3, null],
  }]);
  assert.deepEqual(run([{ $project: { s: 1, _id: 1 } }], [{ s: 1, _id: 2 }]), [{ s: 1, _id: 2 }]);
  assert.deepEqual(run([{ $project: { s: 1, _id: "$s" } }], [{ _id: 2, s: 1 }]), [{ _id: 1, s: 1 }]);
  assert.deepEqual(Object.keys(run([{ $project: { s: 1, _id: "$s" } }], [{ _id: 2, s: 1 }])[0] ?? {}), [
    "_id",
    "s",
  ]);
});

Deno.test("$addFields / $set / $unset", () => {
  const d: Doc = { _id: 1, a: { b: 1 }, arr: [{ q: 1 }, 2], n: 5 };
  assert.deepEqual(run([{ $addFields: { "a.c": "$n", m: { $multiply: ["$n", 2] } } }], [d]), [
    { _id: 1, a: { b: 1, c: 5 }, arr: [{ q: 1 }, 2], n: 5, m: 10 },
  ]);
  assert.deepEqual(run([{ $set: { "arr.z": 1, n: "$$REMOVE" } }], [d]), [
    { _id: 1, a: { b: 1 }, arr: [{ q: 1, z: 1 }, { z: 1 }] },
  ]);
  assert.deepEqual(run([{ $set: { a: { c: 2 } } }], [d])[0]?.["a"], { b: 1, c: 2 });
  assert.deepEqual(run([{ $unset: ["a.b", "n"] }], [d]), [{ _id: 1, a: {}, arr: [{ q: 1 }, 2] }]);
  assert.deepEqual(run([{ $unset: "arr" }], [d]), [{ _id: 1, a: { b: 1 }, n: 5 }]);
});

Deno.test("$unwind forms", () => {
  const docs: Doc[] = [{ _id: 1, a: [1, 2] }, { _id: 2, a: [] }, { _id: 3, a: null }, { _id: 4 }, {
    _id: 5,
    a: 9,
  }];
  assert.deepEqual(run([{ $unwind: "$a" }], docs), [{ _id: 1, a: 1 }, { _id: 1, a: 2 }, { _id: 5, a: 9 }]);
  assert.deepEqual(
    run([{ $unwind: { path: "$a", includeArrayIndex: "i", preserveNullAndEmptyArrays: true } }], docs),
    [
      { _id: 1, a: 1, i: Long.fromNumber(0) },
      { _id: 1, a: 2, i: Long.fromNumber(1) },
      { _id: 2, i: null },
      { _id: 3, a: null, i: null },
      { _id: 4, i: null },
      { _id: 5, a: 9, i: null },
    ],
  );
  assert.deepEqual(run([{ $unwind: "$x.y" }], [{ x: { y: [1, 2], z: 0 } }]), [{ x: { y: 1, z: 0 } }, {
    x: { y: 2, z: 0 },
  }]);
});

Deno.test("$sort $skip $limit $count $sortByCount $replaceRoot", () => {
  assert.deepEqual(
    run([{ $sort: { age: -1, _id: 1 } }, { $skip: 1 }, { $limit: 2 }, { $project: { _id: 1 } }], people),
    [
      { _id: 1 },
      { _id: 2 },
    ],
  );
  assert.deepEqual(run([{ $sortByCount: "$city" }], people), [{ _id: "Oslo", count: 2 }, {
    _id: "Lima",
    count: 1,
  }, {
    _id: "Pune",
    count: 1,
  }]);
  assert.deepEqual(run([{ $replaceRoot: { newRoot: { n: "$name" } } }, { $limit: 1 }], people), [{
    n: "ann",
  }]);
  assert.deepEqual(run([{ $replaceWith: "$$ROOT" }, { $count: "c" }], people), [{ c: 4 }]);
  assertCommandError(() => run([{ $replaceWith: "$age" }], people), 40228);
  assert.deepEqual(run([{ $count: "c" }], []), []);
});

Deno.test("collation reaches $match, $sort and $group", () => {
  const docs: Doc[] = [{ s: "a" }, { s: "A" }, { s: "b" }];
  const collation = { locale: "en", strength: 2 };
  assert.deepEqual(run([{ $group: { _id: "$s", n: { $sum: 1 } } }], docs, { collation }).length, 2);
  assert.deepEqual(run([{ $match: { s: "a" } }, { $count: "n" }], docs, { collation }), [{ n: 2 }]);
});

Deno.test("pipeline: PAUSE markers in the input pass out mid-$group and do not change the result", () => {
  const input: Record<string, unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    input.push({ g: i % 2, v: i });
    if (i % 3 === 2) input.push(PAUSE);
  }
  const p = compilePipeline([
    { $match: { v: { $gte: 0 } } },
    { $project: { g: 1, v: 1 } },
    { $group: { _id: "$g", s: { $sum: "$v" } } },
    { $sort: { _id: 1 } },
  ]);
  const out = [...p.run(input)];
  const pauses = out.filter((d) => d === PAUSE).length;
  assertEquals(pauses, 3);
  assertEquals(out.filter((d) => d !== PAUSE), [{ _id: 0, s: 20 }, { _id: 1, s: 25 }]);
});

Deno.test("pipeline: $skip/$limit do not count PAUSE; $bucket and $redact pass them on", () => {
  const input = [{ a: 1 }, PAUSE, { a: 2 }, PAUSE, { a: 3 }, { a: 4 }];
  const out = [...compilePipeline([{ $skip: 1 }, { $limit: 2 }]).run(input)].filter((d) => d !== PAUSE);
  assertEquals(out, [{ a: 2 }, { a: 3 }]);
  const bucket = [...compilePipeline([{ $bucket: { groupBy: "$a", boundaries: [0, 10] } }]).run(input)];
  assertEquals(bucket, [PAUSE, PAUSE, { _id: 0, count: 4 }]); // $bucket passes them on now
  const redact = [...compilePipeline([{ $redact: "$$KEEP" }]).run(input)];
  assertEquals(redact, input); // $redact passes them on now (issue 15: maxTimeMS inside $redact)
});

function assertEquals(a: unknown, b: unknown): void {
  assert.deepStrictEqual(a, b);
}
