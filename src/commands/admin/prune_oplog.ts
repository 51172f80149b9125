/**
 * `secantusAdmin.pruneOplog`: prunes the oplog now by `[oplog] retention_seconds` and `max_entries`
 * (the background pruner does the same every minute) and reports what is left:
 * `{removed, entries, firstTs, lastTs}`. Refused on a standalone server, which has no oplog.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

const NAME = "secantusAdmin.pruneOplog";

async function run(ctx: RequestContext<Record<string, never>>): Promise<Doc> {
  const oplog = ctx.oplog;
  if (!oplog) throw new CommandError("NoReplicationEnabled", "this server runs standalone: it has no oplog");
  const removed = await oplog.prune();
  const first = oplog.firstTs();
  const last = oplog.lastTs();
  return { removed, ...(first ? { firstTs: first } : {}), ...(last ? { lastTs: last } : {}), ok: 1 };
}

export const pruneOplog = defineCommand<Record<string, never>>({
  name: NAME,
  help: "prunes the oplog now by retention_seconds / max_entries: {'secantusAdmin.pruneOplog': 1}",
  auth: "secantusOplogAdmin",
  parse: (body) => {
    parseShape(NAME, body, {}, { skip: NAME, alsoAccept: GENERIC_FIELDS });
    return {};
  },
  run,
});
