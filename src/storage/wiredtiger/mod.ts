/**
 * src/storage/wiredtiger: the `StorageEngine` of `../api.ts` on WiredTiger 3.2.1 through
 * `ffi/wiredtiger/` (the only thing it imports besides `bson` and `../api.ts`).
 *
 * Owns: the catalog table, one record table per collection (`table:coll-<n>`, key = RecordId as
 * WiredTiger `q`, value = BSON bytes) and one table per index (`table:index-<n>`; keys stored in
 * the shim's order-preserving escaped form: unique = key → rid, non-unique = (key, rid) → empty).
 * WiredTiger return codes never leave this folder: they become `StorageError`s (`errors.ts`).
 *
 * Transactions (`txn.ts`): `begin()` is one snapshot-isolation WT transaction on a pooled session it
 * holds until commit/abort (WT takes the snapshot in begin_transaction); `write`/`read` are a handle
 * committed / rolled back around one callback. Handles and their iterators throw once ended.
 * Sessions come from a bounded pool (`sessionMax`; each open handle holds one); cursors are cached
 * per session and table. Record ids and counts (`counts.ts`) are shared by all handles: ids are never
 * reused, counts change on commit only and each handle sees them as of its snapshot.
 * Internal tables (`tables.ts`, `table:_int_<name>`) and write hooks (`hooks.ts`) serve decorators:
 * hooks run inside the record transaction or the catalog's DDL transaction (`catalog.ts`) and write
 * internal-table rows through it, so those rows commit or roll back with the change.
 *
 * Durability (measured with strace and with a SIGKILL test, `durability_test.ts`):
 *  - The connection uses `log=(enabled=true)` and `transaction_sync=(enabled=true,method=none)`:
 *    each commit write(2)s its log records to the OS before returning, without fsync. Acknowledged
 *    commits therefore survive a SIGKILL of the process (not a power loss / kernel crash). With the
 *    default `transaction_sync=(enabled=false)`, WiredTiger 3.2.1 leaves commit records in its log
 *    buffer and a SIGKILL loses recent commits — hence this setting. (The frame I/O thread's writes
 *    commit with `sync=off` and write the log themselves, once per turn of its loop, before any reply
 *    is sent: ffi/wiredtiger/shim/io_fast_write.c; `tests/integration/fast_writes_durable_test.ts`.)
 *  - `write(fn, { syncNow: true })` additionally runs log_flush("sync=on") (fsync of the log) before
 *    returning: the commit survives power loss. `{ sync: true }` and `syncOnCommit` use group commit
 *    instead: the commit returns at once and `whenDurable()` resolves after the next shared flush
 *    (one log_flush per event-loop turn for every sync commit made by then), so N concurrent
 *    committers pay one fsync; the command layer acknowledges only after it resolves.
 *  - `:memory:` uses `in_memory=true` (no log, nothing survives the process).
 * DDL (catalog changes) always commits with an fsync on disk; what it can and cannot make atomic is
 * spelled out in `../api.ts`.
 */

export { openWiredTiger, WiredTigerEngine } from "./engine.ts";
