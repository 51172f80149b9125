/**
 * The writing stages of aggregate: `$out` (replace a collection's contents with the results) and
 * `$merge` (merge the results into a collection: on `_id` or on fields backed by a unique index,
 * with whenMatched replace | keepExisting | merge | fail | pipeline and whenNotMatched insert |
 * discard | fail). Both must be the final stage. They run here, in the command layer, because they
 * write through storage; the pure pipeline engine produces the documents they write.
 *
 * `$out` writes in one storage transaction: either every result replaces the old contents, or (a
 * duplicate `_id`, an oversized document) nothing changes. Indexes of an existing target are kept.
 * A result the pipeline passed on unchanged (a `$match`-only pipeline, a last `$sort`) comes as its
 * stored bytes and is written as they are (its keys from the indexed fields alone); the old records
 * are removed with keys from their indexed fields alone too.
 */
import { ObjectId } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compilePartialFilter, compileUpdate, PAUSE } from "../../engine/mod.ts";
import type { OpControl } from "../../observability/op_control.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { sameValue } from "../../bson/doc_diff.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { indexedTopFields, indexKeysOf } from "../../executor/index_keys.ts";
import type { CollectionEntry, WriteTxn } from "../../storage/api.ts";
import { deriveContext, type RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { validateCollectionName, validateDbName } from "../params/names.ts";
import { typeName } from "../../bson/type_name.ts";
import {
  doc,
  ignored,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  required,
  shape,
  str,
} from "../params/schema.ts";
import { ensureCollection } from "../shared/namespace.ts";
import { normalizeTimeseriesOptions, timeseriesOf, type TimeseriesOptions } from "../shared/timeseries.ts";
import { createTimeseriesCollection, TIMESERIES_FIELDS } from "../shared/timeseries_create.ts";
import { findView } from "../shared/views.ts";
import { duplicateKeyError, translateStorageError } from "../write/storage_errors.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findTargets } from "../write/targets.ts";
import { prepareInsert, prepareInsertRaw } from "../crud/insert.ts";
import { validateDocument, type ValidationOptions } from "../write/doc_validation.ts";
import { serializeStorable } from "../shared/stored_depth.ts";
import { decodeDocument, decodeDocumentCopy } from "../../bson/decode.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { isStoredDoc, type StoredDoc } from "../../engine/aggregate/stored_doc.ts";
import { LIMITS } from "../../limits.ts";
import { jsHost } from "../../engine/js/host.ts";
import type { JsHost } from "../../engine/expression/types.ts";
import { evaluateAwaited } from "../../engine/aggregate/js_defer.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

const WHEN_MATCHED = ["replace", "keepExisting", "merge", "fail"] as const;
const WHEN_NOT_MATCHED = ["insert", "discard", "fail"] as const;
type WhenMatched = typeof WHEN_MATCHED[number] | Doc[];
type WhenNotMatched = typeof WHEN_NOT_MATCHED[number];

export type WriteStage =
  | {
    readonly kind: "$out";
    readonly db: string;
    readonly coll: string;
    /** `$out.timeseries` (mongod 7.0.3+): the target is (or becomes) a time-series collection. */
    readonly timeseries?: TimeseriesOptions | undefined;
  }
  | {
    readonly kind: "$merge";
    readonly db: string;
    readonly coll: string;
    readonly on: readonly string[];
    readonly whenMatched: WhenMatched;
    readonly whenNotMatched: WhenNotMatched;
    readonly let: Doc | undefined;
  };

// ---- declared specs ----------------------------------------------------------------------------

/** mongod's IDL wording for a string outside an enumeration (BadValue). */
function badEnumValue(path: string, value: string): CommandError {
  return new CommandError(
    "BadValue",
    `Enumeration value '${value}' for field '${path}' is not a valid value.`,
  );
}

function enumOf<T extends string>(values: readonly T[]): Reader<T> {
  return (v, path) => {
    const s = str(v, path);
    if (!(values as readonly string[]).includes(s)) throw badEnumValue(path, s);
    return s as T;
  };
}

/** `{$out: {db, coll}}` (mongod's DocumentSourceOutSpec: both required, strict). */
const OUT_FIELDS = {
  db: required(str),
  coll: required(str),
  timeseries: optional(shape(TIMESERIES_FIELDS)),
} as const;

/** The object form of `$merge.into` (mongod's NamespaceSpec; its own root path, `into`). */
const INTO_FIELDS = {
  db: optional(str),
  coll: optional(str),
} as const;

/** `into`: a collection name, or `{db?, coll}` (51178 / 5786800 / 5786801 as mongod). */
const mergeInto: Reader<{ readonly db?: string; readonly coll: string }> = (v) => {
  if (typeof v === "string") {
    if (v === "") {
      throw new CommandError(Location.MergeIntoEmptyString, "$merge 'into' field cannot be an empty string");
    }
    return { coll: v };
  }
  if (!isPlainDoc(v)) {
    throw new CommandError(
      Location.MergeIntoWrongType,
      `$merge 'into' field  must be either a string or an object, but found ${typeName(v)}`,
    );
  }
  const spec = parseShape("into", v, INTO_FIELDS);
  if (spec.coll === undefined || spec.coll === "") {
    throw new CommandError(
      Location.MergeIntoWithoutColl,
      "$merge 'into' field must specify a 'coll' that is not empty, null or undefined",
    );
  }
  return spec.db === undefined ? { coll: spec.coll } : { db: spec.db, coll: spec.coll };
};

/** `on`: a field name or a non-empty array of them (51186 / 51134 / 51187 as mongod). */
const mergeOn: Reader<string[]> = (v) => {
  if (typeof v === "string") return [v];
  if (!Array.isArray(v)) {
    throw new CommandError(
      Location.MergeOnWrongType,
      `$merge 'on' field  must be either a string or an array of strings, but found ${typeName(v)}`,
    );
  }
  for (const f of v) {
    if (typeof f !== "string") {
      throw new CommandError(
        Location.MergeOnElementNotString,
        `$merge 'on' array elements must be strings, but found ${typeName(f)}`,
      );
    }
  }
  if (v.length === 0) {
    throw new CommandError(
      Location.MergeOnEmpty,
      "If explicitly specifying $merge 'on', must include at least one field",
    );
  }
  return v as string[];
};

/** `whenMatched`: a mode name or an update pipeline (51191 for another type, as mongod). */
const mergeWhenMatched: Reader<WhenMatched> = (v) => {
  if (Array.isArray(v)) return v as Doc[];
  if (typeof v !== "string") {
    throw new CommandError(
      Location.MergeWhenMatchedWrongType,
      `$merge 'whenMatched' field  must be either a string or an array, but found ${typeName(v)}`,
    );
  }
  // mongod parses the mode in a context of its own, so the path is the bare field name.
  return enumOf(WHEN_MATCHED)(v, "whenMatched");
};

/** `{$merge: {...}}` (mongod's DocumentSourceMergeSpec, strict). */
const MERGE_FIELDS = {
  into: required(mergeInto),
  on: optional(mergeOn),
  let: optional(doc),
  whenMatched: optional(mergeWhenMatched),
  whenNotMatched: optional(enumOf(WHEN_NOT_MATCHED)),
  targetCollectionVersion: ignored,
} as const;

export type MergeSpec = Parsed<typeof MERGE_FIELDS>;

const FORBIDDEN_DBS = new Set(["admin", "config", "local"]);

function checkTarget(stage: string, db: string, coll: string): void {
  validateDbName(db);
  validateCollectionName(coll);
  if (FORBIDDEN_DBS.has(db) || coll.startsWith("system.")) {
    throw new CommandError(
      stage === "$out" ? Location.OutToInternalNamespace : Location.MergeToInternalNamespace,
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
    if (!isPlainDoc(s)) return;
    const name = Object.keys(s)[0];
    if ((name === "$out" || name === "$merge") && i !== pipeline.length - 1) {
      throw new CommandError(
        Location.WriteStageNotLast,
        `${name} can only be the final stage in the pipeline`,
      );
    }
  });
  const last = pipeline.at(-1);
  if (!isPlainDoc(last) || Object.keys(last).length !== 1) return { stages: pipeline };
  const name = Object.keys(last)[0]!;
  const spec = last[name];
  const stages = pipeline.slice(0, -1);
  if (name === "$out") return { stages, write: parseOut(spec, db) };
  if (name === "$merge") return { stages, write: parseMerge(spec, db) };
  return { stages: pipeline };
}

/** `$out: "<coll>"` or `$out: {db, coll}`. */
export function parseOut(spec: unknown, db: string): WriteStage {
  let target: { db: string; coll: string; timeseries?: TimeseriesOptions | undefined };
  if (typeof spec === "string") target = { db, coll: spec };
  else if (isPlainDoc(spec)) target = parseShape("$out", spec, OUT_FIELDS);
  else {
    throw new CommandError(
      Location.OutSpecWrongType,
      `$out only supports a string or object argument, not ${typeName(spec)}`,
    );
  }
  checkTarget("$out", target.db, target.coll);
  if (target.timeseries === undefined) return { kind: "$out", db: target.db, coll: target.coll };
  // checked (and defaulted) as create checks them; compared with an existing target's at run time
  const ts = normalizeTimeseriesOptions(`${target.db}.${target.coll}`, target.timeseries);
  return { kind: "$out", db: target.db, coll: target.coll, timeseries: ts };
}

/** `$merge: "<coll>"` or `$merge: {into, on, let, whenMatched, whenNotMatched}`. */
export function parseMerge(spec: unknown, db: string): WriteStage {
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
  if (!isPlainDoc(spec)) {
    throw new CommandError(
      Location.MergeSpecWrongType,
      `$merge only supports a string or object argument, not ${typeName(spec)}`,
    );
  }
  const p: MergeSpec = parseShape("$merge", spec, MERGE_FIELDS);
  const target = { db: p.into.db ?? db, coll: p.into.coll };
  checkTarget("$merge", target.db, target.coll);
  const whenMatched = p.whenMatched ?? "merge";
  if (p.let !== undefined && !Array.isArray(whenMatched)) {
    throw new CommandError(
      Location.MergeLetWithoutPipeline,
      "Cannot use 'let' variables with 'whenMatched: " + String(whenMatched) + "' mode",
    );
  }
  return {
    kind: "$merge",
    ...target,
    on: p.on ?? ["_id"],
    whenMatched,
    whenNotMatched: p.whenNotMatched ?? "insert",
    let: p.let,
  };
}

// ---- running -------------------------------------------------------------------------------------

function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (!isPlainDoc(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function encodeChecked(doc: Doc): Uint8Array {
  const bytes = serializeStorable(doc, "update");
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError("BSONObjectTooLarge", "object to insert too large");
  }
  return bytes;
}

/** Runs the write stage over the pipeline's output. */
export async function runWriteStage(
  ctx: RequestContext,
  stage: WriteStage,
  results: Iterable<Doc>,
  sync: boolean,
  ctl: OpControl,
  /** Runs the server-side JavaScript calls the stages wait for at a pause (js_defer.ts). */
  settleJs: () => Promise<void> = () => Promise.resolve(),
  /** The command's `bypassDocumentValidation`; otherwise every document written is validated. */
  bypassDocumentValidation = false,
): Promise<void> {
  const tctx: RequestContext = deriveContext(ctx, { db: stage.db });
  const validation: ValidationOptions = {
    bypass: bypassDocumentValidation,
    warn: (m: string) => ctx.log.warn(m),
  };
  if (stage.kind === "$out") {
    // the pipeline runs with pauses (other clients, maxTimeMS); the replacement is one transaction
    // (a stored document — a source document the pipeline passed on unchanged — is kept as its bytes)
    const docs: (Doc | StoredDoc)[] = [];
    for (const d of results) {
      if (d === PAUSE) {
        await ctl.yieldNow();
        await settleJs();
      } else docs.push(isStoredDoc(d) ? d.slice() : d);
    }
    ctl.check();
    const coll = await outTarget(tctx, stage);
    ctx.storage.write((txn) => {
      removeAllRecords(txn, coll);
      for (const d of docs) {
        const p = isStoredDoc(d) ? prepareInsertRaw(coll, d, validation) : prepareInsert(coll, d, validation);
        try {
          txn.insert(coll, p.bytes, p.keys, true);
        } catch (e) {
          translateStorageError(e, coll, p.doc ?? decodeDocument(p.bytes));
        }
      }
    }, { sync });
    return;
  }
  const coll = ensureCollection(tctx, stage.coll);
  if (coll.options["timeseries"] !== undefined) {
    // mongod: $merge needs unique keys, which a time-series collection cannot have.
    throw new CommandError(
      "CommandNotSupportedOnView",
      `Namespace ${stage.db}.${stage.coll} is a timeseries collection`,
    );
  }
  if (!(stage.on.length === 1 && stage.on[0] === "_id")) requireUniqueIndex(coll, stage.on);
  const pipelineUpdate = Array.isArray(stage.whenMatched) ? stage.whenMatched : undefined;
  const mergeJs = pipelineUpdate && (JSON.stringify(pipelineUpdate) ?? "").includes('"$function"')
    ? jsHost(ctx.js, ctx.control, { deferrable: true })
    : undefined;
  const onId = stage.on.includes("_id");
  for (const item of results) {
    if (item === PAUSE) {
      await ctl.yieldNow();
      await settleJs();
      continue;
    }
    // (a stored document is a view valid until the next pull: its decode owns its values)
    const result = isStoredDoc(item) ? decodeDocumentCopy(item) : item;
    // mongod's MergeProcessor: with `_id` among the `on` fields, a result without one gets a new ObjectId
    const doc = onId && result["_id"] === undefined ? { _id: new ObjectId(), ...result } : result;
    const filter: Doc = {};
    for (const f of stage.on) {
      const v = getPath(doc, f);
      if (v === undefined || Array.isArray(v)) {
        throw new CommandError(
          Location.MergeOnFieldMissing,
          `$merge write error: 'on' field '${f}' cannot be missing, null, undefined or an array`,
        );
      }
      filter[f] = v;
    }
    const now = new Date();
    const write = () =>
      ctx.storage.write(
        (txn) => mergeOne(txn, coll, stage, filter, doc, pipelineUpdate, now, mergeJs, validation),
        {
          sync,
        },
      );
    // a whenMatched pipeline calling `$function`: the write runs in rounds, each call awaited between
    // them (a round that meets a call without an answer rolls back, nothing written)
    if (mergeJs?.deferred) await evaluateAwaited(mergeJs.deferred, write);
    else write();
    if (ctl.due()) await ctl.yieldNow();
  }
}

/**
 * Removes every record of `coll` (the target `$out` replaces) with its index entries. The keys are
 * computed from only the top-level fields the indexes read when they say which (a decode of `_id`
 * alone for a collection with no other index), from the whole document otherwise.
 */
function removeAllRecords(txn: WriteTxn, coll: CollectionEntry): void {
  const fields = indexedTopFields(coll, keyOpts);
  const old = [...txn.scan(coll)];
  for (const rec of old) {
    const doc = fields === undefined ? decodeDocument(rec.bytes) : decodeFields(rec.bytes, fields) as Doc;
    txn.remove(coll, rec.rid, indexKeysOf(coll, doc, keyOpts), rec.bytes);
  }
}

/**
 * The collection `$out` replaces. With `timeseries` (mongod 7.0.3+): a missing target is created as a
 * time-series collection; an existing time-series target must have the same options (7406103); an
 * existing collection or view that is not time-series is 7268700 / 7268703. Without it, an existing
 * time-series target stays one (each result must then carry a date in its time field, as any insert).
 */
async function outTarget(
  ctx: RequestContext,
  stage: WriteStage & { kind: "$out" },
): Promise<CollectionEntry> {
  const ns = `${stage.db}.${stage.coll}`;
  const want = stage.timeseries;
  const existing = ctx.storage.catalog.getCollection(stage.db, stage.coll);
  if (want === undefined) return existing ?? ensureCollection(ctx, stage.coll);
  const have = timeseriesOf(existing);
  if (have) {
    if (!sameTimeseriesOptions(want, have)) {
      throw new CommandError(
        Location.OutTimeseriesOptionsMismatch,
        `Time-series options inputted must match the existing time-series collection. Received: ${
          showOptions(want)
        }Found: ${showOptions(have)}`,
      );
    }
    return existing!;
  }
  if (existing) {
    throw new CommandError(
      Location.OutTimeseriesIntoCollection,
      "Cannot create a time-series collection from a non time-series collection.",
    );
  }
  if (findView(ctx.storage, stage.db, stage.coll)) {
    throw new CommandError(
      Location.OutTimeseriesIntoView,
      "Cannot create a time-series collection from a non time-series view.",
    );
  }
  validateCollectionName(stage.coll);
  await createTimeseriesCollection(ctx, stage.db, stage.coll, { timeseries: want });
  const made = ctx.storage.catalog.getCollection(stage.db, stage.coll);
  if (!made) throw new CommandError("NamespaceNotFound", `Collection ${ns} was dropped while $out ran`);
  return made;
}

function sameTimeseriesOptions(a: TimeseriesOptions, b: TimeseriesOptions): boolean {
  return a.timeField === b.timeField && a.metaField === b.metaField && a.granularity === b.granularity &&
    a.bucketMaxSpanSeconds === b.bucketMaxSpanSeconds && a.bucketRoundingSeconds === b.bucketRoundingSeconds;
}

/** mongod's `BSONObj::toString()` form of the options in its error text. */
function showOptions(t: TimeseriesOptions): string {
  const parts = Object.entries(t).filter(([, v]) => v !== undefined).map(([k, v]) =>
    `${k}: ${typeof v === "string" ? `"${v}"` : String(v)}`
  );
  return `{ ${parts.join(", ")} }`;
}

/** The unique index on exactly the `on` fields (any order), if the collection has one. */
function onIndex(coll: CollectionEntry, on: readonly string[]): string | undefined {
  if (on.length === 1 && on[0] === "_id") return "_id_";
  const want = [...on].sort().join(",");
  return coll.indexes.find((ix) => {
    if (!ix.unique) return false;
    const keys = Object.keys((ix.spec["key"] ?? {}) as Doc).sort().join(",");
    return keys === want && ix.spec["partialFilterExpression"] === undefined;
  })?.name;
}

function requireUniqueIndex(coll: CollectionEntry, on: readonly string[]): void {
  if (onIndex(coll, on) === undefined) {
    throw new CommandError(
      Location.MergeOnFieldsNotUnique,
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
  now: Date,
  js: JsHost | undefined,
  validation: ValidationOptions,
): void {
  const q = compileQuery({ filter }, coll);
  const [target] = findTargets(txn, coll, q, false);
  if (!target) {
    if (stage.whenNotMatched === "discard") return;
    if (stage.whenNotMatched === "fail") {
      throw new CommandError(
        "MergeStageNoMatchingDocument",
        "$merge could not find a matching document in the target collection for at least one document in the source collection",
      );
    }
    // The source document is inserted as is (also when whenMatched is a pipeline).
    const p = prepareInsert(coll, doc, validation);
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
  let diff: Doc | null | undefined; // how the oplog records it (undefined: a replacement)
  switch (stage.whenMatched) {
    case "keepExisting":
      return;
    case "fail":
      // mongod inserts the result: the `on` index's E11000, with keyPattern / keyValue
      throw duplicateKeyError(coll, onIndex(coll, stage.on) ?? "_id_", doc);
    case "replace":
      next = { _id: existing["_id"], ...withoutId(doc) };
      break;
    case "merge":
      next = { ...existing, ...withoutId(doc) };
      diff = mergeDiff(existing, withoutId(doc));
      if (!diff) return; // mongod's $set of equal values: no write, no oplog entry
      break;
    default: {
      const updater = compileUpdate(pipelineUpdate!, { variables: { new: doc, ...(stage.let ?? {}) }, js });
      const r = updater.apply(structuredCopy(existing), { isInsert: false, now });
      if (!r.modified) return; // nothing to write, nothing logged
      next = r.doc;
      diff = r.diff;
    }
  }
  validateDocument(coll, next, existing, validation);
  const nextBytes = encodeChecked(next);
  try {
    txn.update(
      coll,
      target.rid,
      nextBytes,
      indexKeysOf(coll, existing, keyOpts),
      indexKeysOf(coll, next, keyOpts),
      diff ? { diff } : { replace: true },
    );
  } catch (e) {
    translateStorageError(e, coll, next);
  }
}

/**
 * whenMatched "merge" is mongod's `{$set: <source fields>}`: fields that differ are updates, new ones
 * insertions, in the order $set applies them (by field name); null when nothing changes.
 */
function mergeDiff(existing: Doc, fields: Doc): Doc | null {
  const u: Doc = {};
  const i: Doc = {};
  for (const k of Object.keys(fields).sort()) {
    if (!Object.hasOwn(existing, k)) i[k] = fields[k];
    else if (!sameValue(existing[k], fields[k])) u[k] = fields[k];
  }
  const out: Doc = {};
  if (Object.keys(u).length) out["u"] = u;
  if (Object.keys(i).length) out["i"] = i;
  return Object.keys(out).length ? out : null;
}

function withoutId(doc: Doc): Doc {
  const { _id: _ignored, ...rest } = doc;
  return rest;
}

function structuredCopy(doc: Doc): Doc {
  return decodeDocument(serializeDocument(doc));
}
