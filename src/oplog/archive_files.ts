/**
 * The oplog archive's on-disk layout (point-in-time recovery), shared by the writer (`archive.ts`)
 * and the readers (restore's replay):
 *
 *  - `oplog-<secs>-<inc>.bson`: a segment, oplog entries as concatenated BSON documents in time order
 *    (the format of mongodump's `oplog.bson`, so `bsondump` reads it), named after its first entry's
 *    timestamp (10-digit zero-padded, so name order is time order);
 *  - `oplog-<secs>-<inc>-to-<secs>-<inc>.bson.gz`: a closed segment, gzipped (`gunzip -c … | bsondump`
 *    reads it), named after its first and last entries (so retention and readers need not open it).
 *    It is written under a `.tmp` name, fsynced and renamed before the plain segment is removed: when
 *    both exist, the `.gz` is whole and the plain one is a leftover;
 *  - `oplog-<secs>-<inc>.gap.json`: a gap marker, written when the archiver finds that entries after
 *    the archive's last one were removed from the oplog before they could be archived (the server ran
 *    without `archive_dir` for a while, or the archive's files were lost): `{after, resumedAt,
 *    reason, detectedAt}`. No replay may cross it.
 *
 * A segment may end in a torn document (a crash while appending): readers stop that file there; the
 * same entries are written again to a later segment, and readers skip entries not newer than the last
 * one they returned.
 */
import { BSON, Timestamp } from "bson";

/**
 * `dir/name`, and a path's folder: node:path's join and dirname would load Deno's Node compatibility
 * layer on the server's start path (~15 ms of CPU; src/node_builtin.ts).
 */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

const join = joinPath;

const SEGMENT = /^oplog-(\d{10})-(\d{10})\.bson$/;
const GZ_SEGMENT = /^oplog-(\d{10})-(\d{10})-to-(\d{10})-(\d{10})\.bson\.gz$/;
const GAP = /^oplog-(\d{10})-(\d{10})\.gap\.json$/;

export interface GapRecord {
  /** The archive's last entry before the gap (null: none). */
  readonly after: Timestamp | null;
  /** The first entry archived after the gap. */
  readonly resumedAt: Timestamp;
  readonly reason: string;
  readonly detectedAt: string;
}

export interface SegmentFile {
  readonly path: string;
  /** Its first entry's timestamp (from the name). */
  readonly first: Timestamp;
  /** Its last entry's timestamp: known (from the name) for a compressed segment. */
  readonly last?: Timestamp;
  /** A closed, gzipped segment. */
  readonly compressed: boolean;
}

export interface ArchiveListing {
  /** Oldest first. */
  readonly segments: readonly SegmentFile[];
  readonly gaps: readonly GapRecord[];
}

function pad(n: number): string {
  return String(n >>> 0).padStart(10, "0");
}

export function segmentName(ts: Timestamp): string {
  return `oplog-${pad(ts.high)}-${pad(ts.low)}.bson`;
}

export function compressedSegmentName(first: Timestamp, last: Timestamp): string {
  return `oplog-${pad(first.high)}-${pad(first.low)}-to-${pad(last.high)}-${pad(last.low)}.bson.gz`;
}

export function gapName(ts: Timestamp): string {
  return `oplog-${pad(ts.high)}-${pad(ts.low)}.gap.json`;
}

/** Orders two timestamps (unsigned seconds, then increment). */
export function compareTs(a: Timestamp, b: Timestamp): number {
  const d = (a.high >>> 0) - (b.high >>> 0);
  return d !== 0 ? d : (a.low >>> 0) - (b.low >>> 0);
}

function tsOf(secs: string, inc: string): Timestamp {
  return new Timestamp({ t: Number(secs), i: Number(inc) });
}

function tsFromJson(v: unknown): Timestamp | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  return typeof o["t"] === "number" && typeof o["i"] === "number"
    ? new Timestamp({ t: o["t"], i: o["i"] })
    : null;
}

export function gapToJson(g: GapRecord): string {
  const t = (ts: Timestamp | null) => ts ? { t: ts.high >>> 0, i: ts.low >>> 0 } : null;
  return JSON.stringify(
    { after: t(g.after), resumedAt: t(g.resumedAt), reason: g.reason, detectedAt: g.detectedAt },
    null,
    2,
  ) + "\n";
}

/**
 * The segments and gap markers in `dir` (oldest first). A missing folder throws NotFound; files
 * that are neither are ignored (an operator's README, rsync temporaries, `.tmp` files). A plain
 * segment whose gzipped copy exists is left out (`leftovers`: the compressor stopped before
 * removing it).
 */
