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

export function onDiskConfig(opts: OpenOptions): string {
  return [
    common(opts),
    "log=(enabled=true,file_max=100MB,archive=true)",
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
