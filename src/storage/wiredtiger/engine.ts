/**
 * `WiredTigerEngine`: the StorageEngine over one WiredTiger connection. Every `write` is one WT
 * transaction (commit on return, rollback on throw); every `read` is one snapshot that is rolled
 * back. Record-id counters and record counts are kept per record table in memory (initialised from
 * the table on first use).
 */

import {
  type Catalog,
  type CollectionEntry,
  type OpenOptions,
  type ReadTxn,
  type RecordId,
  type StorageEngine,
  StorageError,
  type WriteOptions,
  type WriteTxn,
} from "../api.ts";
import {
  Connection,
  preloadWiredTiger,
  WT_STAT_DSRC_CACHE_BYTES_INUSE,
} from "../../../ffi/wiredtiger/mod.ts";
import { tableUri, WtCatalog } from "./catalog.ts";
import { inMemoryConfig, MEMORY_PATH, onDiskConfig, syncFlushConfig } from "./config.ts";
import { guard, toStorageError } from "./errors.ts";
import { type SessionCtx, SessionPool } from "./sessions.ts";
import { type TxnHost, WtTxn } from "./txn.ts";

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

export class WiredTigerEngine implements StorageEngine, TxnHost {
  readonly inMemory: boolean;
  readonly #conn: Connection;
  readonly #pool: SessionPool;
  readonly #catalog: WtCatalog;
  readonly #syncOnCommit: boolean;
  readonly #tempDir: string | undefined;
  readonly #home: string;
  readonly #lastRid = new Map<string, bigint>();
  readonly #counts = new Map<string, number>();
  #closed = false;

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
    try {
      this.#catalog = new WtCatalog(this.#pool, {
        durable: !this.inMemory,
        forget: (idents) => {
          for (const i of idents) {
            this.#lastRid.delete(i);
            this.#counts.delete(i);
          }
        },
      });
    } catch (e) {
      this.#pool.close();
      this.#conn.close();
      throw e;
    }
  }

  get catalog(): Catalog & WtCatalog {
    this.#assertOpen();
    return this.#catalog;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError("InternalError", "storage engine is closed");
  }

  // ---------------------------------------------------------------- TxnHost

  nextRid(ctx: SessionCtx, coll: CollectionEntry): RecordId {
    let last = this.#lastRid.get(coll.ident);
    if (last === undefined) last = ctx.cursor(coll.ident).recLast();
    const rid = last + 1n;
    this.#lastRid.set(coll.ident, rid);
    return rid;
  }

  count(ctx: SessionCtx, coll: CollectionEntry, ownDelta: number): number {
    let n = this.#counts.get(coll.ident);
    if (n === undefined) {
      n = ctx.cursor(coll.ident).recCount() - ownDelta;
      this.#counts.set(coll.ident, n);
    }
    return n;
  }

  markMultikey(coll: CollectionEntry, indexNames: readonly string[]): void {
    this.#catalog.markMultikey(coll.db, coll.name, indexNames);
  }

  // ---------------------------------------------------------------- transactions

  read<T>(fn: (txn: ReadTxn) => T): T {
    this.#assertOpen();
    const ctx = this.#pool.take();
    try {
      guard("begin", () => ctx.session.begin());
      const txn = new WtTxn(ctx, this, false);
      try {
        const result = fn(txn);
        if (isThenable(result)) throw new Error("storage read callbacks must be synchronous");
        return result;
      } finally {
        txn.end();
        guard("rollback", () => ctx.session.rollback());
      }
    } catch (e) {
      throw toStorageError(e, "read");
    } finally {
      this.#pool.give(ctx);
    }
  }

  write<T>(fn: (txn: WriteTxn) => T, opts?: WriteOptions): T {
    this.#assertOpen();
    const ctx = this.#pool.take();
    try {
      guard("begin", () => ctx.session.begin());
      const txn = new WtTxn(ctx, this, true);
      let result: T;
      try {
        result = fn(txn);
        if (isThenable(result)) throw new Error("storage write callbacks must be synchronous");
      } catch (e) {
        txn.end();
        ctx.session.rollback();
        throw e;
      }
      txn.end();
      const flush = syncFlushConfig(this.inMemory, opts?.sync === true || this.#syncOnCommit);
      ctx.session.commit(undefined, flush); // a failed commit is rolled back by WiredTiger
      for (const [ident, d] of txn.deltas) {
        const n = this.#counts.get(ident);
        if (n !== undefined) this.#counts.set(ident, n + d);
      }
      return result;
    } catch (e) {
      throw toStorageError(e, "write");
    } finally {
      this.#pool.give(ctx);
    }
  }

  // ---------------------------------------------------------------- maintenance

  sizes(coll: CollectionEntry): { storageSize: number; indexSizes: Record<string, number> } {
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
        return { storageSize: size(coll.ident), indexSizes };
      });
    } finally {
      this.#pool.give(ctx);
    }
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

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      try {
        this.#catalog.retryPendingDrops();
      } catch { /* retried on next open */ }
      this.#pool.close();
      guard("close", () => this.#conn.close()); // a clean close checkpoints
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
