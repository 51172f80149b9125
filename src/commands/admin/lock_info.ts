/**
 * lockInfo: mongod's lock manager's held and pending resources. This server has no lock manager —
 * operations run on WiredTiger snapshots and a write's conflicts are WiredTiger's (docs/concurrency.md) —
 * so no resource is ever held or awaited: an empty `lockInfo`. `includeStorageEngineDump` (mongod writes
 * WiredTiger's lock dump to its log) is accepted and changes nothing. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, optional, parseShape } from "../params/schema.ts";

export type LockInfoParams = Readonly<Record<never, never>>;

function parse(body: Doc): LockInfoParams {
  parseShape("lockInfo", body, { includeStorageEngineDump: optional(bool) }, {
    skip: "lockInfo",
    alsoAccept: GENERIC_FIELDS,
  });
  return {};
}

function run(ctx: RequestContext<LockInfoParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "lockInfo may only be run against the admin database.");
  }
  return { lockInfo: [], ok: 1 };
}

export const lockInfo = defineCommand<LockInfoParams>({
  name: "lockInfo",
  help: "locks held and awaited: none (no lock manager; WiredTiger snapshots)",
  auth: "serverStatus",
  parse,
  run,
});
