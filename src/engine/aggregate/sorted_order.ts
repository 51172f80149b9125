/**
 * sorted_order.ts — the sorted order of `n` in-memory rows as their positions, for blocking stages
 * that sort keys rather than documents (`$bucketAuto`). PURE.
 *
 * Stable (ties keep input order). When the caller handles pauses and the rows are many, they are
 * sorted in chunks with a `PAUSE` after each and the chunks merged with a `PAUSE` every few thousand
 * rows, so one big sort never holds the event loop (as `externalSort` does with its in-memory rest).
 */
import { PAUSE } from "./pause.ts";
import { mergeSorted } from "../../executor/merge_sorted.ts";

/** Rows per chunk of a big sort when the caller handles pauses. */
const CHUNK = 8_192;
/** The merge offers a pause every this many rows. */
const MERGE_PAUSE_EVERY = 4_096;

/**
 * Positions 0…n-1 in the order of `cmp` (ties by position), as a generator that may yield `PAUSE`
 * (only when `pausing`): one sort of them all when they are few or the caller does not pause.
 */
export function* sortedOrder(
  n: number,
  cmp: (a: number, b: number) => number,
  pausing: boolean,
): Generator<number | typeof PAUSE> {
  const byPos = (a: number, b: number) => cmp(a, b) || a - b;
  const range = (from: number, to: number): number[] => {
    const idx = new Array<number>(to - from);
    for (let j = from; j < to; j++) idx[j - from] = j;
    return idx.sort(byPos);
  };
  if (!pausing || n <= 4 * CHUNK) {
    yield* range(0, n);
    return;
  }
  const chunks: number[][] = [];
  for (let at = 0; at < n; at += CHUNK) {
    chunks.push(range(at, Math.min(n, at + CHUNK)));
    yield PAUSE;
  }
  let out = 0;
  for (const pos of mergeSorted(chunks.map((c) => c.values()), byPos)) {
    yield pos;
    if (++out % MERGE_PAUSE_EVERY === 0) yield PAUSE;
  }
}
