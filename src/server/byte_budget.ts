/**
 * A server-wide budget of bytes for large incoming messages, shared by every connection's
 * {@link FrameReader}. Reading a message larger than a connection's small read buffer first reserves
 * its length here; when the budget is spent the reader waits (FIFO) before allocating and reading
 * the rest, so many large messages arriving at once are read a few at a time (backpressure: their
 * bytes stay in the kernel and the clients' send buffers) instead of all being allocated together.
 * The reservation is returned when the connection has finished with the request.
 *
 * One message larger than the whole budget is still admitted when nothing else is reserved, so any
 * legal message (up to maxMessageSizeBytes) can be read.
 */
export class ByteBudget {
  #used = 0;
  readonly #waiters: Array<{ n: number; grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Bytes reserved now. */
  get used(): number {
    return this.#used;
  }

  /** Reservations waiting for room. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Reserve `n` bytes, waiting for room (FIFO) when the budget is spent. */
  acquire(n: number): Promise<void> {
    if (this.#waiters.length === 0 && this.#fits(n)) {
      this.#used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push({ n, grant: resolve }));
  }

  /** Return `n` previously reserved bytes and admit waiters that now fit. */
  release(n: number): void {
    this.#used = Math.max(0, this.#used - n);
    while (this.#waiters.length > 0 && this.#fits(this.#waiters[0]!.n)) {
      const w = this.#waiters.shift()!;
      this.#used += w.n;
      w.grant();
    }
  }

  #fits(n: number): boolean {
    return this.#used === 0 || this.#used + n <= this.capacity;
  }
}