export function listArchive(dir: string): ArchiveListing & { readonly leftovers: readonly string[] } {
  const plain: SegmentFile[] = [];
  const zipped: SegmentFile[] = [];
  const gaps: GapRecord[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (!e.isFile) continue;
    const s = SEGMENT.exec(e.name);
    if (s) {
      plain.push({ path: join(dir, e.name), first: tsOf(s[1]!, s[2]!), compressed: false });
      continue;
    }
    const z = GZ_SEGMENT.exec(e.name);
    if (z) {
      zipped.push({
        path: join(dir, e.name),
        first: tsOf(z[1]!, z[2]!),
        last: tsOf(z[3]!, z[4]!),
        compressed: true,
      });
      continue;
    }
    const g = GAP.exec(e.name);
    if (g) {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Deno.readTextFileSync(join(dir, e.name)));
      } catch { /* a damaged marker still marks a gap: at its name, after an unknown point */ }
      gaps.push({
        after: tsFromJson(body["after"]),
        resumedAt: tsOf(g[1]!, g[2]!),
        reason: typeof body["reason"] === "string" ? body["reason"] : "unknown",
        detectedAt: typeof body["detectedAt"] === "string" ? body["detectedAt"] : "",
      });
    }
  }
  const zippedFirsts = new Set(zipped.map((z) => `${z.first.high >>> 0}.${z.first.low >>> 0}`));
  const leftovers: string[] = [];
  const segments = [...zipped];
  for (const p of plain) {
    if (zippedFirsts.has(`${p.first.high >>> 0}.${p.first.low >>> 0}`)) leftovers.push(p.path);
    else segments.push(p);
  }
  segments.sort((a, b) => compareTs(a.first, b.first));
  gaps.sort((a, b) => compareTs(a.resumedAt, b.resumedAt));
  return { segments, gaps, leftovers };
}

/**
 * A segment's bytes (gunzipped when compressed, through the platform's DecompressionStream). A plain
 * segment compressed since it was listed (a live archive) is read from its `.gz`.
 */
export async function readSegment(seg: SegmentFile): Promise<Uint8Array> {
  if (!seg.compressed) {
    try {
      return await Deno.readFile(seg.path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      const twin = listArchive(dirname(seg.path)).segments.find((z) =>
        z.compressed && compareTs(z.first, seg.first) === 0
      );
      if (!twin) throw e;
      return await readSegment(twin);
    }
  }
  const file = await Deno.open(seg.path, { read: true });
  const plain = file.readable.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(plain).arrayBuffer());
}

/** One archived entry: its BSON bytes and its timestamp. */
export interface ArchivedEntry {
  readonly bytes: Uint8Array;
  readonly ts: Timestamp;
}

/**
 * The whole documents of a segment's bytes, in order, and where the last whole one ends (a torn tail
 * after it is not returned).
 */
export function splitDocuments(buf: Uint8Array): { docs: Uint8Array[]; end: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const docs: Uint8Array[] = [];
  let at = 0;
  while (at + 5 <= buf.length) {
    const len = view.getInt32(at, true);
    if (len < 5 || at + len > buf.length || buf[at + len - 1] !== 0) break;
    docs.push(buf.subarray(at, at + len));
    at += len;
  }
  return { docs, end: at };
}

/** The `ts` of one entry's bytes. */
export function entryTs(bytes: Uint8Array): Timestamp {
  const ts = BSON.deserialize(bytes, { promoteValues: true })["ts"];
  if (!(ts instanceof Timestamp)) throw new Error("an archived oplog entry has no ts");
  return ts;
}

/**
 * Archived entries newer than `after` (all when null), oldest first, across every segment, plain
 * or gzipped: files wholly before `after` are skipped unread, torn tails are cut, and an entry not
 * newer than the one before it (a re-archived copy) is skipped.
 */
export async function* readArchive(
  listing: ArchiveListing,
  after: Timestamp | null,
): AsyncGenerator<ArchivedEntry> {
  let last = after;
  const segs = listing.segments;
  for (let k = 0; k < segs.length; k++) {
    const next = segs[k + 1];
    const seg = segs[k]!;
    if (last && next && compareTs(next.first, last) <= 0) continue; // every entry here is ≤ next.first
    if (last && seg.last && compareTs(seg.last, last) <= 0) continue;
    const { docs } = splitDocuments(await readSegment(seg));
    for (const bytes of docs) {
      const ts = entryTs(bytes);
      if (last && compareTs(ts, last) <= 0) continue;
      last = ts;
      yield { bytes, ts };
    }
  }
}
