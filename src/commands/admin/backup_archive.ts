/**
 * secantusAdmin.backupArchive: `{"secantusAdmin.backupArchive": 1, outputPath: "/abs/x.tar.gz"}`
 * writes a native backup (a consistent `.tar.gz` of the data files plus `manifest.json`, see
 * src/backup/) while the server keeps serving. Refuses to overwrite; reports the archive's size and
 * the time taken. One backup at a time (a second one while one runs is 117 ConflictingOperationInProgress).
 * An in-memory server is 20 IllegalOperation. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape, required, str } from "../params/schema.ts";
import { checkOutputPath, createArchive } from "../../backup/mod.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";

const NAME = "secantusAdmin.backupArchive";
const FIELDS = { outputPath: required(str) } as const;

export interface BackupArchiveParams {
  readonly outputPath: string;
}

let running = false;

async function run(ctx: RequestContext<BackupArchiveParams>): Promise<Doc> {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${NAME} may only be run against the admin database.`);
  }
  checkOutputPath(ctx.params.outputPath);
  if (ctx.storage.inMemory) {
    throw new CommandError("IllegalOperation", "an in-memory server (:memory:) has no files to back up");
  }
  if (running) throw new CommandError("ConflictingOperationInProgress", "a backup is already running");
  running = true;
  try {
    const ts = ctx.clusterClock.latest();
    const first = ctx.oplog?.firstTs();
    const last = ctx.oplog?.lastTs();
    ctx.log.info(`backup to ${ctx.params.outputPath} started`);
    const r = await createArchive(ctx.storage, {
      outputPath: ctx.params.outputPath,
      serverVersion: VERSION,
      mongodbCompat: COMPAT_MONGODB_VERSION,
      engineVersion: ctx.storage.engineVersion,
      clusterTime: ctx.info.standalone ? null : { t: ts.t, i: ts.i },
      oplog: first && last ? { first: { t: first.t, i: first.i }, last: { t: last.t, i: last.i } } : null,
    });
    ctx.backups.last = r;
    const mbs = r.dataSize / 1048576 / Math.max(0.001, r.durationMs / 1000);
    ctx.log.info(
      `backup to ${r.path} done: ${r.files} files, ${r.dataSize} bytes read, ${r.size} bytes written, ${r.durationMs} ms (${
        mbs.toFixed(1)
      } MB/s)`,
    );
    return {
      path: r.path,
      size: r.size,
      dataSize: r.dataSize,
      files: r.files,
      collections: r.manifest.collections.length,
      durationMs: r.durationMs,
      createdAt: new Date(r.manifest.createdAt),
      ok: 1,
    };
  } finally {
    running = false;
  }
}

export const backupArchive = defineCommand<BackupArchiveParams>({
  name: NAME,
  help: 'native backup: {"secantusAdmin.backupArchive": 1, outputPath: "/abs/path.tar.gz"}',
  auth: "secantusBackup",
  parse: (body) => parseShape(NAME, body, FIELDS, { skip: NAME, alsoAccept: GENERIC_FIELDS }),
  run,
});
