/**
 * Test support: `seededRandom(seed)`, a small seeded generator (mulberry32) returning numbers in
 * [0, 1), so a randomised test's failure reproduces from its seed. Imported by `*_test.ts` files only.
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
