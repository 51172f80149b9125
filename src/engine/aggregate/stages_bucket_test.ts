import assert from "node:assert/strict";
import { compilePipeline } from "./mod.ts";
import { MemorySpillStore } from "./memory.ts";
import { PAUSE } from "./pause.ts";
import type { Document as Doc } from "../../bson/document.ts";

// keys of mixed types (numbers, strings, arrays, missing), payload fields sometimes missing
const docs: Doc[] = Array.from({ length: 3000 }, (_, i) => {
  const d: Doc = { _id: i };
  if (i % 11 !== 0) d["g"] = i % 7 === 0 ? "s" + (i % 5) : i % 13 === 0 ? [i % 3, 1] : (i * 37) % 101;
  if (i % 3 !== 0) d["x"] = { v: i % 9 };
  d["y"] = i;
  return d;
});

const plain = {
  n: { $sum: 1 },
  xs: { $push: "$x" },
  r: { $first: "$$ROOT" },
  c: { $count: {} },
  m: { $max: "$y" },
};
// the same accumulators through expressions that are not plain (evaluated at cut time, documents held)
const computed = {
  n: { $sum: { $add: [0, 1] } },
  xs: { $push: { $cond: [true, "$x", 0] } },
  r: { $first: { $cond: [true, "$$ROOT", 0] } },
  c: { $sum: { $literal: 1 } },
  m: { $max: { $add: ["$y", 0] } },
};

const run = (output: Doc, buckets: number, opts: Record<string, unknown> = {}, input: Iterable<Doc> = docs) =>
  [
    ...compilePipeline([{ $bucketAuto: { groupBy: "$g", buckets, output } }], opts).run(input),
  ].filter((d) => d !== PAUSE);

Deno.test("$bucketAuto: plain arguments (values held) and computed ones (documents held) agree", () => {
  for (const b of [1, 3, 7, 50, 5000]) {
    const a = run(plain, b);
    const c = run(computed, b);
    assert.deepEqual(a, c, `buckets ${b}`);
    assert.equal(a.reduce((s, d) => s + (d["n"] as number), 0), docs.length);
  }
  assert.equal(run(plain, 1)[0]!["n"], docs.length);
});

Deno.test("$bucketAuto: spilled rows (runs in a spill store) give the same buckets, missing values stay missing", () => {
  for (const output of [plain, computed]) {
    const spill = new MemorySpillStore();
    const out = run(output, 7, { memoryLimitBytes: 20_000, spill });
    assert.ok(spill.runs > 0);
    assert.deepEqual(out, run(output, 7));
    // $push skipped the missing x: 2000 values over all buckets, none null
    const xs = out.flatMap((d) => d["xs"] as unknown[]);
    assert.equal(xs.length, 2000);
    assert.ok(xs.every((x) => x !== null && x !== undefined));
  }
});

Deno.test("$bucketAuto: pauses pass through and a big input is sorted in chunks", () => {
  const many: Doc[] = Array.from({ length: 40_000 }, (_, i) => ({ _id: i, g: (i * 7919) % 4001 }));
  function* paused(): Generator<Doc> {
    for (let i = 0; i < many.length; i++) {
      if (i % 1000 === 0) yield PAUSE;
      yield many[i]!;
    }
  }
  const stage = [{ $bucketAuto: { groupBy: "$g", buckets: 4 } }];
  const withPauses = [...compilePipeline(stage).run(paused())];
  const pauses = withPauses.filter((d) => d === PAUSE).length;
  assert.ok(pauses > 40, `pauses ${pauses}`);
  assert.deepEqual(withPauses.filter((d) => d !== PAUSE), [...compilePipeline(stage).run(many)]);
  const out = withPauses.filter((d) => d !== PAUSE);
  // ~10 documents a value: 10,000 a bucket, extended over the equal keys; max = the next bucket's min
  assert.deepEqual(out.map((d) => d["_id"]), [
    { min: 0, max: 1001 },
    { min: 1001, max: 2001 },
    { min: 2001, max: 3001 },
    { min: 3001, max: 4000 },
  ]);
  assert.equal(out.reduce((s, d) => s + (d["count"] as number), 0), many.length);
});
