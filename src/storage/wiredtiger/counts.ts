/**
 * `RecordBook`: per record table, the committed record count and the last record id handed out,
 * shared by every open transaction of the engine.
 *
 * Record ids: one counter per table, initialised from the largest stored id (read in a fresh
 * snapshot, so uncommitted rows of open transactions, which took their ids from this same counter,
 * cannot be missed) and only ever advanced: ids are never reused, even when the transaction that took
 * one aborts. While the wire server's I/O thread inserts into a table too, the table's counter is one in
 * its memory that both sides advance atomically (`shareRids`), taken back by `unshareRids`.
 *
 * Counts: the committed count per table, initialised lazily from the table in a fresh snapshot and
 * changed only when a transaction commits (by that transaction's own +/− deltas). A transaction sees
 * the count as of its snapshot: every commit gets a sequence number; transactions remember the
 * sequence at which they began (WiredTiger takes the snapshot in begin_transaction, and commits run
 * synchronously on our one thread, so "committed before begin" is exactly "sequence ≤ begin"). While
 * an older transaction is open, commits also append their deltas to a short history, which that
 * transaction subtracts; the history is trimmed as transactions end and is empty when none is open.
 */

import type { SessionCtx } from "./sessions.ts";
import type { SharedRecordIds } from "../native_reads.ts";

interface Delta {
  readonly seq: number;
  readonly ident: string;
  readonly delta: number;
}

/** Runs `fn` on a session in a fresh snapshot (rolled back afterwards). */
export type FreshSnapshot = <T>(fn: (ctx: SessionCtx) => T) => T;

export class RecordBook<Txn extends object> {
  readonly #fresh: FreshSnapshot;
  readonly #counts = new Map<string, number>();
  readonly #lastRid = new Map<string, bigint>();
  /** Tables whose record ids come from a counter shared with the I/O thread's inserts. */
  readonly #sharedRids = new Map<string, SharedRecordIds>();
  /**
   * One open transaction outside the map (most of the time the only one: a read's, a write's), with
   * the commit sequence when it began: a Map emptied at every transaction's end re-allocates its table
   * at the next begin (V8 shrinks an empty Map's table).
   */
  #one: Txn | undefined;
  #oneSeq = 0;
  /** The other open transactions → the commit sequence when they began. */
  readonly #open = new Map<Txn, number>();
  #history: Delta[] = [];
  /** Tables counted by walking them (stats, tests). */
  walked = 0;
  #seq = 0;

  constructor(fresh: FreshSnapshot) {
    this.#fresh = fresh;
  }

  /** Number of open transactions (tests, stats). */
  get openCount(): number {
    return this.#open.size + (this.#one === undefined ? 0 : 1);
  }

  /** The transactions still open. */
  openTransactions(): Txn[] {
    const all = [...this.#open.keys()];
    if (this.#one !== undefined) all.push(this.#one);
    return all;
  }

  opened(txn: Txn): void {
    if (this.#one === undefined) {
      this.#one = txn;
      this.#oneSeq = this.#seq;
    } else this.#open.set(txn, this.#seq);
  }

  /** The commit sequence at which `txn` began, or undefined when it is not open. */
  #beganAt(txn: Txn): number | undefined {
    return this.#one === txn ? this.#oneSeq : this.#open.get(txn);
  }

  /** `txn` ended; with `deltas` when it committed them. */
  closed(txn: Txn, deltas?: ReadonlyMap<string, number>): void {
    if (this.#one === txn) this.#one = undefined;
    else this.#open.delete(txn);
    if (deltas !== undefined && deltas.size > 0) {
      const seq = ++this.#seq;
      const keep = this.openCount > 0; // someone began before this commit
      for (const [ident, d] of deltas) {
        if (d === 0) continue;
        const n = this.#counts.get(ident);
        if (n !== undefined) this.#counts.set(ident, n + d);
        if (keep) this.#history.push({ seq, ident, delta: d });
      }
    }
    if (this.#history.length === 0) return;
    if (this.openCount === 0) {
      this.#history = [];
      return;
    }
    let oldest = this.#one === undefined ? Infinity : this.#oneSeq;
    for (const s of this.#open.values()) if (s < oldest) oldest = s;
    if (this.#history[0]!.seq <= oldest) this.#history = this.#history.filter((h) => h.seq > oldest);
  }

  /** Committed count of `ident` as of `txn`'s snapshot (without `txn`'s own changes). */
  count(txn: Txn, ident: string): number {
    let n = this.#counts.get(ident);
    if (n === undefined) {
      n = this.#fresh((ctx) => ctx.cursor(ident).recCount());
      this.walked++;
      this.#counts.set(ident, n);
    }
    if (this.#history.length > 0) {
      const since = this.#beganAt(txn) ?? this.#seq;
      for (const h of this.#history) if (h.seq > since && h.ident === ident) n -= h.delta;
    }
    return n;
  }

  /**
   * A commit made off this thread (the wire server's I/O thread) changed `ident`'s count by `delta`: counted
   * as a commit now (transactions open since before it do not see it; one begun between that commit and
   * this call would see the record's change without the count's — the I/O thread's writes are drained
   * before every command).
   */
  committedElsewhere(ident: string, delta: number): void {
    const seq = ++this.#seq;
    const n = this.#counts.get(ident);
    if (n !== undefined) this.#counts.set(ident, n + delta);
    if (this.openCount > 0) this.#history.push({ seq, ident, delta });
  }

  nextRid(ident: string): bigint {
    if (this.#sharedRids.size > 0) {
      const shared = this.#sharedRids.get(ident);
      if (shared !== undefined) return shared.take();
    }
    let last = this.#lastRid.get(ident);
    if (last === undefined) last = this.#fresh((ctx) => ctx.cursor(ident).recLast());
    const rid = last + 1n;
    this.#lastRid.set(ident, rid);
    return rid;
  }

  /**
   * From now on `ident`'s record ids come from the counter `share(last)` returns (`last`: the id handed out
   * last here, read from the table when none was yet).
   */
  shareRids(ident: string, share: (last: bigint) => SharedRecordIds): void {
    if (this.#sharedRids.has(ident)) return;
    let last = this.#lastRid.get(ident);
    if (last === undefined) last = this.#fresh((ctx) => ctx.cursor(ident).recLast());
    this.#sharedRids.set(ident, share(last));
  }

  /** `ident`'s record ids are this book's again, from the shared counter's last one. */
  unshareRids(ident: string): void {
    const shared = this.#sharedRids.get(ident);
    if (shared === undefined) return;
    this.#lastRid.set(ident, shared.last());
    this.#sharedRids.delete(ident);
  }

  /**
   * A new, empty table: its count is 0 and no record id was handed out, known without reading it (a
   * collection created and loaded by this process is never walked to count it; a 2 GB one took 24.8 s
   * of the JS thread on its first collStats).
   */
  created(ident: string): void {
    this.#counts.set(ident, 0);
    this.#lastRid.set(ident, 0n);
  }

  /** The committed counts known now (at a clean close, with no transaction open: exact). */
  knownCounts(): ReadonlyMap<string, number> {
    return new Map(this.#counts);
  }

  /** Counts saved at the last clean close (before any transaction of this process). */
  seed(counts: ReadonlyMap<string, number>): void {
    for (const [ident, n] of counts) if (!this.#counts.has(ident)) this.#counts.set(ident, n);
  }

  /** The tables are gone: drop their state. */
  forget(idents: readonly string[]): void {
    for (const i of idents) {
      this.#lastRid.delete(i);
      this.#sharedRids.delete(i);
      this.#counts.delete(i);
    }
  }
}
