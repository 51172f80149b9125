/**
 * Settling a collection's tables after a large insert. WiredTiger 3.2.1 keeps the rows inserted into
 * a page in the page's in-memory insert skip lists until the page leaves the cache: a checkpoint
 * writes them but keeps that in-memory form, and forced eviction only takes dirty pages larger than
 * `memory_page_max`. With a cache that is not under pressure that lasts until a restart, and every
 * read pays for it: a `$group` over 20,000 freshly inserted 1 KB documents spent 33 % of the server's
 * samples in `__wt_btcur_next` (the fold 11 %); after the pages were read back from disk, 4 % (the
 * fold 37 %), as after a restart; `_id` point reads lost their `__wt_search_insert` (3 % → 0).
 *
 * After a collection got `rows` inserted records and then no insert for `delayMs` (past the 5 s
 * history window), its tables (records and indexes) are checkpointed — one checkpoint of just those
 * tables, off the JS thread, when any has dirty bytes: it writes what the next periodic checkpoint (every
 * 60 s) would, only sooner — and then settled one at a time: a table with no dirty bytes on which no
 * transaction holds a cursor gets the idle sessions' cached cursors on it closed, then
 * WT_SESSION::upgrade (a no-op that takes the handle exclusively, so WiredTiger closes it, discarding its
 * clean pages) runs off the JS thread. (Waiting for the periodic checkpoint instead, 75 s, left point
 * reads after a load ~10 % slower for over a minute: the capacity harness's finds by `_id` 20 s after
 * its load spent 17.6 % of the I/O thread in `__wt_search_insert`; twenty-fifth session.) A dirty or
 * busy table (EBUSY: a cursor was opened meanwhile, or its last written updates are still inside the
 * history window) is retried after `retryMs`, at most `attempts` times, without another checkpoint of
 * its own. Nothing is lost: the checkpoint writes what the periodic one would, only clean pages are
 * discarded, and the next read loads the page image.
 * A request opening a cursor on the table while the upgrade holds it waits for it, on the JS thread:
 * collections of more than `maxRecords` records are left alone so that wait stays short.
 */

import type { CollectionEntry } from "../api.ts";
import { type Session, WT_STAT_DSRC_CACHE_BYTES_DIRTY, WtError } from "../../../ffi/wiredtiger/mod.ts";
import { tableUri } from "./catalog.ts";
import type { SessionPool } from "./sessions.ts";
import { type Timer, unrefTimeout } from "../../timers.ts";

/** What the settler needs from the engine. */
export interface SettleHost {
  /** The tables of collection `ident` (records first, then indexes); empty when it is gone. */
  tables(ident: string): string[];
  /** Whether table `ident` has changes in the cache that no checkpoint has written yet. */
  dirty(ident: string): boolean;
  /** Checkpoint tables `idents` (their dirty pages written); false when it failed (try again later). */
  checkpoint(idents: readonly string[]): Promise<boolean>;
  /** Records in collection `ident` (committed). */
  records(ident: string): number;
  /** Close the idle sessions' cached cursors on `ident`; false when a transaction holds one. */
  release(ident: string): boolean;
  /** Discard the table's pages from the cache; false when busy (try again later). */
  discard(ident: string): Promise<boolean>;
}

export interface SettleOptions {
  /** Inserted records that make a collection worth settling. */
  readonly rows: number;
  /** Quiet time after its last insert before a collection is settled. */
  readonly delayMs: number;
  /** Wait before retrying a table that was dirty or busy. */
  readonly retryMs: number;
  /** Tries per collection before giving up (until its next large insert). */
  readonly attempts: number;
  /**
   * Largest collection (records) that is settled. A request that opens a cursor on a table while its
   * pages are discarded waits on the JS thread (WiredTiger answers EBUSY until the discard ends), and
   * the discard frees every page of the table: 22–96 ms for a 20,000-document table at load ~20, in
   * proportion to its size. A larger collection keeps its insert lists rather than stall every client.
   */
  readonly maxRecords: number;
}

export const SETTLE_DEFAULTS: SettleOptions = {
  rows: 5_000,
  delayMs: 10_000,
  retryMs: 10_000,
  attempts: 30,
  maxRecords: 40_000,
};

interface Pending {
  rows: number;
  last: number;
  tries: number;
  /** Tables still to settle once due (filled when the collection first becomes due). */
  tables: string[] | undefined;
}

export class Settler {
  readonly #host: SettleHost;
  readonly #opts: SettleOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, Pending>();
  #timer: Timer | undefined;
  #due = Infinity;
  #running = false;
  #closed = false;
  /** Tables settled so far (statistics, tests). */
  settled = 0;
  /** Collections left as they were because they held more than `maxRecords` (statistics, tests). */
  tooLarge = 0;

  constructor(host: SettleHost, opts: SettleOptions = SETTLE_DEFAULTS, now: () => number = Date.now) {
    this.#host = host;
    this.#opts = opts;
    this.#now = now;
  }

