/**
 * commitTransaction: makes every write of the session's transaction visible at once and durable
 * (synced with writeConcern j or sync_on_commit). Committing a committed transaction again is ok
 * (the driver's retry); an aborted one is 251 NoSuchTransaction. `recoveryToken` (sharded
 * clusters) is accepted and ignored. Dispatch has already found the transaction (`ctx.transaction`).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { ignored, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import { commitSync } from "../write/write_batch.ts";
import { TRANSIENT } from "../../sessions/transactions.ts";

const FIELDS = { recoveryToken: ignored } as const;

export type CommitTransactionParams = Readonly<Record<never, never>>;

export function parseCommitTransaction(body: Doc): CommitTransactionParams {
  parseShape("commitTransaction", body, FIELDS, { skip: "commitTransaction", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(ctx: RequestContext<CommitTransactionParams>): Doc {
  const txn = ctx.transaction;
  if (!txn) throw new CommandError("InvalidOptions", "commitTransaction must be run within a transaction");
  try {
    ctx.transactions.commit(txn, commitSync(ctx));
  } catch (e) {
    if (e instanceof StorageError) {
      const code = e.code === "WriteConflict" ? "WriteConflict" : "NoSuchTransaction";
      throw new CommandError(code, `Transaction was aborted at commit: ${e.message}`, TRANSIENT);
    }
    throw e;
  }
  return { ok: 1 };
}

export const commitTransaction = defineCommand<CommitTransactionParams>({
  name: "commitTransaction",
  help: "commits the session's transaction: {commitTransaction: 1} with lsid, txnNumber, autocommit: false",
  auth: "authenticated",
  parse: parseCommitTransaction,
  run,
});
