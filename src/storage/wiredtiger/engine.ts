/**
 * `WiredTigerEngine`: the StorageEngine over one WiredTiger connection. `begin` hands out a `WtTxn`
 * holding a pooled session; `write` is begin + callback + commit (rollback on throw) and `read` is a
 * read-only handle that is rolled back. Record-id counters and record counts live in a `RecordBook`
 * shared by all transactions; write hooks in a `HookSet` shared with the catalog.
 */

import {
  type BackupSource,
  type BeginOptions,
  type Catalog,
  type CollectionEntry,
  type CompactOptions,
  type CompactResult,
  type IndexEntry,
  type InternalTable,
  type NativeReads,
  type OpenOptions,
  type ReadTxn,
  type RecordId,
  type StorageEngine,
  StorageError,
  type TxnHandle,
  type TxnLabel,
  type WriteHook,
  type WriteOptions,
  type WriteTxn,
} from "../api.ts";
import {
  Connection,
  type Cursor,
  preloadWiredTiger,
  type Session,
  waitForGroupScans,
  waitForLogFlushes,
  wiredTigerVersion,
  WT_STAT_CONN_CACHE_BYTES_INUSE,
  WT_STAT_DSRC_BLOCK_REUSE_BYTES,
  WT_STAT_DSRC_CACHE_BYTES_INUSE,
  WtError,
} from "../../../ffi/wiredtiger/mod.ts";
import { compactTables } from "./compact.ts";
import { tableUri, WtCatalog } from "./catalog.ts";
import { inMemoryConfig, MEMORY_PATH, onDiskConfig, syncFlushConfig } from "./config.ts";
import { RecordBook } from "./counts.ts";
import { guard, toStorageError } from "./errors.ts";
import { HookSet } from "./hooks.ts";
import { type SessionCtx, SessionPool } from "./sessions.ts";
import { type SettleHost, Settler, wtSettleHost } from "./settle.ts";
import { TABLE_CONFIG, WtInternalTable } from "./tables.ts";
import { type TxnHost, WtTxn } from "./txn.ts";

