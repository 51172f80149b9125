/**
 * abortTransaction: discards every write of the session's transaction and kills its cursors. An
 * aborted transaction is 251 NoSuchTransaction, a committed one 256 TransactionCommitted.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { ignored, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { CommandError } from "../../errors/command_error.ts";

const FIELDS = { recoveryToken: ignored } as const;

export type AbortTransactionParams = Readonly<Record<never, never>>;

export function parseAbortTransaction(body: Doc): AbortTransactionParams {
  parseShape("abortTransaction", body, FIELDS, { skip: "abortTransaction", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(ctx: RequestContext<AbortTransactionParams>): Doc {
  const txn = ctx.transaction;
  if (!txn) throw new CommandError("InvalidOptions", "abortTransaction must be run within a transaction");
  ctx.transactions.abort(txn);
  return { ok: 1 };
}

export const abortTransaction = defineCommand<AbortTransactionParams>({
  name: "abortTransaction",
  help: "aborts the session's transaction: {abortTransaction: 1} with lsid, txnNumber, autocommit: false",
  auth: "authenticated",
  parse: parseAbortTransaction,
  run,
});
