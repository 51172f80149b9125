/**
 * Session pool and per-session cursor caches. open_cursor is expensive, so each pooled session keeps
 * one "main" cursor per table for point operations, plus spare cursors for scans (a scan holds its
 * cursor until it finishes, so a point read on the same table in the middle of a scan gets another).
 * Contexts are handed out one per transaction (handle) and come back when it ends; nested calls and
 * concurrent handles get other sessions. At most `max` sessions exist: an open handle holds one.
 */

import { type Connection, type Cursor, type Session, WtError } from "../../../ffi/wiredtiger/mod.ts";

/** Every table cursor: inserts fail on existing keys, updates on missing ones. */
const CURSOR_CONFIG = "overwrite=false";
/** A record table's cursor whose every `next` is a record picked at random (`SessionCtx.randomCursor`). */
const RANDOM_CONFIG = "next_random=true";

/** Cursors are cached by ident ("coll-1"); a string that already has a scheme is used as the URI. */
const toUri = (ident: string): string => ident.includes(":") ? ident : `table:${ident}`;

/** How long an open waits, at most, for a table held exclusively by a settle (settle.ts). */
const BUSY_WAIT_MS = 2_000;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * open_cursor, waiting while the table is briefly held by a settle: while `WT_SESSION::upgrade` has the
 * table open for itself (after it discarded the pages: opening its root page, then closing it, a few
 * ms) WiredTiger refuses other opens with EBUSY instead of making them wait.
 */
function openCursor(session: Session, uri: string, config = CURSOR_CONFIG): Cursor {
  const start = performance.now();
  for (;;) {
    try {
      return session.openCursor(uri, config);
    } catch (e) {
      if (!(e instanceof WtError && e.isBusy) || performance.now() - start > BUSY_WAIT_MS) throw e;
      Atomics.wait(pauseCell, 0, 0, 1);
    }
  }
}

export class SessionCtx {
  readonly session: Session;
  readonly #main = new Map<string, Cursor>();
  readonly #spare = new Map<string, Cursor[]>();
  readonly #leased = new Map<Cursor, string>();
  /** `randomCursor`'s cursors, by ident (made on first use: few sessions ever sample). */
  #random: Map<string, Cursor> | undefined;

  constructor(session: Session) {
    this.session = session;
  }

  /** The cached point-operation cursor for table `table:<ident>` (or any other URI with a colon). */
  cursor(ident: string): Cursor {
    let c = this.#main.get(ident);
    if (c === undefined) {
      c = openCursor(this.session, toUri(ident));
      this.#main.set(ident, c);
    }
    return c;
  }

  /**
   * The cached random cursor of record table `table:<ident>` (WiredTiger's `next_random`: each `next`
   * is a record of the transaction's snapshot picked at random). Callers leave it reset.
   */
  randomCursor(ident: string): Cursor {
    const random = this.#random ??= new Map();
    let c = random.get(ident);
    if (c === undefined) {
      c = openCursor(this.session, toUri(ident), RANDOM_CONFIG);
      random.set(ident, c);
    }
    return c;
  }

  /** A cursor reserved for one scan until `release`. */
  acquire(ident: string): Cursor {
    const c = this.#spare.get(ident)?.pop() ?? openCursor(this.session, toUri(ident));
    this.#leased.set(c, ident);
    return c;
  }

  release(c: Cursor): void {
    const ident = this.#leased.get(c);
    if (ident === undefined) return;
    this.#leased.delete(c);
    if (c.closed) return;
    try {
      c.reset();
    } catch {
      c.close();
      return;
    }
    const list = this.#spare.get(ident);
    if (list === undefined) this.#spare.set(ident, [c]);
    else if (list.length < 4) list.push(c);
    else c.close();
  }

  /** Whether this session has any cursor (cached or leased) on `ident`. */
  holds(ident: string): boolean {
    return this.#main.has(ident) || (this.#spare.get(ident)?.length ?? 0) > 0 ||
      this.#random?.has(ident) === true ||
      [...this.#leased.values()].includes(ident);
  }

  /** Close every cached (not leased) cursor on `ident`, so the table can be dropped. */
  closeIdent(ident: string): void {
    this.#main.get(ident)?.close();
    this.#main.delete(ident);
    for (const c of this.#spare.get(ident) ?? []) c.close();
    this.#spare.delete(ident);
    this.#random?.get(ident)?.close();
    this.#random?.delete(ident);
  }

  close(): void {
    this.session.close(); // closes every cursor too
    this.#main.clear();
    this.#spare.clear();
    this.#leased.clear();
    this.#random?.clear();
  }
}

export class SessionPool {
  readonly #conn: Connection;
  readonly #idle: SessionCtx[] = [];
  readonly #all = new Set<SessionCtx>();
  readonly #max: number;

  constructor(conn: Connection, max: number) {
    this.#conn = conn;
    this.#max = max;
  }

  /** Sessions opened and not closed (idle or in use). */
  get size(): number {
    return this.#all.size;
  }

  take(): SessionCtx {
    const ctx = this.#idle.pop();
    if (ctx !== undefined) return ctx;
    if (this.#all.size >= this.#max) throw new Error(`session limit (${this.#max}) reached`);
    // Snapshot isolation for every transaction (WiredTiger's default is read-committed).
    const created = new SessionCtx(this.#conn.openSession("isolation=snapshot"));
    this.#all.add(created);
    return created;
  }

  give(ctx: SessionCtx): void {
    if (this.#all.has(ctx)) this.#idle.push(ctx);
  }

  /** Close cached cursors on `ident` in every session. */
  closeIdent(ident: string): void {
    for (const ctx of this.#all) ctx.closeIdent(ident);
  }

  /**
   * Close the cached cursors on `ident` of the idle sessions, unless a session in use (a transaction)
   * has a cursor on it: then nothing is closed and the answer is false.
   */
  releaseIdle(ident: string): boolean {
    const idle = new Set(this.#idle);
    for (const ctx of this.#all) if (!idle.has(ctx) && ctx.holds(ident)) return false;
    for (const ctx of this.#idle) ctx.closeIdent(ident);
    return true;
  }

  close(): void {
    for (const ctx of this.#all) {
      try {
        ctx.close();
      } catch { /* connection close releases it */ }
    }
    this.#all.clear();
    this.#idle.length = 0;
  }
}
