/**
 * Which finds the frame I/O thread may answer over a single-field index
 * (ffi/wiredtiger/shim/io_fast_index.c), decided from a find JS has just planned: its filter names one
 * top-level field with a value, a numeric range or an `$in` list (`_id` too, with `$in`), its sort is none or that field ascending, and the
 * plan JS chose is the one that thread reproduces — an ascending scan of the index `{f: 1}`, the only
 * index naming `f`, not multikey, sparse, partial or collated, on a collection without a default
 * collation. The thread then answers later finds of the same shape on that field itself (the values
 * it takes are its own check: an ObjectId, a string, an integral number; anything else stays JS's).
 * Pure: no I/O, no state.
 */
import type { AccessPath } from "../planner/plan.ts";
import type { CollectionEntry, IndexEntry } from "../storage/api.ts";
import { isClustered } from "../executor/clustered.ts";

/** The shapes (io_fast.h SHAPE_*, ffi/io/fast.ts FastShape). */
export const IndexedShape = {
  EQ: 1,
  EQ_SORTED: 2,
  RANGE: 4,
  RANGE_SORTED: 8,
  IN: 16,
  IN_SORTED: 32,
} as const;

/** What of a find decides its plan (find's parameters of those names). */
export interface FindPlanParts {
  readonly filter?: Record<string, unknown> | undefined;
  readonly sort?: Record<string, unknown> | undefined;
  readonly hint?: unknown;
  readonly min?: unknown;
  readonly max?: unknown;
  readonly collation?: unknown;
}

export interface IndexedFind {
  readonly field: string;
  readonly index: IndexEntry;
  readonly shape: number;
}

const RANGE_OPS = new Set(["$gt", "$gte", "$lt", "$lte"]);
const SCALAR_TYPES = new Set(["ObjectId", "Int32", "Long", "Double"]);

function bsonType(v: unknown): unknown {
  return typeof v === "object" && v !== null ? (v as { _bsontype?: unknown })._bsontype : undefined;
}

/** 1 as a sort direction (a number, an Int32, a Long or a Double of value 1). */
function isOne(v: unknown): boolean {
  if (typeof v === "number") return v === 1;
  if (typeof v === "bigint") return v === 1n;
  const t = bsonType(v);
  return (t === "Int32" || t === "Double" || t === "Long") && Number(v) === 1;
}

/** A value the thread may equal (it checks which kinds it takes itself). */
function isScalar(v: unknown): boolean {
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") return true;
  return SCALAR_TYPES.has(bsonType(v) as string);
}

/** EQ, RANGE or IN for the filter's value, 0 for anything else. */
function valueShape(v: unknown): number {
  if (isScalar(v)) return IndexedShape.EQ;
  if (bsonType(v) !== undefined) return 0;
  if (
    typeof v !== "object" || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype
  ) {
    return 0;
  }
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === "$in") {
    const list = (v as { $in: unknown }).$in;
    return Array.isArray(list) && list.length > 0 && list.every(isScalar) ? IndexedShape.IN : 0;
  }
  return keys.length > 0 && keys.every((k) => RANGE_OPS.has(k)) ? IndexedShape.RANGE : 0;
}

/** The field, index and shape of `find` when its plan `access` is one the I/O thread reproduces. */
export function indexedFindShape(
  find: FindPlanParts,
  coll: CollectionEntry,
  access: AccessPath,
): IndexedFind | undefined {
  const { filter, sort } = find;
  if (
    filter === undefined || find.hint !== undefined || find.min !== undefined || find.max !== undefined ||
    find.collation !== undefined || access.kind !== "ixScan" || access.text !== undefined ||
    access.multikey ||
    access.sparse || access.partial || access.reverse
  ) return undefined;
  const names = Object.keys(filter);
  const field = names[0];
  if (
    names.length !== 1 || field === undefined || field.startsWith("$") || field.includes(".")
  ) {
    return undefined;
  }
  let shape = valueShape(filter[field]);
  // (`_id` alone is the I/O thread's IDHACK read; `_id` with `$in` scans the `_id_` index)
  if (shape === 0 || (field === "_id" && shape !== IndexedShape.IN)) return undefined;
  if (sort !== undefined) {
    const s = Object.keys(sort);
    if (s.length !== 1 || s[0] !== field || !isOne(sort[field]) || !access.providesSort) return undefined;
    shape *= 2; // the _SORTED shape
  }
  const pattern = Object.keys(access.keyPattern);
  if (pattern.length !== 1 || pattern[0] !== field || !isOne(access.keyPattern[field])) return undefined;
  const index = coll.indexes.find((i) => i.name === access.indexName);
  if (
    index === undefined || index.multikey || index.building || index.spec["collation"] !== undefined ||
    coll.options["collation"] !== undefined || isClustered(coll)
  ) return undefined;
  // no other index the planner could weigh for this field (their order of equal keys differs)
  for (const other of coll.indexes) {
    if (other === index) continue;
    const key = other.spec["key"] as Record<string, unknown> | undefined;
    for (const [k, dir] of Object.entries(key ?? {})) {
      if (k === field || k.startsWith(`${field}.`) || k.includes("$**") || dir === "text") return undefined;
    }
  }
  return { field, index, shape };
}
