/**
 * `Session`: one WiredTiger session (single owner at a time): schema operations, transactions,
 * checkpoints, statistics, and the cursors opened on it. Closing it closes its cursors first.
 */

import { cstr } from "./cstr.ts";
import { check, ENOMEM, WtError } from "./errors.ts";
import { shim } from "./load.ts";
import { Cursor } from "./cursor.ts";

export class Session {
  #ptr: Deno.PointerObject | null;
  readonly #onClose: () => void;
  readonly #cursors = new Set<Cursor>();
  readonly #meta = new BigInt64Array(1);

  /** @internal Use `Connection#openSession`. */
  constructor(ptr: Deno.PointerObject, onClose: () => void) {
    this.#ptr = ptr;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#ptr === null;
  }

  /** The raw WT_SESSION pointer. */
  get unsafePointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error("session is closed");
    return this.#ptr;
  }

  create(uri: string, config?: string): void {
    check(shim().sct_create(this.unsafePointer, cstr(uri), cstr(config)), `create(${uri})`);
  }

  /** Drop an object; throws WtError (isBusy) when cursors on it are still open somewhere. */
  drop(uri: string, config?: string): void {
    check(shim().sct_drop(this.unsafePointer, cstr(uri), cstr(config)), `drop(${uri})`);
  }

  begin(config?: string): void {
    check(shim().sct_begin(this.unsafePointer, cstr(config)), "begin_transaction");
  }

  /** The running transaction's commit timestamp (WT_SESSION::timestamp_transaction). */
  commitTimestamp(ts: bigint): void {
    check(shim().sct_txn_commit_ts(this.unsafePointer, ts), "timestamp_transaction");
  }

  /** Commit; with `flushConfig` (e.g. "sync=on") also flush the log, in one FFI call. */
  commit(config?: string, flushConfig?: string): void {
    const rc = flushConfig === undefined
      ? shim().sct_commit(this.unsafePointer, cstr(config))
      : shim().sct_commit_flush(this.unsafePointer, cstr(config), cstr(flushConfig));
    check(rc, "commit_transaction");
  }

  /**
   * Commit at commit timestamp `ts`; with `flushConfig` also flush the log. One FFI call for what
   * `commitTimestamp(ts)` then `commit(undefined, flushConfig)` do in two.
   */
  commitAt(ts: bigint, flushConfig?: string): void {
    check(shim().sct_commit_at(this.unsafePointer, ts, cstr(flushConfig)), "commit_transaction");
  }

  rollback(): void {
    check(shim().sct_rollback(this.unsafePointer), "rollback_transaction");
  }

  checkpoint(config?: string): void {
    check(shim().sct_checkpoint(this.unsafePointer, cstr(config)), "checkpoint");
  }

  logFlush(config?: string): void {
    check(shim().sct_log_flush(this.unsafePointer, cstr(config)), "log_flush");
  }

  /**
   * log_flush on Deno's blocking thread pool (the JS thread keeps serving meanwhile). Nothing else may
   * use this session until it settles; `waitForLogFlushes` blocks until every one has returned.
   */
  logFlushAsync(config: string): Promise<void> {
    return this.#tracked((p, b) => shim().sct_log_flush_tracked(p, b), config, "log_flush");
  }

  /** A call on Deno's blocking thread pool, counted before it is queued (a close waits for it). */
  async #tracked(
    call: (ptr: Deno.PointerValue, arg: Uint8Array) => Promise<number>,
    arg: string,
    what: string,
  ): Promise<void> {
    const ptr = this.unsafePointer;
    const buf = cstr(arg)!; // kept alive by this frame until the call returns
    shim().sct_flush_pending();
    check(await call(ptr, buf), what);
  }

  /**
   * WT_SESSION::upgrade on Deno's blocking thread pool: takes the object's handle exclusively, so
   * its pages leave the cache (read back from disk on next use). Throws WtError (isBusy) while a
   * cursor on it is open anywhere. Nothing else may use this session until it settles; a close
   * waits for it (`waitForLogFlushes`).
   */
  upgradeAsync(uri: string): Promise<void> {
    return this.#tracked((p, b) => shim().sct_upgrade_tracked(p, b), uri, `upgrade(${uri})`);
  }

  /**
   * WT_SESSION::checkpoint on Deno's blocking thread pool (it writes and syncs files), e.g.
   * `target=("table:a","table:b")` for those tables only. Nothing else may use this session until it
   * settles; a close waits for it (`waitForLogFlushes`).
   */
  checkpointAsync(config: string): Promise<void> {
    return this.#tracked((p, b) => shim().sct_checkpoint_tracked(p, b), config, "checkpoint");
  }

  /**
   * WT_SESSION::compact of `uri` on Deno's blocking thread pool (at most 300 s: a close waits for it).
   * Nothing else may use this session until it settles.
   */
  compactAsync(uri: string): Promise<void> {
    return this.#tracked((p, b) => shim().sct_compact_tracked(p, b), uri, `compact(${uri})`);
  }

  /** One statistic (`WT_STAT_*` key) of `statistics:<uri>`. */
  stat(uri: string, key: number, config?: string): number {
    const rc = shim().sct_stat(this.unsafePointer, cstr(`statistics:${uri}`), cstr(config), key, this.#meta);
    check(rc, `statistics(${uri})`);
    return Number(this.#meta[0]!);
  }

  /**
   * Every statistic of `statistics:<uri>` ("" = the connection's) as description → value, e.g.
   * "cache: bytes currently in the cache" → 1234.
   */
  statistics(uri = "", config?: string): Map<string, number> {
    const m = new BigInt64Array(4);
    let buf = new Uint8Array(128 * 1024);
    let rc = shim().sct_stat_all(
      this.unsafePointer,
      cstr(`statistics:${uri}`),
      cstr(config),
      buf,
      buf.length,
      m,
    );
    if (rc === ENOMEM) {
      buf = new Uint8Array(Number(m[3]!) + 4096);
      rc = shim().sct_stat_all(
        this.unsafePointer,
        cstr(`statistics:${uri}`),
        cstr(config),
        buf,
        buf.length,
        m,
      );
    }
    check(rc, `statistics(${uri})`);
    const out = new Map<string, number>();
    const dv = new DataView(buf.buffer);
    const dec = new TextDecoder();
    let at = 0;
    for (let i = 0; i < Number(m[0]!); i++) {
      const len = dv.getUint32(at, true);
      const desc = dec.decode(buf.subarray(at + 4, at + 4 + len));
      out.set(desc, Number(dv.getBigInt64(at + 4 + len, true)));
      at += 12 + len;
    }
    return out;
  }

  openCursor(uri: string, config?: string): Cursor {
    const meta = this.#meta;
    check(shim().sct_cursor_open(this.unsafePointer, cstr(uri), cstr(config), meta), `open_cursor(${uri})`);
    const ptr = Deno.UnsafePointer.create(meta[0]!);
    if (ptr === null) throw new WtError(22, `open_cursor(${uri})`);
    const c = new Cursor(ptr, uri, () => this.#cursors.delete(c));
    this.#cursors.add(c);
    return c;
  }

  /** Close every cursor, then the session (rolls back an open transaction). Idempotent. */
  close(): void {
    const ptr = this.#ptr;
    if (ptr === null) return;
    for (const c of [...this.#cursors]) {
      try {
        c.close();
      } catch { /* closing the session releases it anyway */ }
    }
    this.#ptr = null;
    this.#onClose();
    check(shim().sct_session_close(ptr), "session close");
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Blocks until no `logFlushAsync` call is running (before closing their connection). */
export function waitForLogFlushes(): void {
  shim().sct_flush_wait_idle();
}