  /** `n` records were inserted into collection `ident` (a committed transaction). */
  inserted(ident: string, n: number): void {
    if (this.#closed || n <= 0) return;
    const now = this.#now();
    const p = this.#pending.get(ident);
    if (p === undefined) this.#pending.set(ident, { rows: n, last: now, tries: 0, tables: undefined });
    else {
      p.rows += n;
      p.last = now;
      p.tries = 0;
      p.tables = undefined;
    }
    if ((p?.rows ?? n) >= this.#opts.rows) this.#schedule(now + this.#opts.delayMs);
  }

  /** The collections were dropped. */
  forget(idents: readonly string[]): void {
    for (const ident of idents) this.#pending.delete(ident);
  }

  /** Collections waiting (tests). */
  get waiting(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (p.rows >= this.#opts.rows) n++;
    return n;
  }

  /**
   * Settle every collection that is due now; resolves when done. `force` (tests): every collection
   * with an insert is due, whatever its count and time.
   */
  async settleDue(force = false): Promise<void> {
    if (this.#closed) return;
    if (this.#running) { // the timer fired during a forced run: look again later
      this.#schedule(this.#now() + this.#opts.retryMs);
      return;
    }
    this.#running = true;
    let next = Infinity;
    try {
      for (const [ident, p] of [...this.#pending]) {
        if (p.rows < this.#opts.rows && !force) continue;
        const now = this.#now();
        const dueAt = p.tries === 0 && !force ? p.last + this.#opts.delayMs : now;
        if (dueAt > now) {
          next = Math.min(next, dueAt);
          continue;
        }
        if (this.#host.records(ident) > this.#opts.maxRecords) {
          this.tooLarge++;
          this.#pending.delete(ident); // until its next large insert (it will not get smaller)
          continue;
        }
        const last = p.last;
        p.tables ??= this.#host.tables(ident);
        const tables = p.tables;
        // the first try only: a collection still written to (updates) stays dirty, and is retried
        // behind the periodic checkpoints rather than checkpointed every retryMs
        if (p.tries === 0 && tables.some((t) => this.#host.dirty(t))) await this.#host.checkpoint(tables);
        if (this.#closed) return;
        if (p.last !== last) continue; // inserted into meanwhile: scheduled again by `inserted`
        const left: string[] = [];
        for (const table of tables) {
          if (this.#closed) return;
          if (!await this.#settleTable(table)) left.push(table);
        }
        if (p.last !== last) continue; // inserted into meanwhile: scheduled again by `inserted`
        p.tables = left;
        p.tries++;
        if (left.length === 0 || p.tries >= this.#opts.attempts) this.#pending.delete(ident);
        else next = Math.min(next, this.#now() + this.#opts.retryMs);
      }
    } finally {
      this.#running = false;
    }
    if (next < Infinity) this.#schedule(next);
  }

  async #settleTable(table: string): Promise<boolean> {
    if (this.#host.dirty(table) || !this.#host.release(table)) return false;
    if (!await this.#host.discard(table)) return false;
    this.settled++;
    return true;
  }

  #schedule(at: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      if (this.#due <= at) return;
      this.#timer.cancel();
    }
    this.#due = at;
    this.#timer = unrefTimeout(() => {
      this.#timer = undefined;
      this.#due = Infinity;
      void this.settleDue().catch(() => {/* best effort: the next large insert tries again */});
    }, Math.max(0, at - this.#now()));
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pending.clear();
  }
}

/** The engine's side: the catalog's idents, the session pool's cursors, a session of its own. */
export function wtSettleHost(
  pool: SessionPool,
  collections: () => readonly CollectionEntry[],
  session: () => Session,
  records: (ident: string) => number,
): SettleHost {
  return {
    records,
    tables(ident) {
      const e = collections().find((c) => c.ident === ident);
      return e === undefined ? [] : [e.ident, ...e.indexes.map((i) => i.ident)];
    },
    dirty(ident) {
      const ctx = pool.take();
      try {
        return ctx.session.stat(tableUri(ident), WT_STAT_DSRC_CACHE_BYTES_DIRTY, "statistics=(fast)") > 0;
      } catch {
        return true; // gone or busy: not now
      } finally {
        pool.give(ctx);
      }
    },
    release: (ident) => pool.releaseIdle(ident),
    async checkpoint(idents) {
      try {
        await session().checkpointAsync(`target=(${idents.map((i) => `"${tableUri(i)}"`).join(",")})`);
        return true;
      } catch {
        return false; // e.g. a table dropped meanwhile: each table's own check decides
      }
    },
    async discard(ident) {
      try {
        await session().upgradeAsync(tableUri(ident));
        return true;
      } catch (e) {
        if (e instanceof WtError && e.isBusy) return false;
        return true; // e.g. dropped meanwhile: nothing left to settle
      }
    },
  };
}
