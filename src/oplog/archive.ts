/**
 * The oplog archiver (`[oplog] archive_dir`, point-in-time recovery): appends every oplog entry to
 * segment files (layout in `archive_files.ts`) so that entries outlive retention. It runs every
 * `archive_interval_seconds` (and before every prune, and at stop): the new entries since the last
 * archived one are appended to the current segment and fdatasync'ed, and only then counted as
 * archived — the oplog's pruning never removes an entry at or after the last archived one, so an
 * entry is always either in the oplog or on disk in the archive.
 *
 * Segments rotate at `segmentBytes` (64 MiB) or when their first entry is `segmentSeconds` (an hour)
 * old, and at every start (a torn tail left by a crash is cut first). At start, when the archive's
 * last entry is no longer in the oplog (the server ran without the archive, or the folder was
 * emptied or belongs to another history), a gap marker records that the archive is not contiguous
 * there. A failed write (disk full) is logged, leaves the archived position where it was (the oplog
 * then keeps the entries past retention) and starts a new segment on the next attempt.
 */
import type { Timestamp } from "bson";
import { join } from "node:path";
import type { Logger } from "../observability/log.ts";
import {
  entryTs,
  gapName,
  gapToJson,
  listArchive,
  type SegmentFile,
  segmentName,
  splitDocuments,
} from "./archive_files.ts";
import { keyTs, tsKey } from "./entry.ts";

export interface ArchiveOptions {
  readonly dir: string;
  readonly intervalMs: number;
  /** Rotate a segment past this many bytes (default 64 MiB). */
  readonly segmentBytes?: number;
  /** Rotate a segment whose first entry is this old (default 3600 s). */
  readonly segmentSeconds?: number;
}

/** What the archiver needs from the oplog (a narrow view, so it can be tested alone). */
export interface ArchiveSource {
  /** Up to `limit` entries after the table key `after` (all from the start when undefined). */
  read(bounds: { after?: Uint8Array }, limit: number): { key: Uint8Array; bytes: Uint8Array }[];
  /** Whether the entry with this key is still in the oplog. */
  has(key: Uint8Array): boolean;
}

/** Figures for serverStatus and /metrics. */
export interface ArchiveStats {
  readonly dir: string;
  /** Timestamp of the newest archived entry. */
  readonly lastArchived: Timestamp | undefined;
  /** Entries and bytes appended since start. */
  readonly entries: number;
  readonly bytes: number;
  readonly segmentsStarted: number;
  readonly failures: number;
  readonly lastError: string | undefined;
  readonly lastFlushAt: Date | undefined;
}

const CHUNK = 2_000;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

interface Segment {
  readonly file: Deno.FsFile;
  readonly firstSecs: number;
  size: number;
}

export class OplogArchiver {
  #lastKey: Uint8Array | undefined;
  #cur: Segment | undefined;
  #entries = 0;
  #bytes = 0;
  #segments = 0;
  #failures = 0;
  #lastError: string | undefined;
  #lastFlushAt: Date | undefined;

  constructor(
    private readonly source: ArchiveSource,
    private readonly opts: ArchiveOptions,
    private readonly log?: Logger,
  ) {}

  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  /** Reads where the archive ends (cutting a torn tail), and records a gap if the oplog moved on. */
  open(): void {
    Deno.mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    const listing = listArchive(this.opts.dir);
    let lastTs: Timestamp | undefined;
    for (let k = listing.segments.length - 1; k >= 0 && !lastTs; k--) {
      lastTs = this.#lastOf(listing.segments[k]!);
    }
    if (!lastTs) {
      this.log?.info(`oplog archive ${this.opts.dir}: empty, archiving from the oldest oplog entry`);
      return;
    }
    const key = tsKey(lastTs);
    if (this.source.has(key)) {
      this.#lastKey = key;
      this.log?.info(`oplog archive ${this.opts.dir}: continues after ${fmt(lastTs)}`);
      return;
    }
    const first = this.source.read({}, 1)[0];
    if (!first) return;
    const resumedAt = keyTs(first.key);
    Deno.writeTextFileSync(
      join(this.opts.dir, gapName(resumedAt)),
      gapToJson({
        after: lastTs,
        resumedAt,
        reason: "the archive's last entry is no longer in the oplog (the server ran without " +
          "archive_dir, the archive's files were removed, or this data directory has another history)",
        detectedAt: new Date().toISOString(),
      }),
    );
    this.log?.warning(
      `oplog archive ${this.opts.dir}: GAP — its last entry ${fmt(lastTs)} is no longer in the oplog; ` +
        `archiving resumes at ${fmt(resumedAt)}, and no point-in-time restore can replay across it`,
    );
  }

