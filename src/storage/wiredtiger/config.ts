/**
 * wiredtiger_open configuration strings for on-disk and in-memory engines.
 *
 * Durability (measured, see mod.ts): the log is on and `transaction_sync=(enabled=true,method=none)`
 * makes every commit write its log records to the operating system (write(2), no fsync) before the
 * commit returns, so an acknowledged commit survives a SIGKILL of the process. `sync: true` commits
 * additionally call log_flush("sync=on"), which fsyncs the log (survives power loss). The frame I/O
 * thread's writes commit with `sync=off` and write the log once per turn of its loop before any reply
 * leaves (ffi/wiredtiger/shim/io_fast_write.c): the same guarantee, one write(2) for all of a turn's.
 */

import type { OpenOptions } from "../api.ts";

export const MEMORY_PATH = ":memory:";

function common(opts: OpenOptions): string {
  const cache = Math.max(1 << 20, Math.floor(opts.cacheSizeBytes));
  // WiredTiger uses a few internal sessions on top of ours.
  const sessions = Math.max(8, Math.floor(opts.sessionMax)) + 20;
  return `create,cache_size=${cache},session_max=${sessions}`;
}

/**
 * Scratch memory each WiredTiger session keeps between operations (default 2 MB). A transaction's log
 * record is built in a session scratch buffer that doubles as it grows; one over the limit is freed
 * at commit, so the next large transaction grows a new one from scratch — realloc copies and fresh
 * page faults on every operation of it. A batch of 1,000 ~1 KB documents with its oplog entries is a
 * ~2 MB record: with the default, the oplog's inserts (the second half of the record) cost ~3x the
 * record inserts (profile in docs/oplog.md). 8 MB keeps such a buffer per pooled session: memory a
 * session already needed at its largest transaction stays held (at most 8 MB each; sessions are
 * pooled, one per concurrent transaction), a transaction with a larger record frees it as before.
 */
const SCRATCH = "session_scratch_max=8MB";

/**
 * How much of the cache may be dirty before eviction writes dirty pages (WiredTiger's defaults are 5%
 * and 20%). Every logged commit carries a timestamp (the oplog), and an update newer than the oldest
 * timestamp (the snapshot-history window, 5 s) cannot simply be written out: evicting its page
 * reconciles it and copies the update to the cache overflow table, and the page comes back dirty.
 * Under a bulk load with the defaults, a dedicated eviction thread did that ~60,000 times per 100,000
 * inserted documents (~10 µs of server CPU per document, half of the oplog's cost). With more room,
 * those pages stay in cache until a checkpoint (every 60 s or 256 MB of log) writes them, by which
 * time their updates are older than the window.
 */
const DIRTY = "eviction_dirty_target=30,eviction_dirty_trigger=60";

/**
 * Log files grow as they are written instead of being created at `file_max` (WiredTiger's default
 * `file_extend=(log=<file_max>)` fallocates each new log file, and the files it prepares ahead, to
 * 100 MB of zeroes). Why it matters: every `wiredtiger_open` runs recovery, even after a clean close
 * (`txn_recover.c`: "always run recovery even if it was a clean shutdown"), and recovery scans the log
 * three times from the last checkpoint's LSN — the metadata pass, `__wt_log_needs_recovery`'s log
 * cursor and the main pass — across the previous run's log file and the one this open just created.
 * Where a scan meets a zeroed record it reads the rest of the file in 1 MB chunks to tell a hole from
 * the end (`__log_has_hole`), and reads it once more on moving to the next file (`advance:` in
 * `__wt_log_scan`): 3 scans × 2 files × 2 reads × ~100 MB = ~1.2 GB `pread` for a database holding
 * one document (strace). With files only as long as their records, each scan stops at the file's end
 * without reading anything: `wiredtiger_open` of that database 300–780 ms → 35–50 ms. A database
 * last opened with preallocated files pays the scan once more, on its first open with this setting.
 * Durability is unchanged: a commit still write(2)s its records before returning (see mod.ts); an
 * fsync (`sync` commits, log switches) now also writes the file's new size.
 */
const LOG = "log=(enabled=true,file_max=100MB,archive=true),file_extend=(log=0)";

export function onDiskConfig(opts: OpenOptions): string {
  return [
    common(opts),
    LOG,
    "transaction_sync=(enabled=true,method=none)",
    "checkpoint=(wait=60,log_size=256MB)",
    "statistics=(fast)",
    SCRATCH,
    DIRTY,
  ].join(",");
}

export function inMemoryConfig(opts: OpenOptions): string {
  return [common(opts), "in_memory=true", "log=(enabled=false)", "statistics=(fast)"].join(",");
}

/** log_flush config used after commits that must reach stable storage (`null` = none). */
export function syncFlushConfig(inMemory: boolean, sync: boolean): string | undefined {
  return inMemory || !sync ? undefined : "sync=on";
}
