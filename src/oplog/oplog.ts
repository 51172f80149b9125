/**
 * The oplog service: opens the `oplog` and `oplog_preimages` internal tables, registers the write
 * hook (`writer.ts`), seeds the cluster clock past the newest entry at start-up, writes no-ops (one
 * at start, then every `noopHeartbeatSeconds`), prunes by age (`retentionSeconds`) and count
 * (`maxEntries`) in the background and on demand, reads entries in time order, and wakes readers
 * (change streams, tailable cursors) when new entries commit. With an archive (`archive.ts`,
 * `[oplog] archive_dir`), entries are appended to it every `archive_interval_seconds` and pruning
 * never removes an entry that is not archived yet.
 */
import { hexOf, leaveTally, takeTally } from "./tally_file.ts";
import { type Binary, Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import type { StorageEngine, TableTxn } from "../storage/api.ts";
import type { ClusterClock } from "./cluster_clock.ts";
import { keyTs, stamp, tsKey } from "./entry.ts";
import { WakeList } from "../observability/wake_list.ts";
import { OpControl } from "../observability/op_control.ts";
import { type OplogTables, OplogWriter, preImageKey } from "./writer.ts";
import type { ArchiveOptions, ArchiveStats, OplogArchiver } from "./archive.ts";
import type { Logger } from "../observability/log.ts";
import { type Timer, unrefInterval, unrefTimeout } from "../timers.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

export interface OplogOptions {
  readonly retentionSeconds: number;
  readonly maxEntries: number;
  /**
   * Bytes the entries may take (estimated: the running sum of the sizes appended, less the average
   * entry's size for each removed); unset = no byte cap. An in-memory server sets it to a share of the
   * storage cache: entries of large documents (100,000 of 60 KB) filled the cache, and every write then
   * failed with WT_CACHE_FULL until a restart.
   */
  readonly maxBytes?: number;
  /** 0 = off. */
  readonly noopHeartbeatSeconds: number;
  /** How often the background pruner runs (default 60 s). */
  readonly pruneIntervalMs?: number;
  /**
   * Keep every entry in segment files (point-in-time recovery); unset = no archive. `Archiver` is
   * archive.ts's `OplogArchiver`, which the caller imports only when an archive is configured (a
   * server without one never loads that module: issue 18, cold start).
   */
  readonly archive?: ArchiveOptions & { readonly Archiver: typeof OplogArchiver };
  readonly log?: Logger;
  /**
   * Where a clean stop leaves the table's count and bytes for the next start (tally_file.ts); unset
   * (in memory): every start counts.
   */
  readonly tallyFile?: string;
}

/** One stored entry: its table key and BSON bytes. */
export interface RawEntry {
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
}

/**
 * Pruning removes the oldest entries in storage transactions of about PRUNE_BATCH_MS each (the count
 * adapts: PRUNE_BATCH_MIN..MAX entries), one `removeLeading` call (a WiredTiger range truncate) per
 * table per batch, and gives the event loop a turn after each batch, so a prune of a million entries (after a
 * bulk load past `max_entries`) never holds the event loop. Key-by-key removal from JS, 200 per batch,
 * made finds ~25x slower for over a minute after such a load (2026-12-03).
 */
const PRUNE_BATCH_FIRST = 1_000;
/**
 * Entries past `maxEntries` that start a prune at once (without an archive) instead of at the next
 * 60 s tick, its first batch the whole surplus (at most PRUNE_BATCH_MAX): the writes pay for their
 * pruning as they go. With only the tick, a 1,000,000-document load left up to a minute of entries
 * (~600,000) to a prune that ran in 1 ms batches between the requests that followed the load (issue
 * 18 target 4: index ops after a 1M load measured 1.1–2.0× the 20k figures, depending on whether a
 * tick fell into a timed loop); an eager prune in 1 ms batches fell behind the load's 5,000-document
 * inserts and was still removing ~500,000 entries after it.
 */
const PRUNE_EAGER_MIN = 1_000;
const PRUNE_BATCH_MIN = 100;
const PRUNE_BATCH_MAX = 10_000;
const PRUNE_BATCH_MS = 1;

export class Oplog {
  readonly tables: OplogTables;
  /** Entries in the table (counted at start-up, then kept by the writer, no-ops and pruning). */
  #count = 0;
  /** Their bytes, estimated (summed at start-up, then kept as `#count` is; see `maxBytes`). */
  #bytes = 0;
  readonly #wakeList = new WakeList();
  #onWait: (() => void) | undefined;
  #timers: Timer[] = [];
  #unhook: (() => void) | undefined;
  /** Timestamp of the oldest entry still kept (resume tokens older than it are lost). */
  #firstTs: Timestamp | undefined;
  #archiver: OplogArchiver | undefined;
  #archiveIdle: Promise<void> = Promise.resolve();
  /** serverStatus `oplogTruncation`: the start-up scan, and the prunes that removed something. */
  #truncation = { processingMicros: 0, truncatingMicros: 0, truncateCount: 0 };
  /** The prune running now, if any. */
  #pruning: Promise<number> | undefined;
  /** Entries appended since start (a prune's batches keep pace with it). */
  #appended = 0;
  /** The eager prune's timer (0 ms), while one is scheduled. */
  #pruneSoon: Timer | undefined;
  /**
   * The key after the last entry a prune removed: every entry below it is gone (entries are
   * committed in key order: each commit takes its timestamps in `beforeCommit`, synchronously). The
   * next prune starts there: removed keys stay as tombstones in the pages' insert lists until the
   * page leaves the cache, and a walk from the first key over ~900,000 of them (after a 1M load)
   * took a large share of a prune's time. Unset at start-up: the first prune starts at the first key.
   */
  #pruneFrom: Uint8Array | undefined;

  constructor(
    private readonly storage: StorageEngine,
    readonly clock: ClusterClock,
    private readonly opts: OplogOptions,
  ) {
    this.tables = {
      entries: storage.openTable("oplog"),
      preImages: storage.openTable("oplog_preimages"),
    };
  }

  /** Seeds the clock, hooks writes, logs the start-up no-op and starts the timers. */
  start(): void {
    const scanStarted = performance.now();
    const saved = this.opts.tallyFile === undefined ? undefined : takeTally(this.opts.tallyFile);
    const { first, last, count, bytes } = this.storage.read((txn) => {
      const t = txn.table(this.tables.entries);
      const firstRow = t.scan().next();
      const lastRow = t.scan({ reverse: true }).next();
      const first = firstRow.done ? undefined : firstRow.value[0];
      const last = lastRow.done ? undefined : lastRow.value[0];
      // the last clean stop's figures when the table still ends where they say; else counted in the
      // shim (a walk in JS copied every entry out: 100,000 entries, 2.8 s of CPU)
      const known = saved !== undefined && first !== undefined && last !== undefined &&
          saved.first === hexOf(first) && saved.last === hexOf(last)
        ? saved
        : undefined;
      const { count, bytes } = known ?? t.tally();
      return { first, last, count, bytes };
    });
    this.#count = count;
    this.#bytes = bytes;
    this.#truncation.processingMicros = Math.round((performance.now() - scanStarted) * 1000);
    this.#firstTs = first ? keyTs(first) : undefined;
    if (last) this.clock.advanceTo(keyTs(last));
    if (this.opts.archive) {
      const archiver = new this.opts.archive.Archiver(
        { read: (b, n) => this.read(b, n), has: (k) => this.#has(k) },
        this.opts.archive,
        this.opts.log,
      );
      archiver.open(); // throws (the server does not start) when the folder cannot be used
      this.#archiver = archiver;
      this.#every(this.opts.archive.intervalMs, () => archiver.flush());
    }
    this.#unhook = this.storage.addWriteHook(
      new OplogWriter(this.tables, this.clock, () => this.#written(), (n, bytes) => this.#onAppend(n, bytes)),
    );
    this.writeNoop(last ? { msg: "new primary" } : { msg: "initiating set" });
    if (this.opts.noopHeartbeatSeconds > 0) {
      this.#every(this.opts.noopHeartbeatSeconds * 1000, () => this.writeNoop({ msg: "periodic noop" }));
    }
    this.#every(this.opts.pruneIntervalMs ?? 60_000, () => this.prune());
  }

  stop(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers = [];
    this.#pruneSoon?.cancel();
    this.#pruneSoon = undefined;
    const started = this.#unhook !== undefined;
    this.#unhook?.();
    this.#unhook = undefined;
    if (started && this.opts.tallyFile !== undefined) this.#leaveTally(this.opts.tallyFile);
    if (this.#archiver) {
      this.#archiver.close();
      this.#archiveIdle = this.#archiver.idle();
    }
    this.#archiver = undefined;
    this.#written();
  }

  /** The count and bytes for the next start, with the keys they hold for (tally_file.ts). */
  #leaveTally(path: string): void {
    try {
      const ends = this.storage.read((txn) => {
        const t = txn.table(this.tables.entries);
        const f = t.scan().next();
        const l = t.scan({ reverse: true }).next();
        return f.done || l.done ? undefined : { first: hexOf(f.value[0]), last: hexOf(l.value[0]) };
      });
      if (ends) leaveTally(path, { count: this.#count, bytes: this.#bytes, ...ends });
    } catch { /* storage closing: the next start counts */ }
  }

  /** Resolves once the archive's background work (compression, retention) has stopped. */
  archiveIdle(): Promise<void> {
    return this.#archiver?.idle() ?? this.#archiveIdle;
  }

  /** The archive's figures, when there is one. */
  archiveStats(): ArchiveStats | undefined {
    return this.#archiver?.stats();
  }

  /** Appends what is new to the archive now (tests, and the backup command before it starts). */
  flushArchive(): number {
    return this.#archiver?.flush() ?? 0;
  }

  #has(key: Uint8Array): boolean {
    return this.storage.read((r) => r.table(this.tables.entries).get(key) !== null);
  }

  #every(ms: number, fn: () => unknown): void {
    this.#timers.push(unrefInterval(() => {
      try {
        // storage closing: the next tick or stop() ends it
        Promise.resolve(fn()).catch(() => {});
      } catch { /* as above */ }
    }, ms));
  }

  #written(): void {
    this.#wakeList.wakeAll();
  }

  /**
   * A commit appended `n` entries of `bytes`: past `maxEntries` by PRUNE_EAGER_MIN, or past `maxBytes`
   * by a twentieth, prune the surplus now.
   */
  #onAppend(n: number, bytes: number): void {
    this.#count += n;
    this.#bytes += bytes;
    this.#appended += n;
    if (
      this.#pruneSoon || this.#pruning || this.#archiver || this.#timers.length === 0 ||
      (this.#count <= this.opts.maxEntries + PRUNE_EAGER_MIN && !this.#overBytes(1.05))
    ) return;
    this.#pruneSoon = unrefTimeout(() => {
      this.#pruneSoon = undefined;
      const surplus = Math.min(PRUNE_BATCH_MAX, Math.max(1, this.#mustRemove()));
      // storage closing: the next write or stop() ends it
      (this.#pruning ??= this.#prune(Date.now(), surplus).finally(() => this.#pruning = undefined)).catch(
        () => {},
      );
    }, 0);
  }

  /** Appends a no-op entry (`op: "n"`). */
  writeNoop(o: Doc): Timestamp {
    const ts = this.clock.tick();
    const entry = stamp({ op: "n", ns: "", o }, ts, new Date());
    const bytes = serializeDocument(entry);
    this.storage.write((txn) => txn.table(this.tables.entries).insert(tsKey(ts), bytes));
    this.#count++;
    this.#bytes += bytes.length;
    this.#firstTs ??= ts;
    queueMicrotask(() => this.#written());
    return ts;
  }

  /**
   * Appends a command entry (`op: "c"`) that no catalog change reports — mongod logs a collMod even
   * when it changes nothing, and change streams show it as a `modify` event.
   */
  logCommand(db: string, o: Doc, ui?: Binary): Timestamp {
    const ts = this.clock.tick();
    const entry = stamp({ op: "c", ns: `${db}.$cmd`, ...(ui ? { ui } : {}), o }, ts, new Date());
    const bytes = serializeDocument(entry);
    this.storage.write((txn) => txn.table(this.tables.entries).insert(tsKey(ts), bytes));
    this.#count++;
    this.#bytes += bytes.length;
    queueMicrotask(() => this.#written());
    return ts;
  }

  /** The average entry's bytes (an estimate; 256 with no entries). */
  #avg(): number {
    return this.#count > 0 ? Math.max(1, this.#bytes / this.#count) : 256;
  }

  /** The estimated bytes are past `maxBytes` × `factor`. */
  #overBytes(factor: number): boolean {
    return this.opts.maxBytes !== undefined && this.#bytes > this.opts.maxBytes * factor;
  }

  /** The fewest oldest entries to remove: past `maxEntries`, or (at the average size) past `maxBytes`. */
  #mustRemove(): number {
    const byCount = this.#count - this.opts.maxEntries;
    const max = this.opts.maxBytes;
    const byBytes = max !== undefined && this.#bytes > max ? Math.ceil((this.#bytes - max) / this.#avg()) : 0;
    return Math.max(byCount, byBytes);
  }

  /** Entries kept now. */
  get count(): number {
    return this.#count;
  }

  /** The retention settings (serverStatus, /metrics). */
  get retention(): { readonly seconds: number; readonly maxEntries: number; readonly maxBytes?: number } {
    return {
      seconds: this.opts.retentionSeconds,
      maxEntries: this.opts.maxEntries,
      ...(this.opts.maxBytes !== undefined ? { maxBytes: this.opts.maxBytes } : {}),
    };
  }

  /** Time spent scanning at start-up and pruning, and how many prunes removed entries. */
  truncationStats(): { processingMicros: number; truncatingMicros: number; truncateCount: number } {
    return { ...this.#truncation };
  }

  /** The oldest kept entry's timestamp. */
  firstTs(): Timestamp | undefined {
    return this.#firstTs;
  }

  /** The newest entry's timestamp. */
  lastTs(): Timestamp | undefined {
    return this.storage.read((txn) => {
      const r = txn.table(this.tables.entries).scan({ reverse: true }).next();
      return r.done ? undefined : keyTs(r.value[0]);
    });
  }

  /**
   * Up to `limit` entries after `after` (a table key; exclusive) or from `from` (a timestamp;
   * inclusive), oldest first, read through `txn` (or a fresh snapshot).
   */
  read(bounds: { after?: Uint8Array; from?: Timestamp }, limit: number, txn?: TableTxn): RawEntry[] {
    const run = (t: TableTxn): RawEntry[] => {
      const lower = bounds.after ? successor(bounds.after) : bounds.from ? tsKey(bounds.from) : undefined;
      const out: RawEntry[] = [];
      for (const [key, bytes] of t.scan(lower ? { lower } : {})) {
        out.push({ key, bytes });
        if (out.length >= limit) break;
      }
      return out;
    };
    if (txn) return run(txn);
    return this.storage.read((r) => run(r.table(this.tables.entries)));
  }

  /** Entries newest first (a reverse `$natural` scan), up to `limit`. */
  readNewest(limit: number): RawEntry[] {
    return this.storage.read((r) => {
      const out: RawEntry[] = [];
      for (const [key, bytes] of r.table(this.tables.entries).scan({ reverse: true })) {
        out.push({ key, bytes });
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  /** The pre-image kept for entry `ts` (index inside an applyOps), if any. */
  preImage(ts: Timestamp, index: number): Uint8Array | null {
    return this.storage.read((r) => r.table(this.tables.preImages).get(preImageKey(ts, index)));
  }

  /** Resolves when new entries commit, or after `ms` (or at once when `signal` aborts). */
  waitForWrite(ms: number, signal?: AbortSignal): Promise<void> {
    const p = this.#wakeList.wait(ms, signal);
    this.#onWait?.();
    return p;
  }

  /** Whether anyone waits for the next entry now (an awaitData cursor: a change stream, the oplog). */
  get awaited(): boolean {
    return this.#wakeList.size > 0;
  }

  /**
   * `fn` whenever someone starts waiting for the next entry (the I/O thread's updates stop while anyone
   * does: their entries reach this side only at its next drain). One at a time; undefined clears it.
   */
  onWait(fn: (() => void) | undefined): void {
    this.#onWait = fn;
  }

  /**
   * `n` entries the frame I/O thread wrote (ffi/wiredtiger/shim/io_fast_write.c), the newest at `newest`:
   * the clock catches up, they are counted (and pruned past the limit), waiters are woken.
   */
  appendedElsewhere(n: number, newest: Timestamp): void {
    this.clock.advanceTo(newest);
    this.#firstTs ??= newest;
    // (their sizes are the I/O thread's: counted at the average)
    this.#onAppend(n, n * this.#avg());
    this.#written();
  }

  /**
   * Removes entries older than `retentionSeconds` and beyond `maxEntries` (oldest first; the newest
   * entry always stays; with an archive, everything from the last archived entry on stays). Returns
   * how many were removed.
   */
  prune(nowMs = Date.now()): Promise<number> {
    // one prune at a time: the background pruner and secantusAdmin.pruneOplog share a running one
    return this.#pruning ??= this.#prune(nowMs).finally(() => this.#pruning = undefined);
  }

  async #prune(nowMs: number, firstBatch = PRUNE_BATCH_FIRST): Promise<number> {
    const cutoffSecs = Math.floor(nowMs / 1000) - this.opts.retentionSeconds;
    let ceiling: Uint8Array | undefined;
    if (this.#archiver) {
      while (this.#archiver.flush() > 0 && this.#archiver.stats().lastError === undefined) { /* drain */ }
      ceiling = this.#archiver.archivedKey();
      if (!ceiling) return 0;
    }
    const pruneStarted = performance.now();
    const ctl = new OpControl();
    // keys below this one are older than the retention window (4 bytes of seconds lead the key)
    const oldBelow = cutoffSecs > 0 ? tsKey(new Timestamp({ t: cutoffSecs, i: 0 })) : new Uint8Array(0);
    let removed = 0;
    let batch = Math.max(PRUNE_BATCH_MIN, firstBatch);
    let resumeAfter: Uint8Array | undefined;
    const from = this.#pruneFrom;
    for (;;) {
      const started = performance.now();
      const appendedBefore = this.#appended;
      const n = this.storage.write((txn) => {
        // The running count may run a little high (a commit that failed after its entries were
        // counted): pruning then removes a few more of the oldest entries than needed, never the newest.
        const total = this.#count;
        // the oldest entries while they are past retention or past max_entries, one kept at least;
        // start after the previous batch: its removed keys stay as tombstones while snapshot history
        // is kept, and walking them from the start made each batch slower than the one before
        const lower = resumeAfter ? successor(resumeAfter) : from;
        const { removed: n, last } = txn.table(this.tables.entries).removeLeading({
          ...(lower ? { lower } : {}),
          ...(ceiling ? { upper: ceiling } : {}),
          softUpper: oldBelow,
          must: this.#mustRemove(),
          max: Math.min(batch, total - 1),
        });
        if (last) {
          // victims are the oldest entries, so every pre-image keyed below the last one's successor is theirs
          txn.table(this.tables.preImages).removeLeading({
            ...(lower ? { lower } : {}),
            upper: successor(last),
            max: Number.MAX_SAFE_INTEGER,
          });
          resumeAfter = last;
        }
        return n;
      });
      this.#bytes = Math.max(0, this.#bytes - n * this.#avg());
      this.#count -= n;
      removed += n;
      if (n < batch) break;
      // batches of about PRUNE_BATCH_MS, each followed by a turn of the event loop for the clients,
      // but at least what was appended since the last one (at most PRUNE_BATCH_MAX): a prune running
      // through a bulk load keeps pace with it instead of leaving its surplus to the requests after it
      const took = performance.now() - started;
      await ctl.yieldNow();
      batch = Math.max(
        PRUNE_BATCH_MIN,
        Math.min(
          PRUNE_BATCH_MAX,
          Math.max(Math.round(batch * PRUNE_BATCH_MS / Math.max(took, 0.1)), this.#appended - appendedBefore),
        ),
      );
    }
    if (removed > 0) {
      this.#truncation.truncateCount++;
      this.#truncation.truncatingMicros += Math.round((performance.now() - pruneStarted) * 1000);
      const lower = this.#pruneFrom = successor(resumeAfter!);
      this.#firstTs = this.storage.read((r) => {
        const f = r.table(this.tables.entries).scan({ lower }).next();
        return f.done ? undefined : keyTs(f.value[0]);
      });
    }
    return removed;
  }
}

/** The smallest key greater than every key starting with `key` (for 8-byte keys: key + 1). */
function successor(key: Uint8Array): Uint8Array {
  const k = key.slice();
  for (let i = k.length - 1; i >= 0; i--) {
    if (k[i]! < 255) {
      k[i]!++;
      return k;
    }
    k[i] = 0;
  }
  return new Uint8Array([...key, 0]);
}
