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
 *
 * Closed segments (rotated away, or found at start) are gzipped in the background through the
 * platform's CompressionStream, one at a time (`<first>-to-<last>.bson.gz`: written to a `.tmp`
 * name, fsynced, renamed, then the plain file removed; a leftover of a stop in between is cleaned at
 * the next start). With `retentionSeconds`, closed segments whose last entry is older than that are
 * removed (never the newest one, which the archive continues from), and so are gap markers older than
 * the oldest segment left: point-in-time recovery then reaches back that far only. Both run after a
 * rotation and at most once a minute otherwise, never blocking the flush.
 */
import type { Timestamp } from "bson";
import type { Logger } from "../observability/log.ts";
import {
  compareTs,
  compressedSegmentName,
  entryTs,
  gapName,
  gapToJson,
  joinPath as join,
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
  /** Gzip closed segments (default true). */
  readonly compress?: boolean;
  /** Remove closed segments whose last entry is older than this; 0 / unset = keep them all. */
  readonly retentionSeconds?: number;
  /** The clock retention reads (tests inject one). */
  readonly now?: () => number;
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
  /** Closed segments gzipped, and removed by retention, since start. */
  readonly segmentsCompressed: number;
  readonly segmentsRemoved: number;
  readonly retentionSeconds: number;
}

const CHUNK = 2_000;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Retention is checked at most this often when no segment rotates. */
const MAINTAIN_EVERY_MS = 60_000;

interface Segment {
  readonly file: Deno.FsFile;
  readonly path: string;
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
  /** Closed plain segments waiting to be gzipped. */
  #toCompress: string[] = [];
  #task: Promise<void> | undefined;
  #again = false;
  #lastMaintainMs = 0;
  #closed = false;
  #compressed = 0;
  #removed = 0;

  constructor(
    private readonly source: ArchiveSource,
    private readonly opts: ArchiveOptions,
    private readonly log?: Logger,
  ) {}

  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  /**
   * Reads where the archive ends (cutting a torn tail), records a gap if the oplog moved on, cleans
   * what a stopped compression left, and queues the closed segments for compression.
   */
  open(): void {
    Deno.mkdirSync(this.opts.dir, { recursive: true, mode: 0o700 });
    for (const e of Deno.readDirSync(this.opts.dir)) {
      if (e.isFile && e.name.startsWith("oplog-") && e.name.endsWith(".bson.gz.tmp")) {
        Deno.removeSync(join(this.opts.dir, e.name));
      }
    }
    const listing = listArchive(this.opts.dir);
    for (const p of listing.leftovers) Deno.removeSync(p); // its .gz is whole
    this.#position(listing.segments);
    for (const g of listing.segments) {
      if (g.compressed) continue;
      // A segment started just before a stop or crash, with no whole entry: the next rotation may
      // reuse its name, so it goes now rather than through the compressor.
      if (Deno.statSync(g.path).size === 0) Deno.removeSync(g.path);
      else if (this.opts.compress ?? true) this.#toCompress.push(g.path);
    }
    this.#kick();
  }

  #position(segments: readonly SegmentFile[]): void {
    let lastTs: Timestamp | undefined;
    for (let k = segments.length - 1; k >= 0 && !lastTs; k--) {
      lastTs = this.#lastOf(segments[k]!);
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
    if (seg.compressed) return seg.last; // closed and whole by construction
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
      if (
        this.#toCompress.length > 0 ||
        ((this.opts.retentionSeconds ?? 0) > 0 && this.#now() - this.#lastMaintainMs >= MAINTAIN_EVERY_MS)
      ) {
        this.#kick();
      }
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
    const prev = this.#cur;
    if (prev) {
      prev.file.syncDataSync(); // its last entries were written by this flush, not yet synced
      if (this.opts.compress ?? true) this.#toCompress.push(prev.path);
    }
    this.#closeSegment();
    const ts = keyTs(firstKey);
    const path = join(this.opts.dir, segmentName(ts));
    // A file of that name can only hold entries not yet counted as archived (a failed attempt at the
    // same first entry): they are written again, so it starts over.
    const file = Deno.openSync(path, { write: true, create: true, truncate: true, mode: 0o600 });
    this.#cur = { file, path, firstSecs: ts.high >>> 0, size: 0 };
    this.#segments++;
    syncDir(this.opts.dir);
  }

  #closeSegment(): void {
    try {
      this.#cur?.file.close();
    } catch { /* already closed */ }
    this.#cur = undefined;
  }

