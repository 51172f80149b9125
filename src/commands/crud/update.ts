/**
 * update: applies each statement of `updates` ({q, u, upsert, multi, arrayFilters, hint, sort}) in its
 * own storage transaction. Replies with mongod's `n`, `nModified`, `upserted` and `writeErrors`.
 * `_id` may not change (66 ImmutableField); an upsert seeds the new document from the filter's
 * equality fields and takes `_id` from there or generates one.
 */
import { readWriteBatch } from "../write/write_batch.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { BSON, ObjectId } from "bson";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName, optArray, optBool, optDoc, typeName } from "../params/readers.ts";
import { ensureCollection, findCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { WriteErrors } from "../write/write_result.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { findTargets } from "../write/targets.ts";
import { LIMITS } from "../../limits.ts";
import { compatAtLeast } from "../shared/server_version.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { compileMatchPosition, compilePartialFilter, compileUpdate, upsertSeed } from "../../engine/mod.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { validateIdValue } from "../write/validate_doc.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** Documents before and after (for findAndModify). */
  before?: Doc;
  after?: Doc;
}

export interface UpdateStatement {
  readonly q: Doc;
  readonly u: Doc | Doc[];
  readonly upsert: boolean;
  readonly multi: boolean;
  readonly arrayFilters?: Doc[] | undefined;
  readonly sort?: Doc | undefined;
  readonly hint?: unknown;
  readonly collation?: Doc | undefined;
  /** The command's `let` variables. */
  readonly variables?: Doc | undefined;
}

function encodeChecked(doc: Doc): Uint8Array {
  const bytes = BSON.serialize(doc);
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError(
      "BSONObjectTooLarge",
      `Resulting document after update is larger than ${LIMITS.maxBsonObjectSize}`,
    );
  }
  return bytes;
}

/** Runs one update statement; shared with findAndModify. */
export function applyUpdate(
  ctx: CommandContext,
  collName: string,
  st: UpdateStatement,
  sync: boolean,
): UpdateOutcome {
  const existing = findCollection(ctx, collName);
  const q = compileQueryWithLet(
    { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation },
    existing,
    st.variables,
  );
  const updater = compileUpdate(st.u, {
    arrayFilters: st.arrayFilters,
    collation: st.collation,
    variables: st.variables,
  });
  const position = updater.needsMatchedIndex
    ? compileMatchPosition(st.q, st.collation ? { collation: st.collation } : {})
    : undefined;
  if (st.multi && updater.kind === "replacement") {
    throw new CommandError("FailedToParse", "multi update is not supported for replacement-style update");
  }
  const coll: CollectionEntry | undefined = existing ??
    (st.upsert ? ensureCollection(ctx, collName) : undefined);
  if (!coll) return { matched: 0, modified: 0 };
  const now = new Date();
  return ctx.storage.write((txn) => {
    const targets = findTargets(txn, coll, q, st.multi);
    const outcome: UpdateOutcome = { matched: targets.length, modified: 0 };
    for (const row of targets) {
      const before = row.doc;
      const matchedIndex = position?.(before);
      const { doc: after, modified } = updater.apply(structuredCloneDoc(before), {
        isInsert: false,
        now,
        matchedIndex,
      });
      if (!st.multi) {
        outcome.before = before;
        outcome.after = after;
      }
      if (!modified) continue;
      if (!valuesEqual(before["_id"], after["_id"])) {
        throw new CommandError(
          "ImmutableField",
          "Performing an update on the path '_id' would modify the immutable field '_id'",
        );
      }
      const bytes = encodeChecked(after);
      try {
        txn.update(
          coll,
          row.rid,
          bytes,
          indexKeysOf(coll, before, keyOpts),
          indexKeysOf(coll, after, keyOpts),
        );
      } catch (e) {
        translateStorageError(e, coll, after);
      }
      outcome.modified++;
    }
    if (targets.length === 0 && st.upsert) {
      const seed = upsertSeed(st.q);
      const { doc } = updater.apply(seed, { isInsert: true, now });
      let inserted = doc;
      if (updater.kind === "replacement" && seed["_id"] !== undefined && doc["_id"] === undefined) {
        inserted = { _id: seed["_id"], ...doc };
      }
      if (inserted["_id"] === undefined) inserted = { _id: new ObjectId(), ...inserted };
      else if (Object.keys(inserted)[0] !== "_id") {
        const { _id, ...rest } = inserted;
        inserted = { _id, ...rest };
      }
      validateIdValue(inserted["_id"]);
      const bytes = encodeChecked(inserted);
      try {
        txn.insert(coll, bytes, indexKeysOf(coll, inserted, keyOpts));
      } catch (e) {
        translateStorageError(e, coll, inserted);
      }
      outcome.upsertedId = inserted["_id"];
      outcome.after = inserted;
    }
    return outcome;
  }, { sync });
}

