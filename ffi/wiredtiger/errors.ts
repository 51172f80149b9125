/**
 * WiredTiger return codes → `WtError`, and the one `check(rc)` every FFI call goes through.
 * Codes are those of WiredTiger 3.2.1 (`wiredtiger.h`); positive codes are errno values.
 */

import { shim } from "./load.ts";

export const WT_ROLLBACK = -31800;
export const WT_DUPLICATE_KEY = -31801;
export const WT_ERROR = -31802;
export const WT_NOTFOUND = -31803;
export const WT_PANIC = -31804;
export const WT_RUN_RECOVERY = -31806;
export const WT_CACHE_FULL = -31807;
export const WT_PREPARE_CONFLICT = -31808;
export const EBUSY = 16;
export const ENOENT = 2;
export const EINVAL = 22;
export const ENOMEM = 12;

/** WiredTiger's message of each code asked for so far (fixed per code). */
const strerrors = new Map<number, string>();

/** The message WiredTiger gives for `rc`. */
export function strerror(rc: number): string {
  let text = strerrors.get(rc);
  if (text === undefined) {
    const buf = new Uint8Array(256);
    shim().sct_strerror(rc, buf, buf.length);
    const end = buf.indexOf(0);
    text = new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.length : end));
    strerrors.set(rc, text);
  }
  return text;
}

/** An error returned by WiredTiger. */
export class WtError extends Error {
  constructor(readonly rc: number, readonly op: string) {
    super(`${op}: ${strerror(rc)} (${rc})`);
    this.name = "WtError";
  }
  get isNotFound(): boolean {
    return this.rc === WT_NOTFOUND;
  }
  get isDuplicateKey(): boolean {
    return this.rc === WT_DUPLICATE_KEY;
  }
  /** Write conflict / transaction must roll back (WT_ROLLBACK, or a prepare conflict). */
  get isRollback(): boolean {
    return this.rc === WT_ROLLBACK || this.rc === WT_PREPARE_CONFLICT;
  }
  get isBusy(): boolean {
    return this.rc === EBUSY;
  }
}

/** Throws `WtError` unless `rc` is 0. */
export function check(rc: number, op: string): void {
  if (rc !== 0) throw new WtError(rc, op);
}
