/**
 * Shared by the in-memory engine benchmarks: a seeded synthetic document set (decoded the way the
 * server decodes stored documents) and a best-of-5 timer that prints a rate.
 */
import { BSON, Long, ObjectId } from "bson";
import { decodeDocument } from "../../src/bson/decode.ts";

/** `--docs N` from the command line, else `fallback`. */
export function docsArg(fallback = 100_000): number {
  const i = Deno.args.indexOf("--docs");
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

const CITIES = ["Oslo", "Lima", "Pune", "Kyiv", "Perth", "Quito", "Riga", "Sofia"];

/** `n` documents from a fixed seed; `extra(i, rand)` adds bench-specific fields. */
export function syntheticDocs(
  n: number,
  extra: (i: number, rand: () => number) => Record<string, unknown> = () => ({}),
): Record<string, unknown>[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  return Array.from({ length: n }, (_, i) =>
    decodeDocument(BSON.serialize({
      _id: new ObjectId(),
      n: i,
      age: Math.floor(rand() * 90),
      score: rand() * 100,
      city: CITIES[Math.floor(rand() * CITIES.length)],
      big: Long.fromNumber(i * 1000),
      tags: ["a", "b", "c"].filter(() => rand() < 0.5),
      ...extra(i, rand),
    })));
}

/** Runs `fn` once to warm up, then 5 times; prints the best time and the rate of `count` units. */
export function time(label: string, count: number, unit: string, fn: () => unknown): void {
  fn();
  let best = Infinity;
  let result: unknown;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    result = fn();
    best = Math.min(best, performance.now() - t0);
  }
  const rate = Math.round(count / (best / 1000));
  console.log(
    `${label.padEnd(46)} ${best.toFixed(1).padStart(8)} ms  ${
      rate.toLocaleString("en-US").padStart(13)
    } ${unit}/s` +
      (typeof result === "number" ? `  (result ${result})` : ""),
  );
}
