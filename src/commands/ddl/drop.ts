/** drop: removes a collection and its indexes; cursors on it are killed. Missing → 26 NamespaceNotFound. */
import { CommandError } from "../../errors/command_error.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName } from "../params/readers.ts";

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("drop", body);
  const coll = ctx.storage.catalog.getCollection(ctx.db, name);
  if (!coll) throw new CommandError("NamespaceNotFound", "ns not found");
  const ns = `${ctx.db}.${name}`;
  ctx.cursors.killNamespace(ns);
  ctx.storage.catalog.dropCollection(ctx.db, name);
  return { nIndexesWas: coll.indexes.length, ns, ok: 1 };
}

export const drop: LegacyCommandSpec = {
  name: "drop",
  help: "drops a collection: {drop: <name>}",
  auth: "dropCollection",
  fields: {},
  run,
};
