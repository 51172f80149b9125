/**
 * group_cost.ts — what one `$group` group costs the JS heap, for the stage's memory budget
 * (memory.ts): a fixed part (map entry, group object, accumulator array), each accumulator's state by
 * operator, and the key (the `_id` value plus the map's string key).
 *
 * The figures are measured, not guessed: `deno run -A --v8-flags=--expose-gc bench/group_heap.ts`
 * holds 100,000 groups of each shape and divides the heap growth (after a full GC) by the groups. An
 * integer key with no accumulator costs ~135 B; each accumulator adds the amount below (its state is
 * an object with closures over its running values). A collecting accumulator's values ($push …) are
 * charged as they arrive, by `approxValueSize`, on top of the figure here. Pure.
 */

/** Map entry, group object and its accumulator array, beside the key. */
export const GROUP_OVERHEAD = 88;

/** Measured heap bytes of one accumulator state, by operator (values it collects not included). */
const ACC_COST: Readonly<Record<string, number>> = {
  $sum: 336,
  $avg: 336,
  $count: 304,
  $min: 232,
  $max: 232,
  $first: 240,
  $last: 232,
  $push: 392,
  $addToSet: 696,
  $stdDevPop: 248,
  $stdDevSamp: 248,
  $mergeObjects: 240,
  $top: 832,
  $bottom: 832,
  $topN: 832,
  $bottomN: 832,
  $firstN: 632,
  $lastN: 632,
  $maxN: 672,
  $minN: 672,
  $median: 672,
  $percentile: 616,
};

/** An accumulator not measured (e.g. `$accumulator`): as much as `$sum`, the costliest scalar one. */
const DEFAULT_ACC_COST = 336;

/** Heap bytes one group's state of accumulator `op` costs. */
export function accumulatorCost(op: string): number {
  return ACC_COST[op] ?? DEFAULT_ACC_COST;
}

/** Heap bytes of the map's string key of a group (`valueKey`): a string header and its characters, twice (V8 keeps the concatenation it was built from until flattened). */
export function groupKeyCost(key: string): number {
  return 16 + 2 * key.length;
}
