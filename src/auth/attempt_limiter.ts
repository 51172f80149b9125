/**
 * Authentication attempts per peer address: a token bucket each (`perSecond` refill, burst of ten
 * seconds' worth). Past it an attempt is refused without any work; refusals are reported to
 * `onLimited` at most once per 10 s per address, with the count since. Buckets idle long enough to
 * be full again are forgotten, so the map stays small. Injected clock for tests.
 */
export class AttemptLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #onLimited: (addr: string, refused: number) => void;
  readonly #buckets = new Map<string, { tokens: number; at: number; refused: number; loggedAt: number }>();

  constructor(
    perSecond: number,
    onLimited: (addr: string, refused: number) => void,
    now: () => number = () => performance.now(),
  ) {
    this.#rate = perSecond;
    this.#burst = perSecond * 10;
    this.#onLimited = onLimited;
    this.#now = now;
  }

  /** Takes one attempt for `addr`; false when over the limit. */
  take(addr: string): boolean {
    if (this.#rate <= 0) return true;
    const now = this.#now();
    let b = this.#buckets.get(addr);
    if (!b) {
      if (this.#buckets.size > 10_000) this.#sweep(now);
      this.#buckets.set(addr, b = { tokens: this.#burst, at: now, refused: 0, loggedAt: -Infinity });
    }
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    b.refused++;
    if (now - b.loggedAt >= 10_000) {
      this.#onLimited(addr, b.refused);
      b.loggedAt = now;
      b.refused = 0;
    }
    return false;
  }

  #sweep(now: number): void {
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(k);
    }
  }
}
