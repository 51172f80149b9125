/**
 * The one place WiredTiger errors become `StorageError`s: WT return codes never leave this folder.
 */

import { StorageError } from "../api.ts";
import { ENOENT, WT_CACHE_FULL, WtError } from "../../../ffi/wiredtiger/mod.ts";

/** Convert anything thrown by the FFI layer into a StorageError (StorageErrors pass through). */
export function toStorageError(e: unknown, context: string): unknown {
  if (e instanceof StorageError) return e;
  if (e instanceof WtError) {
    if (e.isRollback) return new StorageError("WriteConflict", `${context}: write conflict (${e.message})`);
    // a cursor opened on a table a drop (collection, index or database) or a rename removed meanwhile
    if (e.rc === ENOENT) {
      return new StorageError("ObjectDropped", `${context}: its collection or index was dropped meanwhile`);
    }
    if (e.rc === WT_CACHE_FULL) return new StorageError("CacheFull", `${context}: ${e.message}`);
    return new StorageError("InternalError", `${context}: ${e.message}`);
  }
  return e;
}

/** Run fn, converting FFI errors. */
export function guard<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toStorageError(e, context);
  }
}
