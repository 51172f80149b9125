/**
 * Test support: `seededRandom(seed)`, a small seeded generator (mulberry32) returning numbers in
 * [0, 1), so a randomised test's failure reproduces from its seed, and `pick` from a list with it. Imported by
 * `*_test.ts` files only.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `xs`, chosen by the generator `r` (a `seededRandom`). */
export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
