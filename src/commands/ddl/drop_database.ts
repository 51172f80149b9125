/**
 * dropDatabase: drops every collection of the request's database; cursors on them are killed. As mongod:
 * `admin` (users, roles, the feature compatibility version) is never dropped, nor `local` (the oplog) in the
 * replica-set persona — 20 IllegalOperation —, and the command's value must be 1 (5255100).
 */
import type { RequestContext } from "../context.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";

const FIELDS = {} as const;

export type DropDatabaseParams = Parsed<typeof FIELDS> & {
  /** The command's value as a number (mongod refuses anything but 1, after its `local` check). */
  readonly value: number;
};

export function parseDropDatabase(body: Doc): DropDatabaseParams {
  const v = body["dropDatabase"];
  return {
    ...parseShape("dropDatabase", body, FIELDS, { skip: "dropDatabase", alsoAccept: GENERIC_FIELDS }),
    value: isNumeric(v) ? toNumber(v) : Number.NaN,
  };
}

function run(ctx: RequestContext<DropDatabaseParams>): Doc {
  if (ctx.db === "local" && !ctx.info.standalone) {
    throw new CommandError("IllegalOperation", "Cannot drop 'local' database while replication is active");
  }
  if (ctx.params.value !== 1) {
    throw new CommandError(Location.DropDatabaseNotOne, "Have to pass 1 as 'drop' parameter");
  }
  // (its users, roles and feature compatibility version)
  if (ctx.db === "admin") {
    throw new CommandError("IllegalOperation", "Dropping the 'admin' database is prohibited.");
  }
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
