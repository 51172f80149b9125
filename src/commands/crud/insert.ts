/**
 * insert: stores documents, generating `_id` (ObjectId, placed first) when missing. The whole batch
 * goes into one storage transaction; if that fails (a duplicate key, an oversized document) the batch
 * is retried one document per transaction so each failure gets its own writeErrors entry, stopping at
 * the first failure when `ordered` (the default).
 */
import { BSON, ObjectId } from "bson";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName } from "../params/readers.ts";
import { readWriteBatch } from "../write/write_batch.ts";
import { ensureCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { WriteErrors } from "../write/write_result.ts";
import { LIMITS } from "../../limits.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import type { CollectionEntry, IndexKeys } from "../../storage/api.ts";
import { validateIdValue } from "../write/validate_doc.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

interface Prepared {
  readonly doc: Doc;
  readonly bytes: Uint8Array;
  readonly keys: IndexKeys;
}

/** Adds `_id` if missing, validates it and the size, encodes the document and its index keys. */
export function prepareInsert(coll: CollectionEntry, input: Doc): Prepared {
  let doc = input;
  if (!("_id" in doc) || doc["_id"] === undefined) {
    doc = { _id: new ObjectId(), ...input };
  } else if (Object.keys(doc)[0] !== "_id") {
    // mongod stores _id as the first field whatever the client sent.
    const { _id, ...rest } = doc;
    doc = { _id, ...rest };
  }
  validateIdValue(doc["_id"]);
  const bytes = BSON.serialize(doc);
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError(
      "BSONObjectTooLarge",
      `object to insert too large. size in bytes: ${bytes.length}, max size: ${LIMITS.maxBsonObjectSize}`,
    );
  }
  return { doc, bytes, keys: indexKeysOf(coll, doc, keyOpts) };
}

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("insert", body);
  const batch = readWriteBatch(ctx, "insert", body, "documents");
  const docs = batch.statements as Doc[];
  const { ordered, sync } = batch;
  for (const d of docs) {
    if (d === null || typeof d !== "object" || Array.isArray(d)) {
      throw new CommandError(
        "TypeMismatch",
        "BSON field 'insert.documents' is the wrong type, expected type 'object'",
      );
    }
  }
  const coll = ensureCollection(ctx, name);
  const errors = new WriteErrors();
  let n = 0;

  // Fast path: one transaction for the whole batch.
  let prepared: Prepared[] | undefined;
  try {
    prepared = docs.map((d) => prepareInsert(coll, d));
    ctx.storage.write((txn) => {
      for (const p of prepared!) txn.insert(coll, p.bytes, p.keys);
    }, { sync });
    n = prepared.length;
  } catch {
    // Slow path: one document per transaction, attributing each failure.
    for (let i = 0; i < docs.length; i++) {
      try {
        const p = prepareInsert(coll, docs[i]!);
        try {
          ctx.storage.write((txn) => txn.insert(coll, p.bytes, p.keys), { sync });
        } catch (e) {
          translateStorageError(e, coll, p.doc);
        }
        n++;
      } catch (e) {
        errors.add(i, e, (m) => ctx.log.error(m));
        if (ordered) break;
      }
    }
  }
  ctx.counters.opcounters.insert += docs.length;
  return errors.into({ n, ok: 1 });
}

export const insert: LegacyCommandSpec = {
  name: "insert",
  help: "inserts documents: {insert: <coll>, documents: [...], ordered: true}",
  auth: "insert",
  fields: {
    documents: "optional",
    ordered: "optional",
    bypassDocumentValidation: "ignored",
    let: "ignored",
  },
  run,
};
