/**
 * drop: removes a collection and its indexes (cursors on it are killed), or a view's definition.
 * Missing → 26 NamespaceNotFound.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { removeView } from "../shared/views.ts";
import { isOplog } from "../shared/namespace.ts";
import { commitSync } from "../write/write_batch.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";

const FIELDS = {} as const;

export type DropParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseDrop(body: Doc): DropParams {
  return {
    ...parseShape("drop", body, FIELDS, { skip: "drop", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("drop", body),
  };
}

function run(ctx: RequestContext<DropParams>): Doc {
  const name = ctx.params.collection;
  if (isOplog(ctx.db, name) && !ctx.info.standalone) {
    throw new CommandError(Location.DropLiveOplog, "can't drop live oplog while replicating");
  }
  const coll = ctx.storage.catalog.getCollection(ctx.db, name);
  const ns = `${ctx.db}.${name}`;
  if (!coll) {
    if (removeView(ctx.storage, ctx.db, name, commitSync(ctx))) return { ns, ok: 1 };
    throw new CommandError("NamespaceNotFound", "ns not found");
  }
  ctx.cursors.killNamespace(ns);
  ctx.storage.catalog.dropCollection(ctx.db, name);
  return { nIndexesWas: coll.indexes.length, ns, ok: 1 };
}

export const drop = defineCommand<DropParams>({
  name: "drop",
  help: "drops a collection: {drop: <name>}",
  auth: "dropCollection",
  parse: parseDrop,
  run: afterTransactions(
    (ctx) => ({
      namespaces: [`${ctx.db}.${ctx.params.collection}`, `${ctx.db}.system.buckets.${ctx.params.collection}`],
    }),
    run,
  ),
});
