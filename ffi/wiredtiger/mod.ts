/**
 * ffi/wiredtiger: the thin, typed binding to WiredTiger 3.2.1 through the SecantusDB C shim
 * (`shim/wt_shim.c`, built by `deno task shim` into `shim/libsecantus_wt.so`).
 *
 * Owns: loading the shim (lazily, on first use), the symbol table, and safe wrappers whose raw
 * pointers live only in `#private` fields: `Connection` → `Session` → `Cursor`. Every close() is
 * idempotent and closing a parent closes its children. Every WiredTiger error surfaces as `WtError`
 * (rc, message from wiredtiger_strerror, `isNotFound`/`isDuplicateKey`/`isRollback`/`isBusy`).
 *
 * No variadic C call crosses the FFI boundary: the shim exposes fixed-arity functions, batches scans
 * into one caller buffer, and stores index keys in an order-preserving, prefix-free escaped form so
 * that (key, record id) pairs sort correctly. Only `src/storage/wiredtiger/` should import this.
 * Thread model: WiredTiger sessions and cursors have one owner at a time; all calls are synchronous
 * except `Session.logFlushAsync` (Deno's blocking thread pool; `waitForLogFlushes` before a close).
 */

export { Connection } from "./connection.ts";
export { packMatchFilter } from "./match_filter.ts";
export { Session, waitForLogFlushes } from "./session.ts";
export { EntryRemoval, EntryUpdate, type EntryUpdateResult } from "./entries.ts";
export {
  Cursor,
  FieldsEntry,
  type IndexEntryHit,
  type IndexFetchHit,
  type IndexScanBounds,
  type PackedMatchFilter,
  type PackedNames,
  packNames,
  PROJECT_NAMES_MAX,
  PutMode,
  type RecordEntry,
} from "./cursor.ts";
export {
  GROUP_ACCS_MAX,
  GROUP_NAMES_MAX,
  type GroupAccInput,
  type GroupRow,
  type GroupScanStatus,
  type GroupSlice,
  GroupTable,
  type GroupTableSpec,
  type SumParts,
  waitForGroupScans,
} from "./group.ts";
export {
  check,
  EBUSY,
  ENOENT,
  strerror,
  WT_CACHE_FULL,
  WT_DUPLICATE_KEY,
  WT_NOTFOUND,
  WT_ROLLBACK,
  WtError,
} from "./errors.ts";
import { shim } from "./load.ts";
export { shim, SHIM_FILE_NAME } from "./load.ts";
export { calibrationPatched, preloadWiredTiger } from "./preload.ts";
export { threadPoolRoundTrip } from "./noop.ts";

/** WiredTiger statistics keys used by storage (values from wiredtiger.h 3.2.1). */
export const WT_STAT_DSRC_BLOCK_SIZE = 2020;
export const WT_STAT_DSRC_CACHE_BYTES_INUSE = 2041;
export const WT_STAT_DSRC_CACHE_BYTES_DIRTY = 2078;
/** "block-manager: file bytes available for reuse" (free space inside a table's file). */
export const WT_STAT_DSRC_BLOCK_REUSE_BYTES = 2017;
export const WT_STAT_CONN_CACHE_BYTES_INUSE = 1037;

/** The linked WiredTiger version as [major, minor, patch]. */
export function wiredTigerVersion(): [number, number, number] {
  const m = new BigInt64Array(3);
  shim().sct_version(m);
  return [Number(m[0]), Number(m[1]), Number(m[2])];
}
