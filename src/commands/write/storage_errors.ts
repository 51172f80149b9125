/**
 * The one translation of storage errors into MongoDB errors. Duplicate keys get mongod's E11000
 * message naming the namespace, index and key, with `keyPattern` / `keyValue` beside it.
 */
import { type CollectionEntry, StorageError } from "../../storage/api.ts";
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { formatValue } from "./format_value.ts";

function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Doc)[part];
  }
  return cur;
}

export function duplicateKeyError(coll: CollectionEntry, indexName: string, doc: Doc): CommandError {
  const ix = coll.indexes.find((i) => i.name === indexName);
  const pattern = (ix?.spec["key"] ?? { _id: 1 }) as Doc;
  const keyValue: Doc = {};
  for (const field of Object.keys(pattern)) {
    const v = getPath(doc, field);
    keyValue[field] = v === undefined ? null : v;
  }
  const shown = Object.entries(keyValue).map(([k, v]) => `${k}: ${formatValue(v)}`).join(", ");
  return new CommandError(
    "DuplicateKey",
    `E11000 duplicate key error collection: ${coll.db}.${coll.name} index: ${indexName} dup key: { ${shown} }`,
    { keyPattern: pattern, keyValue },
  );
}

/** Converts a StorageError (for `doc`'s write in `coll`) into a CommandError; rethrows others. */
export function translateStorageError(e: unknown, coll: CollectionEntry, doc?: Doc): never {
  if (e instanceof StorageError) {
    if (e.code === "DuplicateKey") throw duplicateKeyError(coll, e.indexName ?? "_id_", doc ?? {});
    throw commandErrorOf(e) ?? new CommandError("InternalError", e.message);
  }
  throw e;
}

/**
 * The MongoDB error of a storage error that needs no collection to describe it, or undefined (a
 * duplicate key without its collection, an internal error): for the dispatch boundary, where a
 * storage error a command did not translate arrives (e.g. a write conflict while a transaction's
 * statement creates a collection another open transaction is creating: 112, which the transaction
 * labels TransientTransactionError so drivers retry it, instead of an unexplained InternalError).
 */
export function commandErrorOf(e: StorageError): CommandError | undefined {
  switch (e.code) {
    case "WriteConflict":
      return new CommandError(
        "WriteConflict",
        "Write conflict during plan execution and yielding is disabled.",
        { errorLabels: ["TransientTransactionError"] },
      );
    case "ObjectDropped":
      // mongod: a plan whose collection or index went away while it yielded
      return new CommandError("QueryPlanKilled", e.message);
    case "CacheFull":
      // mongod: an in-memory store's WT_CACHE_FULL is ExceededMemoryLimit (the write is refused, nothing applied)
      return new CommandError("ExceededMemoryLimit", e.message);
    case "NamespaceExists":
    case "NamespaceNotFound":
    case "DatabaseDifferCase":
    case "IndexNotFound":
    case "NoSuchKey":
      return new CommandError(e.code, e.message);
    default:
      return undefined;
  }
}
