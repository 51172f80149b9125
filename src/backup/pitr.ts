/**
 * Point-in-time recovery, the parts that need no running server: the target (`--to-time` an ISO 8601
 * date, `--to-ts` / `--to-time` a timestamp `T,I`, or `latest`), the newest oplog entry a restored
 * directory really holds (the replay's start: a backup's data can hold writes committed while its
 * files were copied, and the oplog is written in the same transaction as the data), the checks that
 * the oplog archive covers the way from there to the target without a gap, and the entries to replay —
 * a prefix of the archive in time order, so a transaction (one `applyOps` entry) is never split.
 * Replaying them through `applyOps` on a server started on the directory is the CLI's part.
 */
import { deserialize, type Document, Timestamp } from "bson";
import { type ArchiveListing, compareTs, listArchive, readArchive } from "../oplog/archive_files.ts";
import { keyTs } from "../oplog/entry.ts";
import { openWiredTiger } from "../storage/mod.ts";
import { RestoreError } from "./restore.ts";

export type PitrTarget =
  | { readonly kind: "ts"; readonly ts: Timestamp }
  | { readonly kind: "time"; readonly ms: number }
  | { readonly kind: "latest" };

const MAX_U32 = 0xffff_ffff;

/**
 * Reads a target: `latest`; a timestamp `T,I`, `T:I`, `Timestamp(T, I)` or bare seconds `T` (up to
 * the last entry of that second); or an ISO 8601 date-time (a zone is required: `Z` or `+hh:mm`).
 */
export function parseTarget(text: string): PitrTarget {
  const s = text.trim();
  if (s === "latest") return { kind: "latest" };
  const ts = /^(?:Timestamp\(\s*)?(\d{1,10})(?:\s*[,:]\s*(\d{1,10}))?\s*\)?$/.exec(s);
  if (ts) {
    const t = Number(ts[1]);
    const i = ts[2] === undefined ? MAX_U32 : Number(ts[2]);
    if (t > MAX_U32 || i > MAX_U32) throw new RestoreError(`timestamp ${s} is out of range`);
    return { kind: "ts", ts: new Timestamp({ t, i }) };
  }
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return { kind: "time", ms };
  }
  throw new RestoreError(
    `cannot read the target '${text}': give an ISO 8601 date-time with a zone ` +
      `(2026-12-02T05:00:00Z), a timestamp T,I (1764651600,3), or latest`,
  );
}

export function describeTarget(t: PitrTarget): string {
  switch (t.kind) {
    case "latest":
      return "the end of the oplog archive";
    case "ts":
      return fmtTs(t.ts);
    case "time":
      return new Date(t.ms).toISOString();
  }
}

export function fmtTs(ts: Timestamp): string {
  return `Timestamp(${ts.high >>> 0}, ${ts.low >>> 0})`;
}

/** Whether an entry (its ts and wall clock) is at or before the target. */
export function withinTarget(t: PitrTarget, ts: Timestamp, wallMs: number | undefined): boolean {
  switch (t.kind) {
    case "latest":
      return true;
    case "ts":
      return compareTs(ts, t.ts) <= 0;
    case "time":
      return (wallMs ?? (ts.high >>> 0) * 1000) <= t.ms;
  }
}

/** The target as an upper timestamp bound (for the gap check). */
function targetCeiling(t: PitrTarget): Timestamp | undefined {
  if (t.kind === "ts") return t.ts;
  if (t.kind === "time") return new Timestamp({ t: Math.floor(t.ms / 1000) + 1, i: 0 });
  return undefined;
}

/**
 * The newest oplog entry in a (restored, not running) data directory, or undefined when it has no
 * oplog (a backup of a standalone server). Opening it runs WiredTiger's recovery.
 */
export function oplogEnd(dataDir: string): Timestamp | undefined {
  const storage = openWiredTiger({
    path: dataDir,
    cacheSizeBytes: 64 << 20,
    sessionMax: 10,
    syncOnCommit: false,
  });
  try {
    const table = storage.openTable("oplog");
    return storage.read((txn) => {
      const r = txn.table(table).scan({ reverse: true }).next();
      return r.done ? undefined : keyTs(r.value[0]);
    });
  } finally {
    storage.close();
  }
}