/** The internal table an in-memory engine keeps outside the cache limit (the oplog bounds its own bytes). */
const IN_MEMORY_UNCAPPED_TABLE = "oplog";

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function isThenable(x: unknown): boolean {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/** Internal table of the record counts saved at a clean close (see `#takeSavedCounts`). */
const SAVED_COUNTS_TABLE = "record_counts";

export class WiredTigerEngine implements StorageEngine, TxnHost {
  readonly inMemory: boolean;
  readonly hooks = new HookSet();
  readonly #conn: Connection;
  readonly #pool: SessionPool;
  readonly #catalog: WtCatalog;
  readonly #syncOnCommit: boolean;
  readonly #tempDir: string | undefined;
  readonly #home: string;
  readonly #book: RecordBook<WtTxn>;
  /**
   * Open handles of `begin` (transactions, snapshot reads): each keeps the catalog entries of the
   * namespaces DDL changed after it began, as a transaction's snapshot sees them (mongod's
   * point-in-time catalog), and the tables of those entries until it ends.
   */
  readonly #keepers = new Set<WtTxn>();
  readonly #tables = new Map<string, WtInternalTable>();
  /** Told before each user-visible catalog change commits (`nativeReads.onCatalogChange`). */
  readonly #catalogListeners = new Set<() => void>();
  /** Told around a settle's exclusive hold of a table (`nativeReads.onTableHold`). */
  readonly #holdListeners = new Set<(uri: string, held: boolean) => void>();
  #nativeReads: NativeReads | undefined;
  #closed = false;
  /** The oldest commit timestamp readers may ask for (`keepHistorySince`); 0 = all history. */
  #oldest = 0n;
  /** Group commit (see `whenDurable`): sync commits made, sync commits flushed, who waits. */
  #syncTicket = 0;
  #durableTicket = 0;
  #groupFlushes = 0;
  #waiters: { ticket: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushQueued = false;
  /** A group-commit flush is running (on the thread pool, on `#flushSession`). */
  #flushing = false;
  #flushSession: Session | undefined;
  /** Discards freshly inserted tables' in-memory pages once written (settle.ts); none in memory. */
  readonly settler: Settler | undefined;
  #settleSession: Session | undefined;
  /** The compact command's session (compact.ts), and the compaction running or queued last. */
  #compactSession: Session | undefined;
  #compactions: Promise<unknown> = Promise.resolve();

  /** `host` whose release/discard pair also tells readers off the JS thread to let go of the table. */
  #heldAround(host: SettleHost): SettleHost {
    const tell = (ident: string, held: boolean) => {
      for (const fn of this.#holdListeners) fn(tableUri(ident), held);
    };
    return {
      ...host,
      release: (ident) => {
        if (!host.release(ident)) return false;
        tell(ident, true);
        return true;
      },
      discard: async (ident) => {
        try {
          return await host.discard(ident);
        } finally {
          tell(ident, false);
        }
      },
    };
  }

  /** See NativeReads (storage/api.ts): the point reads the wire server's I/O thread answers itself. */
  get nativeReads(): NativeReads {
    return this.#nativeReads ??= {
      handle: this.#conn.unsafePointer,
      logged: !this.inMemory,
      tables: (coll) => {
        const id = coll.indexes.find((i) => i.name === "_id_");
        return id === undefined ? undefined : { record: tableUri(coll.ident), idIndex: tableUri(id.ident) };
      },
      indexTable: (coll, name) => {
        const i = coll.indexes.find((x) => x.name === name);
        return i === undefined ? undefined : tableUri(i.ident);
      },
      onCatalogChange: (fn) => {
        this.#catalogListeners.add(fn);
        return () => this.#catalogListeners.delete(fn);
      },
      onTableHold: (fn) => {
        this.#holdListeners.add(fn);
        return () => this.#holdListeners.delete(fn);
      },
      internalTable: (t) => {
        if (!(t instanceof WtInternalTable)) return undefined;
        t.materialize(); // the shim opens its own cursors on it
        return tableUri(t.ident);
      },
      writeHooks: () => this.hooks.count,
      countChanged: (coll, delta) => {
        this.#book.committedElsewhere(coll.ident, delta);
        // inserts made there load collections too: the settler hears of them as of its own
        if (delta > 0) this.settler?.inserted(coll.ident, delta);
      },
      shareRecordIds: (coll, share) => this.#book.shareRids(coll.ident, share),
      unshareRecordIds: (coll) => this.#book.unshareRids(coll.ident),
      onWriteHooksChange: (fn) => {
        this.hooks.listeners.add(fn);
        return () => this.hooks.listeners.delete(fn);
      },
    };
  }

  constructor(opts: OpenOptions) {
    this.inMemory = opts.path === MEMORY_PATH;
    this.#syncOnCommit = opts.syncOnCommit;
    let home = opts.path;
    if (this.inMemory) {
      home = Deno.makeTempDirSync({ prefix: "secantus-mem-" });
      this.#tempDir = home;
    } else {
      Deno.mkdirSync(home, { recursive: true });
    }
    this.#home = home;
    this.#conn = guard(
      `open ${opts.path}`,
      () => Connection.open(home, this.inMemory ? inMemoryConfig(opts) : onDiskConfig(opts)),
    );
    this.#pool = new SessionPool(this.#conn, Math.max(2, opts.sessionMax));
    this.#book = new RecordBook<WtTxn>((fn) => this.#fresh(fn));
    this.settler = this.inMemory ? undefined : new Settler(this.#heldAround(
      wtSettleHost(
        this.#pool,
        () => this.#catalog.all(),
        () => this.#settleSession ??= this.#conn.openSession(),
        (ident) => this.#book.knownCounts().get(ident) ?? Infinity,
      ),
    ));
    try {
      this.#catalog = new WtCatalog(this.#pool, {
        durable: !this.inMemory,
        forget: (idents) => {
          this.#book.forget(idents);
          this.settler?.forget(idents);
        },
        created: (ident) => this.#book.created(ident),
        hooks: this.hooks,
        changing: (changes) => {
          for (const txn of this.#keepers) {
            for (const [ns, before] of changes) txn.catalogChanging(ns, before);
          }
        },
        held: (ident) => {
          for (const txn of this.#keepers) if (txn.holds(ident)) return true;
          return false;
        },
        committing: () => {
          for (const fn of this.#catalogListeners) fn();
        },
      });
      if (!this.inMemory) this.#takeSavedCounts();
    } catch (e) {
      this.#pool.close();
      this.#conn.close();
      throw e;
    }
  }

  /**
   * Record counts survive a clean close (as mongod's size storer keeps numRecords), so a collection's
   * first count after a restart does not walk its table (2,097,152 records: 24.8 s of the JS thread).
   * `close` writes every known count into the internal table `record_counts`; `open` reads them and
   * removes them in its first transaction, before any write: after a crash the table is empty (or, the
   * log being ordered, it still holds rows only if no later write survived either), so a count is
   * walked again rather than trusted.
   */
  #takeSavedCounts(): void {
    const t = this.openTable(SAVED_COUNTS_TABLE);
    const saved = new Map<string, number>();
    this.write((txn) => {
      const tt = txn.table(t);
      const keys: Uint8Array[] = [];
      for (const [k, v] of tt.scan()) {
        keys.push(k.slice());
        if (v.length === 8) {
          saved.set(
            new TextDecoder().decode(k),
            Number(new DataView(v.buffer, v.byteOffset, 8).getBigInt64(0, true)),
          );
        }
      }
      for (const k of keys) tt.remove(k);
    });
    this.#book.seed(saved);
  }

  #saveCounts(): void {
    const counts = this.#book.knownCounts();
    if (counts.size === 0) return;
    const t = this.openTable(SAVED_COUNTS_TABLE);
    const enc = new TextEncoder();
    this.write((txn) => {
      const tt = txn.table(t);
      for (const [ident, n] of counts) {
        const v = new Uint8Array(8);
        new DataView(v.buffer).setBigInt64(0, BigInt(n), true);
        tt.put(enc.encode(ident), v);
      }
    });
  }

  get engineVersion(): string {
    return `WiredTiger ${wiredTigerVersion().join(".")}`;
  }

  get catalog(): Catalog & WtCatalog {
    this.#assertOpen();
    return this.#catalog;
  }

  /** Record tables whose count was walked (not known from a clean close or from their creation). */
  get countsWalked(): number {
    return this.#book.walked;
  }

  /** Open transactions (handles not yet committed or aborted). */
  get openTransactions(): number {
    return this.#book.openCount;
  }

  /** Sessions opened so far (pooled; a leak shows as growth). */
  get sessionsOpened(): number {
    return this.#pool.size;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError("InternalError", "storage engine is closed");
  }

  /** Run `fn` in a fresh snapshot on a pooled session, rolled back afterwards. */
  #fresh<T>(fn: (ctx: SessionCtx) => T): T {
    const ctx = this.#take();
    try {
      ctx.session.begin();
      try {
        return fn(ctx);
      } finally {
        ctx.session.rollback();
      }
    } finally {
      this.#pool.give(ctx);
    }
  }

  #take(): SessionCtx {
    try {
      return this.#pool.take();
    } catch (e) {
      throw new StorageError("InternalError", e instanceof Error ? e.message : String(e));
    }
  }

  // ---------------------------------------------------------------- TxnHost

  nextRid(coll: CollectionEntry): RecordId {
    return this.#book.nextRid(coll.ident);
  }

  count(txn: WtTxn, coll: CollectionEntry): number {
    // The book knows counts as of a transaction's begin, not as of an older read timestamp: count
    // the records (the caller adds the transaction's own changes, which the scan already sees).
    if (txn.readAt !== undefined) {
      let n = 0;
      for (const _ of txn.scan(coll)) n++;
      return n - (txn.deltas.get(coll.ident) ?? 0);
    }
    return this.#book.count(txn, coll.ident);
  }

  keepHistorySince(ts: bigint): void {
    this.#assertOpen();
    if (ts <= this.#oldest) return;
    guard("set_timestamp", () => this.#conn.setTimestamp(`oldest_timestamp=${ts.toString(16)}`));
    this.#oldest = ts;
    this.#catalog.pruneHistory(ts);
  }

  markMultikey(coll: CollectionEntry, indexNames: readonly string[]): void {
    this.#catalog.markMultikey(coll.db, coll.name, indexNames);
  }

  stageCollection(txn: WtTxn, db: string, name: string, options: Record<string, unknown>): CollectionEntry {
    return this.#catalog.stageCollection(txn, db, name, options);
  }

  stageIndex(txn: WtTxn, coll: CollectionEntry, index: Omit<IndexEntry, "ident">): CollectionEntry {
    return this.#catalog.stageIndex(txn, coll, index);
  }

  finishCommit(txn: WtTxn, opts: WriteOptions | undefined): void {
    const ctx = txn.ctx;
    if (ctx.session.closed) {
      this.#book.closed(txn);
      this.#keepers.delete(txn);
      throw new StorageError("InternalError", "storage engine closed: the transaction was rolled back");
    }
    let failed = false;
    try {
      if (txn.readOnly) {
        ctx.session.rollback();
        this.#book.closed(txn);
        return;
      }
      const now = opts?.syncNow === true;
      const group = !now && !this.inMemory && (opts?.sync === true || this.#syncOnCommit);
      try {
        // a failed commit is rolled back by WiredTiger
        const flush = syncFlushConfig(this.inMemory, now);
        if (txn.commitTs !== undefined) ctx.session.commitAt(txn.commitTs, flush);
        else ctx.session.commit(undefined, flush);
      } catch (e) {
        this.#book.closed(txn);
        failed = true;
        throw e;
      }
      if (group) this.#syncTicket++;
      if (txn.staged.size > 0) this.#catalog.publishStaged(txn.createdCollections(), txn.commitTs);
      this.#book.closed(txn, txn.deltas);
      if (this.settler !== undefined && txn.deltas.size > 0) {
        for (const [ident, n] of txn.deltas) this.settler.inserted(ident, n);
      }
    } finally {
      this.#pool.give(ctx);
      if (failed && txn.staged.size > 0) this.#catalog.discardStaged(txn.createdCollections());
      this.#ended(txn);
    }
  }

  finishAbort(txn: WtTxn): void {
    const ctx = txn.ctx;
    this.#book.closed(txn);
    if (ctx.session.closed) { // the engine closed: closing the session rolled it back
      this.#keepers.delete(txn);
      return;
    }
    try {
      ctx.session.rollback();
    } catch (e) {
      throw toStorageError(e, "rollback");
    } finally {
      this.#pool.give(ctx);
      // after the session is back in the pool: dropping closes its cached cursors on those tables
      if (txn.staged.size > 0) this.#catalog.discardStaged(txn.createdCollections());
      this.#ended(txn);
    }
  }

  // ---------------------------------------------------------------- transactions

  begin(opts?: BeginOptions): TxnHandle {
    const readAt = opts?.readAt;
    if (readAt !== undefined) {
      if (readAt < this.#oldest) {
        throw new StorageError("SnapshotTooOld", "the read timestamp is older than the history kept");
      }
    }
    const txn = this.#begin(opts?.readOnly === true, opts?.label, readAt);
    if (readAt !== undefined) txn.seedCatalog(this.#catalog.asOf(readAt));
    this.#keepers.add(txn);
    return txn;
  }

  /** A handle of `begin` ended: drop the tables of entries only it kept. */
  #ended(txn: WtTxn): void {
    if (!this.#keepers.delete(txn) || !txn.keepsCatalog || this.#closed) return;
    try {
      this.#catalog.retryPendingDrops();
    } catch { /* retried on later DDL, on close and on open */ }
  }

  #begin(readOnly: boolean, label?: TxnLabel, readAt?: bigint): WtTxn {
    this.#assertOpen();
    const ctx = this.#take();
    try {
      ctx.session.begin(readAt === undefined ? undefined : `read_timestamp=${readAt.toString(16)}`);
    } catch (e) {
      this.#pool.give(ctx);
      throw toStorageError(e, "begin");
    }
    const txn = new WtTxn(ctx, this, readOnly, label, readAt);
    this.#book.opened(txn);
    return txn;
  }

  read<T>(fn: (txn: ReadTxn) => T): T {
    const txn = this.#begin(true);
    try {
      const result = fn(txn);
      if (isThenable(result)) throw new Error("storage read callbacks must be synchronous");
      return result;
    } catch (e) {
      throw toStorageError(e, "read");
    } finally {
      txn.abort();
    }
  }

  async readAsync<T>(fn: (txn: ReadTxn) => Promise<T>): Promise<T> {
    const txn = this.#begin(true);
    try {
      return await fn(txn);
    } catch (e) {
      throw toStorageError(e, "read");
    } finally {
      txn.abort();
    }
  }

  write<T>(fn: (txn: WriteTxn) => T, opts?: WriteOptions): T {
    const txn = this.#begin(false);
    let result: T;
    try {
      result = fn(txn);
      if (isThenable(result)) throw new Error("storage write callbacks must be synchronous");
    } catch (e) {
      txn.abort();
      throw toStorageError(e, "write");
    }
    txn.commit(opts);
    return result;
  }

  // ---------------------------------------------------------------- group commit

  get syncTicket(): number {
    return this.#syncTicket;
  }

  /** Log flushes made for group commit so far (benchmarks, tests). */
  get groupFlushes(): number {
    return this.#groupFlushes;
  }

  whenDurable(ticket = this.#syncTicket): Promise<void> {
    if (ticket <= this.#durableTicket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ ticket, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * One flush at a time, started as soon as the committing request yields (a microtask, not a timer:
   * a `setTimeout(0)` hop cost ~1–2 ms per synced commit at one client). Every commit made before it
   * starts shares it; the fsync runs on Deno's blocking thread pool, so the JS thread keeps serving
   * (and committing) meanwhile, and commits made during a flush share the next one (leader-based
   * group commit).
   */
  #scheduleFlush(): void {
    if (this.#flushQueued || this.#flushing) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      void this.#groupFlush();
    });
  }

  async #groupFlush(): Promise<void> {
    if (this.#flushing) return;
    const upTo = this.#syncTicket;
    const waiters = this.#waiters.filter((w) => w.ticket <= upTo);
    this.#waiters = this.#waiters.filter((w) => w.ticket > upTo);
    if (waiters.length === 0 && upTo <= this.#durableTicket) return;
    this.#flushing = true;
    try {
      if (!this.#closed) {
        this.#flushSession ??= this.#conn.openSession();
        try {
          await this.#flushSession.logFlushAsync("sync=on");
        } catch (e) {
          throw toStorageError(e, "log flush");
        }
        this.#groupFlushes++;
      } // closed: the clean close checkpointed everything
      if (upTo > this.#durableTicket) this.#durableTicket = upTo;
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    } finally {
      this.#flushing = false;
      if (this.#waiters.length > 0) this.#scheduleFlush();
    }
  }

  /** Close time: every commit is durable (the close checkpointed): release every waiter. */
  #releaseWaiters(): void {
    this.#durableTicket = this.#syncTicket;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.resolve();
  }

  // ---------------------------------------------------------------- internal tables and hooks

  openTable(name: string): InternalTable {
    this.#assertOpen();
    let t = this.#tables.get(name);
    if (t !== undefined) return t;
    t = new WtInternalTable(name);
    const uri = tableUri(t.ident);
    const create = (): void => {
      const ctx = this.#take();
      try {
        // In memory, the oplog (capped in bytes by its owner) is exempt from the cache limit, as the catalog:
        // with the cache full, a write fails on its collection while a drop (catalog + oplog entry) runs.
        const config = this.inMemory && name === IN_MEMORY_UNCAPPED_TABLE
          ? `${TABLE_CONFIG},ignore_in_memory_cache_size=true`
          : TABLE_CONFIG;
        guard(`openTable ${name}`, () => ctx.session.create(uri, config));
      } finally {
        this.#pool.give(ctx);
      }
    };
    // in memory nothing exists yet: created by its first write (tables.ts), on another session
    if (this.inMemory) t.pending = create;
    else create();
    this.#tables.set(name, t);
    return t;
  }

  addWriteHook(hook: WriteHook): () => void {
    this.#assertOpen();
    return this.hooks.add(hook);
  }

  withoutWriteHooks<T>(fn: () => T): T {
    this.#assertOpen();
    return this.hooks.without(fn);
  }

  // ---------------------------------------------------------------- maintenance

  sizes(
    coll: CollectionEntry,
  ): { storageSize: number; freeStorageSize: number; indexSizes: Record<string, number> } {
    this.#assertOpen();
    const ctx = this.#pool.take();
    try {
      return guard("sizes", () => {
        const size = (ident: string): number =>
          this.inMemory
            ? ctx.session.stat(tableUri(ident), WT_STAT_DSRC_CACHE_BYTES_INUSE, "statistics=(fast)")
            : fileSize(`${this.#home}/${ident}.wt`);
        const indexSizes: Record<string, number> = {};
        for (const i of coll.indexes) indexSizes[i.name] = size(i.ident);
        const freeStorageSize = this.inMemory
          ? 0
          : ctx.session.stat(tableUri(coll.ident), WT_STAT_DSRC_BLOCK_REUSE_BYTES, "statistics=(fast)");
        return { storageSize: size(coll.ident), freeStorageSize, indexSizes };
      });
    } finally {
      this.#pool.give(ctx);
    }
  }

  compact(coll: CollectionEntry, opts: CompactOptions): Promise<CompactResult> {
    this.#assertOpen();
    if (this.inMemory) return Promise.resolve({ reusableBytes: 0, bytesFreed: 0 });
    const idents = [coll.ident, ...coll.indexes.map((i) => i.ident)];
    const run = this.#compactions.then(() =>
      compactTables(
        {
          reusableBytes: (ident) => {
            this.#assertOpen();
            const ctx = this.#pool.take();
            try {
              return guard(
                "statistics",
                () => ctx.session.stat(tableUri(ident), WT_STAT_DSRC_BLOCK_REUSE_BYTES, "statistics=(fast)"),
              );
            } finally {
              this.#pool.give(ctx);
            }
          },
          fileBytes: (ident) => fileSize(`${this.#home}/${ident}.wt`),
          compact: (ident) => {
            this.#assertOpen();
            return (this.#compactSession ??= this.#conn.openSession()).compactAsync(tableUri(ident));
          },
          busy: (e) => e instanceof WtError && e.isBusy,
          open: () => !this.#closed,
        },
        idents,
        opts,
      )
    ).catch((e) => {
      throw toStorageError(e, "compact");
    });
    this.#compactions = run.catch(() => {});
    return run;
  }

  checkpoint(): void {
    this.#assertOpen();
    if (this.inMemory) return;
    const ctx = this.#pool.take();
    try {
      guard("checkpoint", () => ctx.session.checkpoint());
    } finally {
      this.#pool.give(ctx);
    }
  }

  cacheBytesInUse(): number {
    this.#assertOpen();
    const ctx = this.#take();
    try {
      return guard(
        "statistics",
        () => ctx.session.stat("", WT_STAT_CONN_CACHE_BYTES_INUSE, "statistics=(fast)"),
      );
    } finally {
      this.#pool.give(ctx);
    }
  }

  statistics(): ReadonlyMap<string, number> {
    this.#assertOpen();
    const ctx = this.#take();
    try {
      return guard("statistics", () => ctx.session.statistics("", "statistics=(fast)"));
    } finally {
      this.#pool.give(ctx);
    }
  }

  openBackup(): BackupSource {
    this.#assertOpen();
    if (this.inMemory) throw new StorageError("InternalError", "an in-memory engine has no files to back up");
    this.checkpoint();
    const ctx = this.#take();
    let cursor: Cursor;
    const files: string[] = [];
    try {
      cursor = guard("open backup cursor", () => ctx.session.openCursor("backup:"));
      try {
        for (let f = cursor.nextString(); f !== null; f = cursor.nextString()) files.push(f);
      } catch (e) {
        cursor.close();
        throw toStorageError(e, "backup cursor");
      }
    } catch (e) {
      this.#pool.give(ctx);
      throw e;
    }
    let open = true;
    return {
      dir: this.#home,
      files,
      close: () => {
        if (!open) return;
        open = false;
        try {
          if (!ctx.session.closed) cursor.close();
        } finally {
          this.#pool.give(ctx);
        }
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.settler?.close();
    if (!this.inMemory) {
      // while the engine is still open: no transaction left, then save the counts (see #takeSavedCounts)
      try {
        waitForGroupScans();
        for (const txn of this.#book.openTransactions()) txn.abort();
        if (this.#book.openCount === 0) this.#saveCounts();
      } catch { /* counted by walking on the next open */ }
    }
    this.#closed = true;
    try {
      waitForGroupScans(); // a group fold on the thread pool uses its transaction's session
      for (const txn of this.#book.openTransactions()) {
        try {
          txn.abort();
        } catch { /* closing the session below rolls it back anyway */ }
      }
      try {
        this.#catalog.retryPendingDrops();
      } catch { /* retried on next open */ }
      this.#pool.close();
      waitForLogFlushes(); // a flush still running on the thread pool finishes first
      guard("close", () => this.#conn.close()); // a clean close checkpoints (open handles roll back)
      this.#releaseWaiters();
    } finally {
      if (this.#tempDir !== undefined) {
        try {
          Deno.removeSync(this.#tempDir, { recursive: true });
        } catch { /* best effort */ }
      }
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Open (creating if needed) a WiredTiger-backed storage engine at `opts.path` (or ":memory:"). */
export function openWiredTiger(opts: OpenOptions): WiredTigerEngine {
  preloadWiredTiger(); // idempotent: shortens WiredTiger's start-up clock calibration (see the shim)
  return new WiredTigerEngine(opts);
}