/** A deep copy that keeps BSON wrapper classes (ObjectId, Long, …) intact. */
export function structuredCloneDoc(doc: Doc): Doc {
  return decodeDocument(BSON.serialize(doc));
}

/**
 * Parses one update statement. `sort` (updateOne/replaceOne ordering) exists from MongoDB 8.0: on an
 * older reported release it is an unknown field, as there (`allowSort` forces it on: bulkWrite).
 */
export function parseUpdateStatement(
  command: string,
  raw: unknown,
  allowSort = compatAtLeast(8),
): UpdateStatement {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${command}.updates' is the wrong type '${typeName(raw)}', expected type 'object'`,
    );
  }
  const s = raw as Doc;
  for (const k of Object.keys(s)) {
    if (
      !["q", "u", "upsert", "multi", "arrayFilters", "collation", "hint", "sort", "c", "upsertSupplied"]
        .includes(k) || (k === "sort" && !allowSort)
    ) {
      throw new CommandError(40415, `BSON field '${command}.updates.${k}' is an unknown field.`);
    }
  }
  const q = optDoc("update.updates", s, "q");
  if (q === undefined) {
    throw new CommandError(40414, "BSON field 'update.updates.q' is missing but a required field");
  }
  const u = s["u"];
  if (u === undefined) {
    throw new CommandError(40414, "BSON field 'update.updates.u' is missing but a required field");
  }
  if (typeof u !== "object" || u === null) {
    throw new CommandError("FailedToParse", "Update argument must be either an object or an array");
  }
  const multi = optBool("update.updates", s, "multi") ?? false;
  if (multi && s["sort"] !== undefined) {
    throw new CommandError("FailedToParse", "Cannot specify sort with multi=true");
  }
  return {
    q,
    u: u as Doc | Doc[],
    upsert: optBool("update.updates", s, "upsert") ?? false,
    multi,
    arrayFilters: optArray("update.updates", s, "arrayFilters") as Doc[] | undefined,
    sort: optDoc("update.updates", s, "sort"),
    hint: s["hint"],
    collation: optDoc("update.updates", s, "collation"),
  };
}

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("update", body);
  const { statements: updates, ordered, variables, sync } = readWriteBatch(ctx, "update", body, "updates");
  const errors = new WriteErrors();
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  // Statement syntax is checked for the whole batch first (an IDL error fails the command, as mongod).
  const statements = updates.map((u) => parseUpdateStatement("update", u));
  for (let i = 0; i < statements.length; i++) {
    ctx.counters.opcounters.update++;
    try {
      const r = applyUpdate(ctx, name, { ...statements[i]!, variables }, sync);
      if (r.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: i, _id: r.upsertedId });
      } else {
        n += r.matched;
        nModified += r.modified;
      }
    } catch (e) {
      errors.add(i, e, (m) => ctx.log.error(m));
      if (ordered) break;
    }
  }
  const reply: Doc = { n, nModified };
  if (upserted.length > 0) reply["upserted"] = upserted;
  errors.into(reply);
  reply["ok"] = 1;
  return reply;
}

export const update: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "update",
  help: "updates documents: {update: <coll>, updates: [{q, u, upsert, multi}], ordered}",
  auth: "update",
  fields: { updates: "optional", ordered: "optional", bypassDocumentValidation: "ignored", let: "optional" },
  run,
};
