/** dropDatabase: drops every collection of the request's database; cursors on them are killed. */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";

const FIELDS = {} as const;

export type DropDatabaseParams = Parsed<typeof FIELDS>;

export function parseDropDatabase(body: Doc): DropDatabaseParams {
  return parseShape("dropDatabase", body, FIELDS, { skip: "dropDatabase", alsoAccept: GENERIC_FIELDS });
}

function run(ctx: RequestContext<DropDatabaseParams>): Doc {
  ctx.cursors.killNamespace(ctx.db, true);
  const dropped = ctx.storage.catalog.dropDatabase(ctx.db);
  return dropped.length > 0 ? { dropped: ctx.db, ok: 1 } : { ok: 1 };
}

export const dropDatabase = defineCommand<DropDatabaseParams>({
  name: "dropDatabase",
  help: "drops the current database",
  auth: "dropDatabase",
  parse: parseDropDatabase,
  run: afterTransactions((ctx) => ({ db: ctx.db }), run),
});
