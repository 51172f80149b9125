/**
 * dataSize: the bytes and count of a collection's documents, optionally only those whose index key lies in
 * [min, max) of an index that `keyPattern` (or, without it, the fields of `min`) prefixes — mongod 8.0's
 * `dataSize` (dbcommands.cpp): `{dataSize: "<db>.<coll>", keyPattern?, min?, max?, estimate?, maxSize?,
 * maxObjects?}` → `{estimate, maxReached?, size, numObjects, millis}`; a missing or empty collection is
 * `{size: 0, numObjects: 0, millis}`. The namespace is the first field's, not the request's database.
 * `estimate` counts each document at the collection's average size instead of reading it. The index must be
 * usable as mongod's shard-key-prefixed index: not sparse, partial, multikey or collated. A range
 * is scanned through find's `min` / `max` on that index (bounds extended with MinKey past `min`'s fields).
 */
import { MinKey } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { CollectionEntry, IndexEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { isNumeric, isPlainDoc, toNumber, typeName } from "../../bson/type_name.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { collSizes } from "../ddl/coll_stats.ts";
import { QuerySource } from "../../executor/query.ts";

export interface DataSizeParams {
  readonly db: string;
  readonly collection: string;
  /** Both or neither (checked at parse). */
  readonly range: { readonly min: Doc; readonly max: Doc } | undefined;
  /** The index key pattern the range is in (empty: inferred from `min`). */
  readonly keyPattern: Doc;
  readonly estimate: boolean;
  /** Stop (with `maxReached`) once past these (0: no limit). */
  readonly maxSize: number;
  readonly maxObjects: number;
}

/** "<db>.<coll>" split at its first dot (mongod's parseNsFullyQualified). */
export function splitNamespace(v: unknown): { db: string; collection: string } {
  if (typeof v !== "string") {
    throw new CommandError("BadValue", `collection name has invalid type ${typeName(v)}`);
  }
  const dot = v.indexOf(".");
  if (dot <= 0 || dot === v.length - 1) {
    throw new CommandError("InvalidNamespace", `Invalid namespace specified '${v}'`);
  }
  return { db: v.slice(0, dot), collection: v.slice(dot + 1) };
}

/** mongod's `numberLong()` of a field: a number truncated, anything else 0. */
function numberOf(v: unknown): number {
  const n = isNumeric(v) ? toNumber(v) : 0;
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** mongod's `trueValue()`. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  return isNumeric(v) ? toNumber(v) !== 0 : true;
}

function parse(body: Doc): DataSizeParams {
  const key = Object.hasOwn(body, "dataSize") ? "dataSize" : "datasize";
  const ns = splitNamespace(body[key]);
  const hasMin = Object.hasOwn(body, "min"), hasMax = Object.hasOwn(body, "max");
  if (hasMin !== hasMax) {
    throw new CommandError(
      "BadValue",
      hasMin ? "max must be set if min is set" : "min must be set if max is set",
    );
  }
  let range: DataSizeParams["range"];
  if (hasMin) {
    if (!isPlainDoc(body["min"])) throw new CommandError("BadValue", "min key must be an object");
    if (!isPlainDoc(body["max"])) throw new CommandError("BadValue", "max key must be an object");
    const min = body["min"] as Doc, max = body["max"] as Doc;
    // empty bounds are the whole collection, as in mongod
    if (Object.keys(min).length > 0 || Object.keys(max).length > 0) {
      if (Object.keys(min).length === 0 || Object.keys(max).length === 0) {
        throw new CommandError("UnknownError", "only one of min or max specified");
      }
      range = { min, max };
    }
  }
  const kp = body["keyPattern"];
  return {
    ...ns,
    range,
    keyPattern: isPlainDoc(kp) ? kp as Doc : {},
    estimate: truthy(body["estimate"]),
    maxSize: numberOf(body["maxSize"]),
    maxObjects: numberOf(body["maxObjects"]),
  };
}

/** The first index `pattern`'s fields prefix, in order with the same directions, usable for a range. */
function prefixedIndex(coll: CollectionEntry, pattern: Doc): IndexEntry | undefined {
  const want = Object.entries(pattern);
  return coll.indexes.find((ix) => {
    if (ix.building || ix.multikey) return false;
    const s = ix.spec;
    if (s["sparse"] === true || s["partialFilterExpression"] !== undefined || s["collation"] !== undefined) {
      return false;
    }
    const key = Object.entries(s["key"] as Doc);
    if (key.length < want.length) return false;
    if (!key.every(([, d]) => d === 1 || d === -1)) return false;
    return want.every(([f, d], i) => key[i]![0] === f && Number(key[i]![1]) === Number(d));
  });
}

async function run(ctx: RequestContext<DataSizeParams>): Promise<Doc> {
  const started = performance.now();
  const p = ctx.params;
  const millis = () => Math.round(performance.now() - started);
  const coll = ctx.storage.catalog.getCollection(p.db, p.collection);
  const numRecords = coll ? ctx.storage.read((txn) => txn.count(coll)) : 0;
  if (!coll || numRecords === 0) return { size: 0, numObjects: 0, millis: millis(), ok: 1 };
  const dataBytes = collSizes(ctx, coll).size;
  if (!p.range && p.estimate) {
    return { estimate: true, size: dataBytes, numObjects: numRecords, millis: millis(), ok: 1 };
  }
  let hint: Doc | undefined, min: Doc | undefined, max: Doc | undefined;
  if (p.range) {
    const pattern = Object.keys(p.keyPattern).length > 0
      ? p.keyPattern
      : Object.fromEntries(Object.keys(p.range.min).map((f) => [f, 1]));
    const ix = prefixedIndex(coll, pattern);
    if (!ix) throw new CommandError("UnknownError", "couldn't find valid index containing key pattern");
    hint = ix.spec["key"] as Doc;
    min = extend(hint, p.range.min);
    max = extend(hint, p.range.max);
  }
  const q = compileQuery({ filter: {}, ...(hint ? { hint, min, max } : {}) }, coll);
  const source = new QuerySource(ctx.storage, coll, q);
  const avg = Math.floor(dataBytes / numRecords);
  let size = 0, numObjects = 0, maxReached = false;
  try {
    scan: for (;;) {
      const { docs, done } = await source.nextBatch(1000, Infinity, ctx.control);
      for (const d of docs) {
        size += p.estimate ? avg : d.byteLength;
        numObjects++;
        if ((p.maxSize && size > p.maxSize) || (p.maxObjects && numObjects > p.maxObjects)) {
          maxReached = true;
          break scan;
        }
      }
      if (done) break;
    }
  } finally {
    source.close();
  }
  return {
    estimate: p.estimate,
    ...(maxReached ? { maxReached: true } : {}),
    size: size,
    numObjects: numObjects,
    millis: millis(),
    ok: 1,
  };
}

/** A bound with the key pattern's fields it lacks as MinKey (mongod's extendRangeBound), in the pattern's order. */
function extend(pattern: Doc, bound: Doc): Doc {
  const out: Doc = {};
  for (const f of Object.keys(pattern)) out[f] = Object.hasOwn(bound, f) ? bound[f] : new MinKey();
  return out;
}

export const dataSize = defineCommand<DataSizeParams>({
  name: "dataSize",
  aliases: ["datasize"],
  help: 'bytes and count of a collection\'s documents, optionally in an index range: {dataSize: "db.coll", ' +
    "keyPattern, min, max, estimate}",
  auth: "find",
  parse,
  run,
});