/** Lists the archive folder; a missing or empty one is a RestoreError. */
export function openArchive(dir: string): ArchiveListing {
  let listing: ArchiveListing;
  try {
    listing = listArchive(dir);
  } catch (e) {
    throw new RestoreError(
      `oplog archive ${dir} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (listing.segments.length === 0) throw new RestoreError(`oplog archive ${dir} holds no segments`);
  return listing;
}

/**
 * Checks that the archive continues the restored data (`from`, its newest oplog entry) without a gap
 * up to the target; throws a RestoreError saying what is missing.
 */
export function checkCoverage(
  listing: ArchiveListing,
  from: Timestamp | undefined,
  target: PitrTarget,
): void {
  if (!from) {
    throw new RestoreError(
      "the backup holds no oplog (it was taken from a standalone server): no point-in-time replay is possible",
    );
  }
  const first = listing.segments[0]!.first;
  if (compareTs(first, from) > 0) {
    throw new RestoreError(
      `the oplog archive starts at ${fmtTs(first)}, after the backup's last oplog entry ${
        fmtTs(from)
      }: the entries in between are missing (use an older archive or a newer backup)`,
    );
  }
  if (target.kind === "ts" && compareTs(target.ts, from) < 0) {
    throw new RestoreError(
      `the backup already holds writes up to ${fmtTs(from)}, after the target ${
        fmtTs(target.ts)
      }: restore an older backup`,
    );
  }
  if (target.kind === "time" && (from.high >>> 0) * 1000 > target.ms) {
    throw new RestoreError(
      `the backup already holds writes up to ${new Date((from.high >>> 0) * 1000).toISOString()} (${
        fmtTs(from)
      }), after the target ${new Date(target.ms).toISOString()}: restore an older backup`,
    );
  }
  const ceiling = targetCeiling(target);
  for (const g of listing.gaps) {
    const startsBeforeTarget = !ceiling || !g.after || compareTs(g.after, ceiling) < 0;
    if (compareTs(g.resumedAt, from) > 0 && startsBeforeTarget) {
      throw new RestoreError(
        `the oplog archive has a gap (${g.reason}) between ${g.after ? fmtTs(g.after) : "its start"} and ${
          fmtTs(g.resumedAt)
        }: no replay can cross it; the latest reachable point is ${fmtTs(g.after ?? from)}`,
      );
    }
  }
}

/** One entry to replay: its timestamp and the entry decoded exactly (numbers keep their BSON types). */
export interface ReplayEntry {
  readonly ts: Timestamp;
  readonly doc: Document;
}

/**
 * The archived entries to replay after `from`, in order, up to the target (the first entry past it
 * ends the replay: a prefix, so the replayed state is one the server really had). `outcome` says
 * whether the archive went past the target (else it ended first).
 */
export async function* entriesToReplay(
  listing: ArchiveListing,
  from: Timestamp,
  target: PitrTarget,
  outcome: { passedTarget: boolean } = { passedTarget: false },
): AsyncGenerator<ReplayEntry> {
  // The entries of a transaction logged as a chain (partialTxn …, then the last) are consecutive:
  // they are held until the last one, so a replay never stops inside a transaction.
  let held: ReplayEntry[] = [];
  for await (const e of readArchive(listing, from)) {
    const doc = deserialize(e.bytes, { promoteValues: false, promoteBuffers: false, promoteLongs: false });
    const wall = doc["wall"];
    if (!withinTarget(target, e.ts, wall instanceof Date ? wall.getTime() : undefined)) {
      outcome.passedTarget = true;
      return;
    }
    const o = doc["o"] as Record<string, unknown> | undefined;
    if (doc["op"] === "c" && o?.["partialTxn"] === true) {
      held.push({ ts: e.ts, doc });
      continue;
    }
    yield* held;
    held = [];
    yield { ts: e.ts, doc };
  }
}
