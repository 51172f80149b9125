import assert from "node:assert/strict";
import { compilePipeline } from "./mod.ts";
import { accumulatorCost, GROUP_OVERHEAD, groupKeyCost } from "./group_cost.ts";
import { valueKey } from "./group_key.ts";
import type { Document } from "./types.ts";

const SPEC = { _id: "$_id", n: { $sum: 1 }, k: { $max: "$k" } };
/** Two-digit integer keys: every key string is "#NN". */
const docs = (n: number): Document[] => Array.from({ length: n }, (_, i) => ({ _id: 10 + i, k: i / 2 }));
const perGroup = GROUP_OVERHEAD + accumulatorCost("$sum") + accumulatorCost("$max") + 16 +
  groupKeyCost(valueKey(10));

Deno.test("group cost: measured figures per accumulator, a default for the unmeasured", () => {
  assert.equal(accumulatorCost("$sum"), 336);
  assert.equal(accumulatorCost("$max"), 232);
  assert.equal(accumulatorCost("$accumulator"), 336);
  assert.equal(groupKeyCost("#10"), 22);
  assert.equal(perGroup, 88 + 336 + 232 + 16 + 22);
});

Deno.test("$group charges each group's measured cost while it holds it, and releases it at the end", () => {
  let charged = 0;
  let atEnd = 0;
  const p = compilePipeline([{ $group: SPEC }], { onMemory: (d) => charged += d });
  function* input() {
    yield* docs(50);
    yield { _id: 10, k: 99 }; // an existing group: no new charge
    atEnd = charged;
  }
  const out = [...p.run(input())];
  assert.equal(out.length, 50);
  assert.equal(atEnd, 50 * perGroup);
  assert.equal(charged, 0);
});

Deno.test("$group without disk use fails with 292 once the groups' charge passes the limit", () => {
  const run = (n: number) =>
    [
      ...compilePipeline([{ $group: SPEC }], { memoryLimitBytes: 5 * perGroup, allowDiskUse: false })
        .run(docs(n)),
    ].length;
  assert.equal(run(5), 5);
  assert.throws(() => run(6), (e: Error & { code?: number }) => e.code === 292);
});