  /** The last whole entry of a segment, cutting a torn tail (a crash mid-append) off the file. */
  #lastOf(seg: SegmentFile): Timestamp | undefined {
    const buf = Deno.readFileSync(seg.path);
    const { docs, end } = splitDocuments(buf);
    if (end < buf.length) {
      Deno.truncateSync(seg.path, end);
      this.log?.warning(`oplog archive: cut a torn tail of ${buf.length - end} bytes off ${seg.path}`);
    }
    const last = docs[docs.length - 1];
    return last ? entryTs(last) : undefined;
  }

  /** The table key of the newest archived entry (pruning stops before it). */
  archivedKey(): Uint8Array | undefined {
    return this.#lastKey;
  }

  /**
   * Appends the entries committed since the last flush (at most `max`), fdatasync'ed before they
   * count as archived. Returns how many were archived; a failure is logged and returns what was
   * archived before it.
   */
  flush(max = 50_000): number {
    let done = 0;
    try {
      while (done < max) {
        const rows = this.source.read(this.#lastKey ? { after: this.#lastKey } : {}, CHUNK);
        if (rows.length === 0) break;
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        const write = () => {
          if (pending.length === 0) return;
          const cur = this.#cur!;
          const all = new Uint8Array(pendingBytes);
          let at = 0;
          for (const p of pending) {
            all.set(p, at);
            at += p.length;
          }
          let w = 0;
          while (w < all.length) w += cur.file.writeSync(all.subarray(w));
          cur.size += all.length;
          pending = [];
          pendingBytes = 0;
        };
        for (const row of rows) {
          const secs = keyTs(row.key).high >>> 0;
          if (!this.#cur || this.#full(this.#cur.size + pendingBytes, this.#cur.firstSecs, secs)) {
            write();
            this.#rotate(row.key);
          }
          pending.push(row.bytes);
          pendingBytes += row.bytes.length;
        }
        write();
        this.#cur!.file.syncDataSync();
        const last = rows[rows.length - 1]!;
        this.#lastKey = last.key;
        this.#entries += rows.length;
        this.#bytes += rows.reduce((a, r) => a + r.bytes.length, 0);
        done += rows.length;
        if (rows.length < CHUNK) break;
      }
      this.#lastFlushAt = new Date();
      if (this.#lastError !== undefined) {
        this.log?.info(`oplog archive ${this.opts.dir}: writing again`);
        this.#lastError = undefined;
      }
    } catch (e) {
      this.#failures++;
      const msg = e instanceof Error ? e.message : String(e);
      if (this.#lastError === undefined) {
        this.log?.error(
          `oplog archive ${this.opts.dir}: write failed (${msg}); entries stay in the oplog until it works`,
        );
      }
      this.#lastError = msg;
      this.#closeSegment(); // the next attempt starts a new segment after the last synced entry
    }
    return done;
  }

  #full(size: number, firstSecs: number, secs: number): boolean {
    return size >= (this.opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES) ||
      secs - firstSecs >= (this.opts.segmentSeconds ?? 3600);
  }

  #rotate(firstKey: Uint8Array): void {
    this.#closeSegment();
    const ts = keyTs(firstKey);
    const path = join(this.opts.dir, segmentName(ts));
    // A file of that name can only hold entries not yet counted as archived (a failed attempt at the
    // same first entry): they are written again, so it starts over.
    const file = Deno.openSync(path, { write: true, create: true, truncate: true, mode: 0o600 });
    this.#cur = { file, firstSecs: ts.high >>> 0, size: 0 };
    this.#segments++;
    syncDir(this.opts.dir);
  }

  #closeSegment(): void {
    try {
      this.#cur?.file.close();
    } catch { /* already closed */ }
    this.#cur = undefined;
  }

  /** Archives everything left and closes the current segment (at stop). */
  close(): void {
    while (this.flush() > 0 && this.#lastError === undefined) { /* drain */ }
    this.#closeSegment();
  }

  stats(): ArchiveStats {
    return {
      dir: this.opts.dir,
      lastArchived: this.#lastKey ? keyTs(this.#lastKey) : undefined,
      entries: this.#entries,
      bytes: this.#bytes,
      segmentsStarted: this.#segments,
      failures: this.#failures,
      lastError: this.#lastError,
      lastFlushAt: this.#lastFlushAt,
    };
  }
}

function fmt(ts: Timestamp): string {
  return `Timestamp(${ts.high >>> 0}, ${ts.low >>> 0})`;
}

/** fsync a folder so a new file's name is durable (best effort: some filesystems refuse). */
function syncDir(dir: string): void {
  try {
    using d = Deno.openSync(dir, { read: true });
    d.syncSync();
  } catch { /* not supported here */ }
}
