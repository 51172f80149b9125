import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { mergeSorted } from "./merge_sorted.ts";

const num = (a: number, b: number) => a - b;

Deno.test("mergeSorted: merges sorted sources in order", () => {
  const runs = [[1, 4, 9], [2, 3, 10, 11], [], [0, 5]];
  assertEquals([...mergeSorted(runs.map((r) => r.values()), num)], [0, 1, 2, 3, 4, 5, 9, 10, 11]);
});

Deno.test("mergeSorted: ties go to the earlier source", () => {
  const runs = [[{ k: 1, s: "a" }, { k: 2, s: "a" }], [{ k: 1, s: "b" }, { k: 2, s: "b" }], [{
    k: 1,
    s: "c",
  }]];
  const out = [...mergeSorted(runs.map((r) => r.values()), (x, y) => x.k - y.k)];
  assertEquals(out.map((x) => `${x.k}${x.s}`), ["1a", "1b", "1c", "2a", "2b"]);
});

Deno.test("mergeSorted: random runs equal one sort", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 50; round++) {
    const runs: number[][] = [];
    const k = 1 + Math.floor(rnd() * 9);
    for (let i = 0; i < k; i++) {
      runs.push(Array.from({ length: Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 20)).sort(num));
    }
    const all = runs.flat().sort(num);
    assertEquals([...mergeSorted(runs.map((r) => r.values()), num)], all);
  }
});
