/**
 * wiredtiger_open configuration strings for on-disk and in-memory engines.
 *
 * Durability (measured, see mod.ts): the log is on and `transaction_sync=(enabled=true,method=none)`
 * makes every commit write its log records to the operating system (write(2), no fsync) before the
 * commit returns, so an acknowledged commit survives a SIGKILL of the process. `sync: true` commits
 * additionally call log_flush("sync=on"), which fsyncs the log (survives power loss).
 */

import type { OpenOptions } from "../api.ts";

export const MEMORY_PATH = ":memory:";

function common(opts: OpenOptions): string {
  const cache = Math.max(1 << 20, Math.floor(opts.cacheSizeBytes));
  // WiredTiger uses a few internal sessions on top of ours.
  const sessions = Math.max(8, Math.floor(opts.sessionMax)) + 20;
  return `create,cache_size=${cache},session_max=${sessions}`;
}

export function onDiskConfig(opts: OpenOptions): string {
  return [
    common(opts),
    "log=(enabled=true,file_max=100MB,archive=true)",
    "transaction_sync=(enabled=true,method=none)",
    "checkpoint=(wait=60,log_size=256MB)",
    "statistics=(fast)",
  ].join(",");
}

export function inMemoryConfig(opts: OpenOptions): string {
  return [common(opts), "in_memory=true", "log=(enabled=false)", "statistics=(fast)"].join(",");
}

/** log_flush config used after commits that must reach stable storage (`null` = none). */
export function syncFlushConfig(inMemory: boolean, sync: boolean): string | undefined {
  return inMemory || !sync ? undefined : "sync=on";
}
