/**
 * secantusAdmin.restoreArchive: `{"secantusAdmin.restoreArchive": 1, archive, targetDir,
 * allowExisting?, toTime? | toTs?, oplogArchive?}` restores a native backup into a directory from a
 * running server, exactly as the offline `secantusdb restore-archive` does (verified against the
 * manifest; see src/backup/). The server's own data directory, or any directory a running server
 * holds, is refused. The restored directory is for another server to start on. Admin database only.
 *
 * Point-in-time recovery, as the CLI's `--to-time` / `--to-ts`: `toTime` (an ISO 8601 date-time with
 * a zone, a Date, a Timestamp, `"T,I"` or `"latest"`) or `toTs` (a Timestamp or `"T,I"`) replays the
 * oplog archive after the backup up to that moment (whole transactions only) onto the restored
 * directory. The archive is `oplogArchive`, or this server's own `[oplog] archive_dir` (flushed first,
 * so the replay reaches the last committed write). Bad or conflicting fields are 2 BadValue (the CLI's
 * exit 2); a restore or replay that cannot proceed — a gap in the archive, an archive that does not
 * reach back to the backup, a backup newer than the target — is 20 IllegalOperation with the CLI's
 * message (its exit 1), and a target directory the command created is then removed.
 */
import { resolve } from "node:path";
import { Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { any, bool, optional, parseShape, required, str } from "../params/schema.ts";
import { restoreArchive, RestoreError, type RestoreResult } from "../../backup/mod.ts";
import { describeTarget, fmtTs, parseTarget, type PitrTarget } from "../../backup/pitr.ts";
import { pointInTimeRestore, reachedText } from "../../backup/pitr_restore.ts";

const NAME = "secantusAdmin.restoreArchive";
const FIELDS = {
  archive: required(str),
  targetDir: required(str),
  allowExisting: optional(bool),
  toTime: optional(any),
  toTs: optional(any),
  oplogArchive: optional(str),
} as const;

export interface RestoreArchiveParams {
  readonly archive: string;
  readonly targetDir: string;
  readonly allowExisting?: boolean | undefined;
  /** The point-in-time target (toTime or toTs), if any. */
  readonly target?: PitrTarget | undefined;
  readonly oplogArchive?: string | undefined;
}

/** A target field's value: a Date, a Timestamp, or text the CLI would take. */
function readTarget(field: "toTime" | "toTs", v: unknown): PitrTarget {
  if (v instanceof Date) {
    if (field === "toTs" || !Number.isFinite(v.getTime())) {
      throw new CommandError("BadValue", `${NAME}.${field} must be a timestamp T,I or a Timestamp`);
    }
    return { kind: "time", ms: v.getTime() };
  }
  if (v instanceof Timestamp) return { kind: "ts", ts: v };
  if (typeof v !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${NAME}.${field}' is the wrong type, expected a string, a date or a timestamp`,
    );
  }
  let t: PitrTarget;
  try {
    t = parseTarget(v);
  } catch (e) {
    if (e instanceof RestoreError) throw new CommandError("BadValue", e.message);
    throw e;
  }
  if (field === "toTs" && t.kind !== "ts") {
    throw new CommandError("BadValue", `toTs takes a timestamp T,I, got '${v}'`);
  }
  return t;
}

function parse(body: Doc): RestoreArchiveParams {
  const p = parseShape(NAME, body, FIELDS, { skip: NAME, alsoAccept: GENERIC_FIELDS });
  if (p.toTime !== undefined && p.toTs !== undefined) {
    throw new CommandError("BadValue", "give toTime or toTs, not both");
  }
  const target = p.toTime !== undefined
    ? readTarget("toTime", p.toTime)
    : p.toTs !== undefined
    ? readTarget("toTs", p.toTs)
    : undefined;
  if (p.oplogArchive !== undefined && target === undefined) {
    throw new CommandError("BadValue", "oplogArchive and toTime/toTs go together");
  }
  return {
    archive: p.archive,
    targetDir: p.targetDir,
    allowExisting: p.allowExisting,
    target,
    oplogArchive: p.oplogArchive,
  };
}

function restoredFields(r: RestoreResult): Doc {
  return {
    targetDir: r.targetDir,
    files: r.files,
    bytes: r.bytes,
    collections: r.manifest.collections.length,
    createdAt: new Date(r.manifest.createdAt),
    durationMs: r.durationMs,
  };
}

async function pointInTime(ctx: RequestContext<RestoreArchiveParams>, target: PitrTarget): Promise<Doc> {
  const p = ctx.params;
  const own = ctx.oplog?.archiveStats()?.dir;
  const oplogArchive = p.oplogArchive ?? own;
  if (oplogArchive === undefined) {
    throw new CommandError(
      "BadValue",
      "toTime/toTs need oplogArchive: this server keeps no oplog archive ([oplog] archive_dir)",
    );
  }
  if (!ctx.replayOplog) {
    throw new CommandError("IllegalOperation", "this server cannot replay an oplog archive");
  }
  if (own !== undefined && resolve(oplogArchive) === resolve(own)) ctx.oplog?.flushArchive();
  const o = await pointInTimeRestore(
    {
      archive: p.archive,
      targetDir: p.targetDir,
      allowExisting: p.allowExisting === true,
      oplogArchive,
      target,
    },
    ctx.replayOplog,
    {
      replaying: (from) =>
        ctx.log.info(
          `${NAME}: replaying the oplog archive ${oplogArchive} after ${fmtTs(from)} up to ${
            describeTarget(target)
          }`,
        ),
    },
  );
  ctx.log.info(
    `restored ${p.archive} into ${o.restore.targetDir} and replayed ${o.replay.applied} oplog entries ` +
      `in ${o.replay.durationMs} ms: the data is as of ${reachedText(o)}`,
  );
  return {
    ...restoredFields(o.restore),
    pointInTime: {
      oplogArchive,
      target: describeTarget(target),
      from: o.from,
      applied: o.replay.applied,
      noops: o.replay.noops,
      ...(o.replay.last ? { reached: o.replay.last } : {}),
      ...(o.replay.lastWall ? { reachedWall: o.replay.lastWall } : {}),
      reachedTarget: o.replay.reachedTarget,
      replayMs: o.replay.durationMs,
    },
    ok: 1,
  };
}

async function run(ctx: RequestContext<RestoreArchiveParams>): Promise<Doc> {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${NAME} may only be run against the admin database.`);
  }
  const p = ctx.params;
  if (!ctx.storage.inMemory && resolve(p.targetDir) === resolve(ctx.info.storagePath)) {
    throw new CommandError("IllegalOperation", "cannot restore into this server's own data directory");
  }
  try {
    if (p.target !== undefined) return await pointInTime(ctx, p.target);
    const r = await restoreArchive({
      archive: p.archive,
      targetDir: p.targetDir,
      allowExisting: p.allowExisting === true,
    });
    ctx.log.info(
      `restored ${p.archive} into ${r.targetDir}: ${r.files} files, ${r.bytes} bytes, ${r.durationMs} ms`,
    );
    return { ...restoredFields(r), ok: 1 };
  } catch (e) {
    if (e instanceof RestoreError) throw new CommandError("IllegalOperation", e.message);
    throw e;
  }
}

export const restoreArchiveCommand = defineCommand<RestoreArchiveParams>({
  name: NAME,
  help:
    'restores a native backup into a directory: {"secantusAdmin.restoreArchive": 1, archive, targetDir, ' +
    "toTime?, oplogArchive?}",
  auth: "secantusRestore",
  parse,
  run,
});
