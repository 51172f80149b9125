/**
 * Snapshot reads outside transactions (`readConcern: {level: "snapshot"}` on find / aggregate /
 * distinct, what drivers' snapshot sessions send), and the history they may read.
 *
 * The first snapshot read of a session pins a read-only storage snapshot under a fresh cluster time T
 * and answers with `atClusterTime: T`; later reads of that session naming `atClusterTime: T` run on
 * the same snapshot. A read naming an older time T (another session's, a saved `snapshotTime`) pins a
 * snapshot read as of T: every commit that logs to the oplog carries its oplog time as the storage
 * commit timestamp, so `storage.begin({readAt: T})` sees exactly what was committed by T. History is
 * kept for `historyWindowMs` (the minSnapshotHistoryWindowInSeconds parameter; default 5 s, see
 * `DEFAULT_WINDOW_MS`) and never from before this start: an older T is 239 SnapshotTooOld. Pins end with their session, or after the window
 * unused.
 */
import { Timestamp } from "bson";
import type { StorageEngine, TxnHandle } from "../storage/api.ts";
import { commitTimestamp } from "../oplog/cluster_clock.ts";
import { type Timer, unrefInterval } from "../timers.ts";

/**
 * The default history window: 5 s, what mongod 4.2 kept (maxTargetSnapshotHistoryWindowInSeconds) on the
 * WiredTiger generation we run (3.2), which holds history in the cache and its lookaside file. mongod
 * 4.4+'s 300 s relies on an on-disk history store WT 3.2 lacks: measured with bench/head_of_line.ts (1M
 * inserts, then a full `$group`), a 60 s window made the `$group` 3× slower and 300 s stalled the server
 * for over 40 s. A larger window is a `setParameter` away for those who need it.
 */
export const DEFAULT_WINDOW_MS = 5_000;

/** The history window while the storage cache is under pressure (so an in-memory store frees it sooner). */
export const PRESSURE_WINDOW_MS = 1_000;

interface Pin {
  readonly handle: TxnHandle;
  readonly atClusterTime: Timestamp;
  lastUse: number;
}

export class SnapshotReads {
  readonly #pins = new Map<string, Pin>();
  #timer: Timer | undefined;

  #storage: StorageEngine | undefined;
  #cachePressure: (() => boolean) | undefined;
  #log: ((msg: string) => void) | undefined;
  #pressured = false;

  constructor(
    private windowMs = DEFAULT_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** minSnapshotHistoryWindowInSeconds × 1000. */
  get historyWindowMs(): number {
    return this.windowMs;
  }

  /** A new window takes effect at once (a shorter one lets older history go now). */
  set historyWindowMs(ms: number) {
    this.windowMs = ms;
    this.#advance();
  }

  /**
   * A new snapshot for the session, replacing its previous one, at cluster time `at`: the present
   * (`at` was just issued) or, with `past`, as of `at` (StorageError SnapshotTooOld when too old).
   */
  pin(key: string, storage: StorageEngine, at: Timestamp, past = false): TxnHandle {
    this.release(key);
    const handle = storage.begin({ readOnly: true, ...(past ? { readAt: commitTimestamp(at) } : {}) });
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

  /**
   * Keep storage history for the window from now on (none from before: call once at start with
   * the clock's newest time), then move its start forward every `everyMs`. While `cachePressure()`
   * says the storage cache is nearly full, the window shrinks to `PRESSURE_WINDOW_MS` (mongod 4.2 did
   * the same with its snapshot window): old versions then go rather than crowd out live data.
   * `releaseAll` stops it.
   */
  keepHistory(
    storage: StorageEngine,
    startAt: Timestamp,
    opts: { everyMs?: number; cachePressure?: () => boolean; log?: (msg: string) => void } = {},
  ): void {
    storage.keepHistorySince(commitTimestamp(startAt));
    this.#storage = storage;
    this.#cachePressure = opts.cachePressure;
    this.#log = opts.log;
    this.#timer?.cancel();
    this.#timer = unrefInterval(() => this.#advance(), opts.everyMs ?? 1_000);
  }

  /** Whether the window is shrunk by cache pressure right now. */
  get pressured(): boolean {
    return this.#pressured;
  }

  #advance(): void {
    if (!this.#storage) return;
    let pressured = false;
    try {
      pressured = this.#cachePressure?.() ?? false;
    } catch { /* storage closing */ }
    if (pressured !== this.#pressured) {
      this.#pressured = pressured;
      if (this.windowMs > PRESSURE_WINDOW_MS) {
        this.#log?.(
          pressured
            ? `storage cache nearly full: snapshot history kept ${PRESSURE_WINDOW_MS / 1000} s instead of ${
              this.windowMs / 1000
            } s`
            : `snapshot history back to ${this.windowMs / 1000} s`,
        );
      }
    }
    const window = pressured ? Math.min(this.windowMs, PRESSURE_WINDOW_MS) : this.windowMs;
    const secs = Math.floor((this.now() - window) / 1000);
    if (secs <= 0) return;
    try {
      this.#storage.keepHistorySince(commitTimestamp(new Timestamp({ t: secs, i: 0 })));
    } catch { /* storage closing */ }
  }

  /** Shutdown: every pin goes and the history window stops moving. */
  releaseAll(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#storage = undefined;
    for (const key of [...this.#pins.keys()]) this.release(key);
  }

  #sweep(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, p] of this.#pins) if (p.lastUse < cutoff) this.release(key);
  }
}
