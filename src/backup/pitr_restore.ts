/**
 * A point-in-time restore from start to end, shared by `secantusdb restore-archive --to-time/--to-ts`
 * and `secantusAdmin.restoreArchive {toTime | toTs}`: the oplog archive is listed and the target
 * directory checked before any work, the base backup is restored (restore.ts), then the archive is
 * checked to continue the restored data up to the target without a gap (pitr.ts) and replayed. The
 * replay itself needs a server on the directory, so the caller passes it in (`ReplayFn`, implemented
 * in src/app/pitr_replay.ts). When anything after the restore fails, a target directory this restore
 * created is removed; one that existed before (`allowExisting`) is left holding a partial replay, and
 * the error says which.
 */
import type { Timestamp } from "bson";
import type { ArchiveListing } from "../oplog/archive_files.ts";
import { checkCoverage, fmtTs, openArchive, oplogEnd, type PitrTarget } from "./pitr.ts";
import { checkTarget, restoreArchive, RestoreError, type RestoreResult } from "./restore.ts";

export interface ReplayResult {
  /** Entries applied (no-ops excluded). */
  readonly applied: number;
  readonly noops: number;
  /** The last entry replayed (no-ops included), if any. */
  readonly last: Timestamp | undefined;
  readonly lastWall: Date | undefined;
  /** False when the archive ended before reaching the target. */
  readonly reachedTarget: boolean;
  readonly durationMs: number;
}

/** Replays the archived entries after `from` up to `target` onto the (stopped) data directory. */
export type ReplayFn = (
  dataDir: string,
  listing: ArchiveListing,
  from: Timestamp,
  target: PitrTarget,
) => Promise<ReplayResult>;

export interface PitrRequest {
  readonly archive: string;
  readonly targetDir: string;
  readonly allowExisting: boolean;
  /** A folder of oplog segments (a server's `[oplog] archive_dir`, or a copy of it). */
  readonly oplogArchive: string;
  readonly target: PitrTarget;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PitrOutcome {
  readonly restore: RestoreResult;
  /** The restored data's newest oplog entry: where the replay started. */
  readonly from: Timestamp;
  readonly replay: ReplayResult;
}

/** Events for the caller to print or log. */
export interface PitrReport {
  restored?(r: RestoreResult): void;
  replaying?(from: Timestamp): void;
}

export async function pointInTimeRestore(
  req: PitrRequest,
  replay: ReplayFn,
  report: PitrReport = {},
): Promise<PitrOutcome> {
  const listing = openArchive(req.oplogArchive);
  checkTarget(req.targetDir, req.allowExisting);
  const created = !dirHasEntries(req.targetDir);
  const restored = await restoreArchive({
    archive: req.archive,
    targetDir: req.targetDir,
    allowExisting: req.allowExisting,
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  });
  report.restored?.(restored);
  try {
    const from = oplogEnd(restored.targetDir);
    checkCoverage(listing, from, req.target);
    report.replaying?.(from!);
    const r = await replay(restored.targetDir, listing, from!, req.target);
    return { restore: restored, from: from!, replay: r };
  } catch (e) {
    if (created) {
      try {
        Deno.removeSync(restored.targetDir, { recursive: true });
      } catch { /* report the first error */ }
    }
    if (!(e instanceof RestoreError)) throw e;
    throw new RestoreError(
      `${e.message}${
        created ? ` (${restored.targetDir} was removed)` : ` (${restored.targetDir} holds a partial replay)`
      }`,
    );
  }
}

/** What the data is as of after a replay, for messages. */
export function reachedText(o: PitrOutcome): string {
  return o.replay.last
    ? `${fmtTs(o.replay.last)}${o.replay.lastWall ? ` (${o.replay.lastWall.toISOString()})` : ""}`
    : `${fmtTs(o.from)} (nothing newer was archived)`;
}

function dirHasEntries(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return true;
    return false;
  } catch {
    return false;
  }
}
