/**
 * The common head of the write commands (insert, update, delete), as declared fields: the statement
 * list (`documents` / `updates` / `deletes`; a kind-1 document sequence of the same name arrives
 * merged into the body), its size limit (1 … maxWriteBatchSize, 16 InvalidLength), `ordered` and
 * `let`; and whether commits must be synced (writeConcern j/fsync or the server's sync_on_commit).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { missingField, wrongType } from "../params/errors.ts";
import { bool, doc, optional, type Reader } from "../params/schema.ts";
import { LIMITS } from "../../limits.ts";

/** `ordered` and `let`, shared by insert, update and delete (`let` is type-checked even by insert). */
export const BATCH_FIELDS = {
  ordered: optional(bool),
  let: optional(doc),
} as const;

/** Refuses an empty or oversized batch (mongod's wording, 16 InvalidLength). */
export function checkBatchSize(n: number): void {
  if (n === 0 || n > LIMITS.maxWriteBatchSize) {
    throw new CommandError(
      "InvalidLength",
      `Write batch sizes must be between 1 and ${LIMITS.maxWriteBatchSize}. Got ${n} operations.`,
    );
  }
}

/**
 * Reader for a required statement list: null counts as missing (40414), a non-array is 14, the size
 * must be within the batch limit (16), then every statement is read with `item` (path unchanged, as
 * mongod prints `update.updates.q`).
 */
export function statementList<T>(item: Reader<T>): Reader<T[]> {
  return (v, path) => {
    if (v === null) throw missingField(path);
    if (!Array.isArray(v)) throw wrongType(path, v, "array");
    checkBatchSize(v.length);
    return v.map((x) => item(x, path));
  };
}

/** A required field where BSON null counts as missing (40414), as the statement parsers always did. */
export function nullAsMissing<T>(read: Reader<T>): Reader<T> {
  return (v, path) => {
    if (v === null) throw missingField(path);
    return read(v, path);
  };
}

/** Whether this request's commits must be synced: writeConcern j/fsync, or the server's sync_on_commit. */
export function commitSync(ctx: RequestContext): boolean {
  return ctx.writeConcern.sync || ctx.syncOnCommit;
}
