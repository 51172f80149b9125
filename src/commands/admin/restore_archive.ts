/**
 * secantusAdmin.restoreArchive: `{"secantusAdmin.restoreArchive": 1, archive, targetDir,
 * allowExisting?}` restores a native backup into a directory from a running server, exactly as the
 * offline `secantusdb restore-archive` does (verified against the manifest; see src/backup/). The
 * server's own data directory, or any directory a running server holds, is refused. The restored
 * directory is for another server to start on. Admin database only.
 */
import { resolve } from "node:path";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, optional, parseShape, required, str } from "../params/schema.ts";
import { restoreArchive, RestoreError } from "../../backup/mod.ts";

const NAME = "secantusAdmin.restoreArchive";
const FIELDS = { archive: required(str), targetDir: required(str), allowExisting: optional(bool) } as const;

export interface RestoreArchiveParams {
  readonly archive: string;
  readonly targetDir: string;
  readonly allowExisting?: boolean | undefined;
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
    const r = await restoreArchive({
      archive: p.archive,
      targetDir: p.targetDir,
      allowExisting: p.allowExisting === true,
    });
    ctx.log.info(
      `restored ${p.archive} into ${r.targetDir}: ${r.files} files, ${r.bytes} bytes, ${r.durationMs} ms`,
    );
    return {
      targetDir: r.targetDir,
      files: r.files,
      bytes: r.bytes,
      collections: r.manifest.collections.length,
      createdAt: new Date(r.manifest.createdAt),
      durationMs: r.durationMs,
      ok: 1,
    };
  } catch (e) {
    if (e instanceof RestoreError) throw new CommandError("IllegalOperation", e.message);
    throw e;
  }
}

export const restoreArchiveCommand = defineCommand<RestoreArchiveParams>({
  name: NAME,
  help: 'restores a native backup into a directory: {"secantusAdmin.restoreArchive": 1, archive, targetDir}',
  auth: "secantusRestore",
  parse: (body) => parseShape(NAME, body, FIELDS, { skip: NAME, alsoAccept: GENERIC_FIELDS }),
  run,
});
