/**
 * The writing stages of aggregate: `$out` (replace a collection's contents with the results) and
 * `$merge` (merge the results into a collection: on `_id` or on fields backed by a unique index,
 * with whenMatched replace | keepExisting | merge | fail | pipeline and whenNotMatched insert |
 * discard | fail). Both must be the final stage. They run here, in the command layer, because they
 * write through storage; the pure pipeline engine produces the documents they write.
 *
 * `$out` writes in one storage transaction: either every result replaces the old contents, or (a
 * duplicate `_id`, an oversized document) nothing changes. Indexes of an existing target are kept.
 */
import { CommandError } from "../../errors/command_error.ts";
import { compilePartialFilter, compileUpdate } from "../../engine/mod.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { Row } from "../../executor/rows.ts";
import type { CollectionEntry, WriteTxn } from "../../storage/api.ts";
import type { CommandContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { typeName, validateCollectionName, validateDbName } from "../params/readers.ts";
import { ensureCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findTargets } from "../write/targets.ts";
import { prepareInsert } from "../crud/insert.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { BSON } from "bson";
import { LIMITS } from "../../limits.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

type WhenMatched = "replace" | "keepExisting" | "merge" | "fail" | Doc[];
type WhenNotMatched = "insert" | "discard" | "fail";

export type WriteStage =
  | { readonly kind: "$out"; readonly db: string; readonly coll: string }
  | {
    readonly kind: "$merge";
    readonly db: string;
    readonly coll: string;
    readonly on: readonly string[];
    readonly whenMatched: WhenMatched;
    readonly whenNotMatched: WhenNotMatched;
    readonly let: Doc | undefined;
  };

function isDoc(v: unknown): v is Doc {
  return v !== null && typeof v === "object" && !Array.isArray(v) && typeName(v) === "object";
}

const FORBIDDEN_DBS = new Set(["admin", "config", "local"]);

function checkTarget(stage: string, db: string, coll: string): void {
  validateDbName(db);
  validateCollectionName(coll);
  if (FORBIDDEN_DBS.has(db) || coll.startsWith("system.")) {
    throw new CommandError(
      stage === "$out" ? 31321 : 31320,
      `Can't ${stage} to internal database/collection: ${db}.${coll}`,
    );
  }
}

/**
 * Splits a trailing `$out`/`$merge` off the pipeline and validates it. Throws 40601 if one appears
 * anywhere but last.
 */
export function splitWriteStage(pipeline: unknown[], db: string): { stages: unknown[]; write?: WriteStage } {
  pipeline.forEach((s, i) => {
    if (!isDoc(s)) return;
    const name = Object.keys(s)[0];
    if ((name === "$out" || name === "$merge") && i !== pipeline.length - 1) {
      throw new CommandError(40601, `${name} can only be the final stage in the pipeline`);
    }
  });
  const last = pipeline.at(-1);
  if (!isDoc(last) || Object.keys(last).length !== 1) return { stages: pipeline };
  const name = Object.keys(last)[0]!;
  const spec = last[name];
  const stages = pipeline.slice(0, -1);
  if (name === "$out") {
    let target: { db: string; coll: string };
    if (typeof spec === "string") target = { db, coll: spec };
    else if (isDoc(spec) && typeof spec["coll"] === "string") {
      if (spec["timeseries"] !== undefined) {
        throw new CommandError("NotImplemented", "$out to a time-series collection is not supported");
      }
      target = { db: typeof spec["db"] === "string" ? spec["db"] : db, coll: spec["coll"] };
    } else {
      throw new CommandError(
        16990,
        `$out only supports a string or object argument, not ${typeName(spec)}`,
      );
    }
    checkTarget("$out", target.db, target.coll);
    return { stages, write: { kind: "$out", ...target } };
  }
  if (name === "$merge") return { stages, write: parseMerge(spec, db) };
  return { stages: pipeline };
}

function parseMerge(spec: unknown, db: string): WriteStage {
  if (typeof spec === "string") {
    checkTarget("$merge", db, spec);
    return {
      kind: "$merge",
      db,
      coll: spec,
      on: ["_id"],
      whenMatched: "merge",
      whenNotMatched: "insert",
      let: undefined,
    };
  }
  if (!isDoc(spec)) {
    throw new CommandError(51182, `$merge only supports a string or object argument, not ${typeName(spec)}`);
  }
  for (const k of Object.keys(spec)) {
    if (!["into", "on", "let", "whenMatched", "whenNotMatched", "targetCollectionVersion"].includes(k)) {
      throw new CommandError(40415, `BSON field '$merge.${k}' is an unknown field.`);
    }
  }
  const into = spec["into"];
  let target: { db: string; coll: string };
  if (typeof into === "string") target = { db, coll: into };
  else if (isDoc(into) && typeof into["coll"] === "string") {
    target = { db: typeof into["db"] === "string" ? into["db"] : db, coll: into["coll"] };
  } else throw new CommandError(40414, "BSON field '$merge.into' is missing but a required field");
  checkTarget("$merge", target.db, target.coll);
  const onRaw = spec["on"] ?? "_id";
  const on = typeof onRaw === "string" ? [onRaw] : onRaw;
  if (!Array.isArray(on) || on.length === 0 || !on.every((f) => typeof f === "string")) {
    throw new CommandError(51186, "$merge 'on' field must be either a string or an array of strings");
  }
  const wm = spec["whenMatched"] ?? "merge";
  let whenMatched: WhenMatched;
  if (Array.isArray(wm)) whenMatched = wm as Doc[];
  else if (wm === "replace" || wm === "keepExisting" || wm === "merge" || wm === "fail") whenMatched = wm;
  else {throw new CommandError(
      "BadValue",
      `Enumeration value '${String(wm)}' for field 'whenMatched' is not a valid value.`,
    );}
  const wnm = spec["whenNotMatched"] ?? "insert";
  if (wnm !== "insert" && wnm !== "discard" && wnm !== "fail") {
    throw new CommandError(
      "BadValue",
      `Enumeration value '${String(wnm)}' for field 'whenNotMatched' is not a valid value.`,
    );
  }
  const letVars = spec["let"];
  if (letVars !== undefined && !isDoc(letVars)) {
    throw new CommandError(
      "TypeMismatch",
      "BSON field '$merge.let' is the wrong type, expected type 'object'",
    );
  }
  if (letVars !== undefined && !Array.isArray(whenMatched)) {
    throw new CommandError(
      51199,
      "Cannot use 'let' variables with 'whenMatched: " + String(whenMatched) + "' mode",
    );
  }
  return {
    kind: "$merge",
    ...target,
    on: on as string[],
    whenMatched,
    whenNotMatched: wnm,
    let: letVars as Doc | undefined,
  };
}

function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (!isDoc(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function encodeChecked(doc: Doc): void {
  if (BSON.calculateObjectSize(doc) > LIMITS.maxBsonObjectSize) {
    throw new CommandError("BSONObjectTooLarge", "object to insert too large");
  }
}

/** Runs the write stage over the pipeline's output. */
export function runWriteStage(
  ctx: CommandContext,
  stage: WriteStage,
  results: Iterable<Doc>,
  sync: boolean,
): void {
  const tctx: CommandContext = { ...ctx, db: stage.db };
  if (stage.kind === "$out") {
    const docs = [...results];
    const coll = ensureCollection(tctx, stage.coll);
    ctx.storage.write((txn) => {
      const old = [...txn.scan(coll)].map((rec) => new Row(rec.rid, rec.bytes));
      for (const row of old) txn.remove(coll, row.rid, indexKeysOf(coll, row.doc, keyOpts));
      for (const d of docs) {
        const p = prepareInsert(coll, d);
        try {
          txn.insert(coll, p.bytes, p.keys);
        } catch (e) {
          translateStorageError(e, coll, p.doc);
        }
      }
    }, { sync });
    return;
  }
  const coll = ensureCollection(tctx, stage.coll);
  if (!(stage.on.length === 1 && stage.on[0] === "_id")) requireUniqueIndex(coll, stage.on);
  const pipelineUpdate = Array.isArray(stage.whenMatched) ? stage.whenMatched : undefined;
  for (const doc of results) {
    const filter: Doc = {};
    for (const f of stage.on) {
      const v = getPath(doc, f);
      if (v === undefined || Array.isArray(v)) {
        throw new CommandError(
          51132,
          `$merge write error: 'on' field '${f}' cannot be missing, null, undefined or an array`,
        );
      }
      filter[f] = v;
    }
    ctx.storage.write((txn) => mergeOne(txn, coll, stage, filter, doc, pipelineUpdate), { sync });
  }
}

function requireUniqueIndex(coll: CollectionEntry, on: readonly string[]): void {
  const want = [...on].sort().join(",");
  const ok = coll.indexes.some((ix) => {
    if (!ix.unique) return false;
    const keys = Object.keys((ix.spec["key"] ?? {}) as Doc).sort().join(",");
    return keys === want && ix.spec["partialFilterExpression"] === undefined;
  });
  if (!ok) {
    throw new CommandError(
      51183,
      "Cannot find index to verify that join fields will be unique",
    );
  }
}

function mergeOne(
  txn: WriteTxn,
  coll: CollectionEntry,
  stage: Extract<WriteStage, { kind: "$merge" }>,
  filter: Doc,
  doc: Doc,
  pipelineUpdate: Doc[] | undefined,
): void {
  const q = compileQuery({ filter }, coll);
  const [target] = findTargets(txn, coll, q, false);
  if (!target) {
    if (stage.whenNotMatched === "discard") return;
    if (stage.whenNotMatched === "fail") {
      throw new CommandError(
        13113,
        "$merge could not find a matching document in the target collection for at least one document in the source collection",
      );
    }
    // The source document is inserted as is (also when whenMatched is a pipeline).
    const p = prepareInsert(coll, doc);
    try {
      txn.insert(coll, p.bytes, p.keys);
    } catch (e) {
      translateStorageError(e, coll, p.doc);
    }
    return;
  }
  const existing = target.doc;
  const movesId = doc["_id"] !== undefined && !valuesEqual(doc["_id"], existing["_id"]);
  if (movesId && (stage.whenMatched === "replace" || stage.whenMatched === "merge")) {
    throw new CommandError(
      "ImmutableField",
      "$merge failed to update the matching document, did you attempt to modify the _id or the shard key?",
    );
  }
  let next: Doc;
  switch (stage.whenMatched) {
    case "keepExisting":
      return;
    case "fail":
      throw new CommandError(
        "DuplicateKey",
        `$merge failed: a document already exists with ${JSON.stringify(filter)}`,
      );
    case "replace":
      next = { _id: existing["_id"], ...withoutId(doc) };
      break;
    case "merge":
      next = { ...existing, ...withoutId(doc) };
      break;
    default: {
      const updater = compileUpdate(pipelineUpdate!, { variables: { new: doc, ...(stage.let ?? {}) } });
      next = updater.apply(structuredCopy(existing), { isInsert: false, now: new Date() }).doc;
    }
  }
  encodeChecked(next);
  try {
    txn.update(
      coll,
      target.rid,
      BSON.serialize(next),
      indexKeysOf(coll, existing, keyOpts),
      indexKeysOf(coll, next, keyOpts),
    );
  } catch (e) {
    translateStorageError(e, coll, next);
  }
}

function withoutId(doc: Doc): Doc {
  const { _id: _ignored, ...rest } = doc;
  return rest;
}

function structuredCopy(doc: Doc): Doc {
  return decodeDocument(BSON.serialize(doc));
}
