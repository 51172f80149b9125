/**
 * compact.ts — the `compact` command's storage side. Free space inside a table's file (WiredTiger's
 * "file bytes available for reuse": blocks of removed and rewritten records that a checkpoint has freed)
 * goes back to the file system through WT_SESSION::compact, which moves blocks from the file's end into
 * that space, checkpointing as it goes, and truncates the file. A collection's tables (records, then
 * each index) are compacted one at a time on Deno's blocking thread pool; a table busy for a moment
 * (EBUSY) is tried again a few times.
 */
import type { CompactOptions, CompactResult } from "../api.ts";

/** What compaction needs from the engine, per table ident. */
export interface CompactHost {
  /** Bytes reusable inside the table's file. */
  reusableBytes(ident: string): number;
  /** The table file's size. */
  fileBytes(ident: string): number;
  /** Compact the table (rejects with the engine's error; `busy` tells a retryable one). */
  compact(ident: string): Promise<void>;
  busy(e: unknown): boolean;
  /** False once the engine is closing: the tables left are not started. */
  open(): boolean;
}

/** Tries of a table WiredTiger reports busy, and the pause between them. */
const BUSY_TRIES = 5;
const BUSY_PAUSE_MS = 100;

export async function compactTables(
  host: CompactHost,
  idents: readonly string[],
  opts: CompactOptions,
): Promise<CompactResult> {
  let reusableBytes = 0;
  for (const ident of idents) reusableBytes += host.reusableBytes(ident);
  if (opts.dryRun || reusableBytes === 0 || reusableBytes < opts.minFreeBytes) {
    return { reusableBytes, bytesFreed: 0 };
  }
  const size = () => idents.reduce((n, ident) => n + host.fileBytes(ident), 0);
  const before = size();
  for (const ident of idents) {
    for (let attempt = 1;; attempt++) {
      if (!host.open()) return { reusableBytes, bytesFreed: Math.max(0, before - size()) };
      try {
        await host.compact(ident);
        break;
      } catch (e) {
        if (!host.busy(e) || attempt === BUSY_TRIES) throw e;
        await new Promise((r) => setTimeout(r, BUSY_PAUSE_MS));
      }
    }
  }
  return { reusableBytes, bytesFreed: Math.max(0, before - size()) };
}
