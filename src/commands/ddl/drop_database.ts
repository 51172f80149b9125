/** dropDatabase: drops every collection of the request's database; cursors on them are killed. */
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";

function run(ctx: CommandContext, _body: Doc): Doc {
  ctx.cursors.killNamespace(ctx.db, true);
  const dropped = ctx.storage.catalog.dropDatabase(ctx.db);
  return dropped.length > 0 ? { dropped: ctx.db, ok: 1 } : { ok: 1 };
}

export const dropDatabase: LegacyCommandSpec = {
  name: "dropDatabase",
  help: "drops the current database",
  auth: "dropDatabase",
  fields: {},
  run,
};
