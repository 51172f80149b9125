/**
 * `WakeList`: callers wait (bounded, abortable) until someone calls `wakeAll()` — awaitData cursors
 * waiting for the next commit to the oplog or to a capped collection. Imports only the timers leaf.
 */
import { timeout } from "../timers.ts";

export class WakeList {
  #waiters = new Set<() => void>();

  /** Resolves at the next `wakeAll()`, after `ms`, or at once when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        timer.cancel();
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = timeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener("abort", done);
    });
  }

  /** How many wait now. */
  get size(): number {
    return this.#waiters.size;
  }

  /** Resolves every current waiter. */
  wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const w of waiters) w();
  }
}
