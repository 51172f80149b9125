/**
 * Differential tests of the I/O thread's answers (point reads, indexed finds, updates, deletes): a test
 * against two servers — one with the fast path on, one with it off (`open(false)`) — and a seeded
 * generator, so a failing request can be replayed.
 */

/** A server a pair test talks to. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * A Deno test named `name` against `open(true)` and `open(false)` (`sides`: both, in that order; `fast` the first),
 * both closed afterwards.
 */
export function pairTest<S extends Closable>(
  open: (fast: boolean) => Promise<S>,
  name: string,
  fn: (sides: S[], fast: S) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const fast = await open(true);
      const off = await open(false);
      try {
        await fn([fast, off], fast);
      } finally {
        await fast.close();
        await off.close();
      }
    },
  });
}

/** A deterministic generator of numbers in [0, 1) (xorshift32; tests repeat). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}
