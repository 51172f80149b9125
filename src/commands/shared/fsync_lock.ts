/**
 * The fsync lock (`fsync {lock: true}` / `fsyncUnlock`): while held, commands that write wait before
 * they start (reads go on), so a filesystem snapshot of the data directory sees no new writes. Locks
 * nest as on mongod: each `fsync {lock: true}` adds one, each `fsyncUnlock` removes one, and writes
 * resume when the count is back to zero. A waiting write still honours its maxTimeMS and killOp.
 */
import type { OpControl } from "../../observability/op_control.ts";
import { timeout, type Timer } from "../../timers.ts";

/** Commands held back while the lock is held. */
export const LOCKED_WRITES: ReadonlySet<string> = new Set([
  "insert",
  "update",
  "delete",
  "findAndModify",
  "bulkWrite",
  "create",
  "createIndexes",
  "drop",
  "dropDatabase",
  "dropIndexes",
  "collMod",
  "renameCollection",
  "commitTransaction",
]);

export class FsyncLock {
  #count = 0;
  #released: Promise<void> = Promise.resolve();
  #release: () => void = () => {};

  get count(): number {
    return this.#count;
  }

  lock(): number {
    if (this.#count === 0) this.#released = new Promise<void>((resolve) => this.#release = resolve);
    return ++this.#count;
  }

  /** Removes one lock; returns the count left, or -1 when it was not locked. */
  unlock(): number {
    if (this.#count === 0) return -1;
    if (--this.#count === 0) this.#release();
    return this.#count;
  }

  /** Resolves once unlocked; checks `control` (deadline, kill) every 100 ms while waiting. */
  async waitUnlocked(control: OpControl): Promise<void> {
    while (this.#count > 0) {
      control.check();
      let timer: Timer | undefined;
      await Promise.race([
        this.#released,
        new Promise<void>((resolve) => timer = timeout(resolve, 100)),
      ]);
      timer?.cancel();
    }
  }
}
