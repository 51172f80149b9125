/**
 * fsync: `{fsync: 1}` checkpoints the storage engine and syncs it to disk (WiredTiger checkpoint);
 * `{fsync: 1, lock: true}` also takes the fsync lock, so commands that write wait (reads go on) until
 * `fsyncUnlock` — for filesystem snapshots of the data directory. `fsyncUnlock` removes one lock
 * (locks nest); unlocking an unlocked server is 125 CommandFailed "fsyncUnlock called when not
 * locked", as on mongod. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { any, bool, ignored, optional, parseShape } from "../params/schema.ts";

const FSYNC_FIELDS = {
  lock: optional(bool),
  async: ignored,
  forBackup: ignored,
  fsyncLockAcquisitionTimeoutMillis: optional(any),
} as const;

export interface FsyncParams {
  readonly lock: boolean;
}

function adminOnly(ctx: RequestContext<unknown>, name: string): void {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${name} may only be run against the admin database.`);
  }
}

function runFsync(ctx: RequestContext<FsyncParams>): Doc {
  adminOnly(ctx, "fsync");
  if (!ctx.params.lock) {
    ctx.storage.checkpoint();
    return { numFiles: 1, ok: 1 };
  }
  const lockCount = ctx.fsyncLock.lock();
  ctx.pointReads?.quiesceWrites(); // (the I/O thread's updates too, before the checkpoint)
  try {
    ctx.storage.checkpoint();
  } catch (e) {
    ctx.fsyncLock.unlock();
    throw e;
  }
  ctx.log.info(`fsync lock taken (count ${lockCount}): writes wait until fsyncUnlock`);
  return {
    info: "now locked against writes, use db.fsyncUnlock() to unlock",
    lockCount: lockCount,
    seeAlso: "http://dochub.mongodb.org/core/fsynccommand",
    ok: 1,
  };
}

export const fsync = defineCommand<FsyncParams>({
  name: "fsync",
  help: "checkpoint and sync to disk; {lock: true} also blocks writes until fsyncUnlock",
  auth: "fsync",
  parse: (body) => {
    const p = parseShape("fsync", body, FSYNC_FIELDS, { skip: "fsync", alsoAccept: GENERIC_FIELDS });
    return { lock: p.lock ?? false };
  },
  run: runFsync,
});

function runUnlock(ctx: RequestContext<Record<string, never>>): Doc {
  adminOnly(ctx, "fsyncUnlock");
  const left = ctx.fsyncLock.unlock();
  if (left < 0) throw new CommandError("CommandFailed", "fsyncUnlock called when not locked");
  ctx.log.info(`fsyncUnlock: lock count now ${left}`);
  return { info: left === 0 ? "fsyncUnlock completed" : "fsyncUnlock: still locked", lockCount: left, ok: 1 };
}

export const fsyncUnlock = defineCommand<Record<string, never>>({
  name: "fsyncUnlock",
  help: "removes one fsync lock; writes resume when none is left",
  auth: "unlock",
  parse: (body) => {
    parseShape("fsyncUnlock", body, {}, { skip: "fsyncUnlock", alsoAccept: GENERIC_FIELDS });
    return {};
  },
  run: runUnlock,
});
