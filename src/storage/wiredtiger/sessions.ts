/**
 * Session pool and per-session cursor caches. open_cursor is expensive, so each pooled session keeps
 * one "main" cursor per table for point operations, plus spare cursors for scans (a scan holds its
 * cursor until it finishes, so a point read on the same table in the middle of a scan gets another).
 * Contexts are handed out one per read/write call; nested calls get another session.
 */

import type { Connection, Cursor, Session } from "../../../ffi/wiredtiger/mod.ts";

/** Every table cursor: inserts fail on existing keys, updates on missing ones. */
const CURSOR_CONFIG = "overwrite=false";

export class SessionCtx {
  readonly session: Session;
  readonly #main = new Map<string, Cursor>();
  readonly #spare = new Map<string, Cursor[]>();
  readonly #leased = new Set<Cursor>();

  constructor(session: Session) {
    this.session = session;
  }

  /** The cached point-operation cursor for `uri`. */
  cursor(uri: string): Cursor {
    let c = this.#main.get(uri);
    if (c === undefined) {
      c = this.session.openCursor(uri, CURSOR_CONFIG);
      this.#main.set(uri, c);
    }
    return c;
  }

  /** A cursor reserved for one scan until `release`. */
  acquire(uri: string): Cursor {
    const c = this.#spare.get(uri)?.pop() ?? this.session.openCursor(uri, CURSOR_CONFIG);
    this.#leased.add(c);
    return c;
  }

  release(c: Cursor): void {
    if (!this.#leased.delete(c) || c.closed) return;
    try {
      c.reset();
    } catch {
      c.close();
      return;
    }
    const list = this.#spare.get(c.uri);
    if (list === undefined) this.#spare.set(c.uri, [c]);
    else if (list.length < 4) list.push(c);
    else c.close();
  }

  /** Close every cached (not leased) cursor on `uri`, so the table can be dropped. */
  closeUri(uri: string): void {
    this.#main.get(uri)?.close();
    this.#main.delete(uri);
    for (const c of this.#spare.get(uri) ?? []) c.close();
    this.#spare.delete(uri);
  }

  close(): void {
    this.session.close(); // closes every cursor too
    this.#main.clear();
    this.#spare.clear();
    this.#leased.clear();
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

  /** Close cached cursors on `uri` in every session. */
  closeUri(uri: string): void {
    for (const ctx of this.#all) ctx.closeUri(uri);
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
