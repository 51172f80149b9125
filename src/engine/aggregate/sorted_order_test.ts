import assert from "node:assert/strict";
import { sortedOrder } from "./sorted_order.ts";
import { PAUSE } from "./pause.ts";

function run(keys: number[], pausing: boolean): { order: number[]; pauses: number } {
  const order: number[] = [];
  let pauses = 0;
  for (const x of sortedOrder(keys.length, (a, b) => keys[a]! - keys[b]!, pausing)) {
    if (x === PAUSE) pauses++;
    else order.push(x as number);
  }
  return { order, pauses };
}

function expected(keys: number[]): number[] {
  return keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

Deno.test("sortedOrder: positions by key, ties in input order", () => {
  const keys = [3, 1, 2, 1, 3, 0];
  assert.deepEqual(run(keys, false), { order: [5, 1, 3, 2, 0, 4], pauses: 0 });
  assert.deepEqual(run(keys, true).order, [5, 1, 3, 2, 0, 4]);
  assert.deepEqual(run([], true), { order: [], pauses: 0 });
});

Deno.test("sortedOrder: a big sort with pauses is chunked and merged, stable", () => {
  let seed = 7;
  const keys = Array.from({ length: 100_003 }, () => (seed = (seed * 48271) % 2147483647) % 5000);
  const paused = run(keys, true);
  assert.deepEqual(paused.order, expected(keys));
  assert.ok(paused.pauses >= 13 + 24, `pauses ${paused.pauses}`); // a pause per chunk, then per 4096 merged
  const whole = run(keys, false);
  assert.equal(whole.pauses, 0);
  assert.deepEqual(whole.order, paused.order);
});
