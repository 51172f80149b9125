/**
 * reIndex (deprecated in mongod): rebuilds a collection's indexes, and only on a standalone mongod — a
 * replica-set member answers 20 IllegalOperation "reIndex is only allowed on a standalone mongod instance…",
 * which is this server's answer in its replica-set persona (the default). With `--standalone` it is refused
 * with 115 CommandNotSupported: indexes here are never rebuilt in place (`compact` gives their free space
 * back). A view is 166, a missing collection 26, as on mongod. Needs `reIndex` on the collection.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape } from "../params/schema.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { findView } from "../shared/views.ts";

export interface ReIndexParams {
  readonly collection: string;
}

function parse(body: Doc): ReIndexParams {
  parseShape("reIndex", body, {}, { skip: "reIndex", alsoAccept: GENERIC_FIELDS });
  return { collection: collectionName("reIndex", body) };
}

function run(ctx: RequestContext<ReIndexParams>): Doc {
  const ns = `${ctx.db}.${ctx.params.collection}`;
  ctx.opStats.ns = ns;
  if (!ctx.info.standalone) {
    throw new CommandError(
      "IllegalOperation",
      `reIndex is only allowed on a standalone mongod instance. Cannot reIndex '${ns}' while replication is active`,
    );
  }
  if (!findCollection(ctx, ctx.params.collection)) {
    if (findView(ctx.storage, ctx.db, ctx.params.collection)) {
      throw new CommandError("CommandNotSupportedOnView", "can't re-index a view");
    }
    throw new CommandError("NamespaceNotFound", "collection does not exist");
  }
  throw new CommandError(
    "CommandNotSupported",
    `reIndex is not supported by SecantusDB: indexes are not rebuilt in place ('${ns}'); compact returns their free space`,
  );
}

export const reIndex = defineCommand<ReIndexParams>({
  name: "reIndex",
  help: "refused: 20 in the replica-set persona (as mongod), 115 with --standalone",
  auth: "reIndex",
  parse,
  run,
});