  /**
   * Archives everything left and closes the current segment (at stop). A compression under way stops
   * at its next step (a `.tmp` file it leaves is removed at the next start); `idle()` resolves then.
   */
  close(): void {
    while (this.flush() > 0 && this.#lastError === undefined) { /* drain */ }
    this.#closeSegment();
    this.#closed = true;
  }

  /** Resolves when no background compression or retention work is running. */
  async idle(): Promise<void> {
    while (this.#task) await this.#task;
  }

  #now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Starts the background work, or has the running one go round again for what came meanwhile. */
  #kick(): void {
    if (this.#closed) return;
    if (this.#task) {
      this.#again = true;
      return;
    }
    this.#task = (async () => {
      do {
        this.#again = false;
        await this.#maintain();
      } while (this.#again && !this.#closed);
    })().finally(() => this.#task = undefined);
  }

  async #maintain(): Promise<void> {
    while (!this.#closed && this.#toCompress.length > 0) {
      const path = this.#toCompress.shift()!;
      try {
        await this.#compress(path);
      } catch (e) {
        if (this.#closed) return;
        this.log?.warning(
          `oplog archive: could not compress ${path} (${e instanceof Error ? e.message : String(e)}); ` +
            "it stays uncompressed",
        );
      }
    }
    if (this.#closed) return;
    try {
      this.#applyRetention();
    } catch (e) {
      this.log?.warning(`oplog archive: retention failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.#lastMaintainMs = this.#now();
  }

  /** Gzips one closed segment under its final name, then removes the plain file. */
  async #compress(path: string): Promise<void> {
    if (path === this.#cur?.path) return; // written to again (cannot happen for a closed segment)
    const bytes = await Deno.readFile(path);
    const { docs, end } = splitDocuments(bytes);
    const firstDoc = docs[0];
    const lastDoc = docs[docs.length - 1];
    if (!firstDoc || !lastDoc) return; // nothing to keep (open() removes such files)
    const final = join(this.opts.dir, compressedSegmentName(entryTs(firstDoc), entryTs(lastDoc)));
    const gz = new Uint8Array(
      await new Response(
        new Blob([bytes.subarray(0, end)]).stream()
          .pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>),
      ).arrayBuffer(),
    );
    if (this.#closed) return;
    const tmp = `${final}.tmp`;
    const out = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
    try {
      let w = 0;
      while (w < gz.length) w += await out.write(gz.subarray(w));
      await out.syncData();
    } catch (e) {
      out.close();
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    out.close();
    await Deno.rename(tmp, final);
    syncDir(this.opts.dir);
    if (path === this.#cur?.path) return;
    await Deno.remove(path);
    syncDir(this.opts.dir);
    this.#compressed++;
  }

  /** Removes closed segments (and gap markers) older than the retention; never the newest segment. */
  #applyRetention(): void {
    const retention = this.opts.retentionSeconds ?? 0;
    if (retention <= 0) return;
    const cutoffSecs = this.#now() / 1000 - retention;
    const { segments, gaps } = listArchive(this.opts.dir);
    let kept = 0;
    for (let k = 0; k < segments.length - 1; k++) {
      const seg = segments[k]!;
      if (seg.path === this.#cur?.path || this.#toCompress.includes(seg.path)) break;
      // Every entry of a segment is at most its last, and before the next segment's first.
      const end = seg.last ?? segments[k + 1]!.first;
      if ((end.high >>> 0) >= cutoffSecs) break;
      Deno.removeSync(seg.path);
      this.#removed++;
      kept = k + 1;
      this.log?.info(`oplog archive: removed ${seg.path} (older than archive_retention_seconds)`);
    }
    if (kept === 0) return;
    const oldest = segments[kept]!.first;
    for (const g of gaps) {
      if (compareTs(g.resumedAt, oldest) <= 0) {
        Deno.removeSync(join(this.opts.dir, gapName(g.resumedAt)));
      }
    }
    syncDir(this.opts.dir);
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
      segmentsCompressed: this.#compressed,
      segmentsRemoved: this.#removed,
      retentionSeconds: this.opts.retentionSeconds ?? 0,
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
