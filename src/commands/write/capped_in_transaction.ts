/**
 * mongod refuses writes to capped collections inside a multi-document transaction: an insert or
 * update (findAndModify too) with 263 OperationNotSupportedInTransaction, a delete with 20
 * IllegalOperation — each with mongod's message. Checked before the statement touches anything.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isCapped } from "../../executor/capped.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";

export function refuseCappedInTransaction(
  ctx: RequestContext<unknown>,
  coll: CollectionEntry | undefined,
  kind: "write" | "remove",
): void {
  if (!ctx.transaction || !coll || !isCapped(coll)) return;
  const ns = `${coll.db}.${coll.name}`;
  if (kind === "remove") {
    throw new CommandError(
      "IllegalOperation",
      `Cannot remove from a capped collection in a multi-document transaction: ${ns}`,
    );
  }
  throw new CommandError(
    "OperationNotSupportedInTransaction",
    `Collection '${ns}' is a capped collection. Writes in transactions are not allowed on capped collections.`,
  );
}
