/**
 * The common head of the write commands (insert, update, delete): the statement list (from the body
 * or from the kind-1 document sequence of the same name), its size limit (1 … maxWriteBatchSize,
 * 16 InvalidLength), `ordered`, `let`, and whether commits must be synced (writeConcern j/fsync or
 * the server's sync_on_commit).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { CommandContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { optArray, optBool, optDoc } from "../params/readers.ts";
import { parseWriteConcern } from "../params/write_concern.ts";
import { LIMITS } from "../../limits.ts";

export interface WriteBatch {
  readonly statements: unknown[];
  readonly ordered: boolean;
  readonly variables: Doc | undefined;
  readonly sync: boolean;
}

export function readWriteBatch(ctx: CommandContext, command: string, body: Doc, field: string): WriteBatch {
  const statements = optArray(command, body, field);
  if (!statements) {
    throw new CommandError(40414, `BSON field '${command}.${field}' is missing but a required field`);
  }
  if (statements.length === 0 || statements.length > LIMITS.maxWriteBatchSize) {
    throw new CommandError(
      "InvalidLength",
      `Write batch sizes must be between 1 and ${LIMITS.maxWriteBatchSize}. Got ${statements.length} operations.`,
    );
  }
  const ordered = optBool(command, body, "ordered") ?? true;
  const variables = optDoc(command, body, "let");
  const wc = parseWriteConcern(body);
  return { statements, ordered, variables, sync: wc.sync || ctx.syncOnCommit };
}
