/**
 * Snapshot reads outside transactions (`readConcern: {level: "snapshot"}` on find / aggregate /
 * distinct, what drivers' snapshot sessions send). The first snapshot read of a session pins a
 * read-only storage snapshot (`storage.begin({readOnly: true})`) under a fresh cluster time T and
 * answers with `atClusterTime: T`; later reads of that session naming `atClusterTime: T` run on the
 * same snapshot, so every read of the session sees the data as of T. A time this server holds no
 * snapshot for is older (239 SnapshotTooOld) unless it is not before the newest time issued (then
 * "now" is that time). Pins end with their session, or after `historyWindowMs` unused (mongod's
 * minSnapshotHistoryWindowInSeconds, 300 s).
 */
import type { Timestamp } from "bson";
import type { StorageEngine, TxnHandle } from "../storage/api.ts";

interface Pin {
  readonly handle: TxnHandle;
  readonly atClusterTime: Timestamp;
  lastUse: number;
}

export class SnapshotReads {
  readonly #pins = new Map<string, Pin>();

  constructor(
    private readonly historyWindowMs = 300_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new snapshot for the session, replacing its previous one, taken at cluster time `at`. */
  pin(key: string, storage: StorageEngine, at: Timestamp): TxnHandle {
    this.release(key);
    const handle = storage.begin({ readOnly: true });
    this.#pins.set(key, { handle, atClusterTime: at, lastUse: this.now() });
    return handle;
  }

  /** The session's snapshot taken at exactly `at`, if it still holds one. */
  find(key: string, at: Timestamp): TxnHandle | undefined {
    this.#sweep();
    const p = this.#pins.get(key);
    if (!p || !p.atClusterTime.equals(at)) return undefined;
    p.lastUse = this.now();
    return p.handle;
  }

  release(key: string): void {
    const p = this.#pins.get(key);
    if (!p) return;
    this.#pins.delete(key);
    if (p.handle.state === "active") p.handle.abort();
  }

  releaseAll(): void {
    for (const key of [...this.#pins.keys()]) this.release(key);
  }

  #sweep(): void {
    const cutoff = this.now() - this.historyWindowMs;
    for (const [key, p] of this.#pins) if (p.lastUse < cutoff) this.release(key);
  }
}
