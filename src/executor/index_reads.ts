/**
 * Which top-level fields of a document each index's entries are computed from (its key pattern and
 * its partial filter), so an update that changes only other fields can leave the index alone. Text
 * and wildcard indexes, and anything not understood, count as reading every field.
 */
import type { CollectionEntry, IndexEntry } from "../storage/api.ts";

/** null: every field. */
type Reads = ReadonlySet<string> | null;

const cache = new WeakMap<object, { reads: Reads }>();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    (v as { _bsontype?: unknown })._bsontype === undefined && !(v instanceof Date);
}

/** Adds the top-level fields a query filter names (operators recursed into); false if not understood. */
function filterFields(filter: unknown, out: Set<string>): boolean {
  if (!isPlainObject(filter)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (k.startsWith("$")) {
      if (k !== "$and" && k !== "$or" && k !== "$nor") return false;
      if (!Array.isArray(v)) return false;
      for (const sub of v) if (!filterFields(sub, out)) return false;
    } else out.add(k.split(".")[0]!);
  }
  return true;
}

function readsOf(ix: IndexEntry): Reads {
  const key = ix.spec["key"];
  if (!isPlainObject(key)) return null;
  const out = new Set<string>();
  for (const [name, kind] of Object.entries(key)) {
    if (name.startsWith("$") || name.includes("$**") || name === "_fts" || name === "_ftsx") return null;
    if (kind === "text") return null;
    out.add(name.split(".")[0]!);
  }
  const pfe = ix.spec["partialFilterExpression"];
  if (pfe !== undefined && !filterFields(pfe, out)) return null;
  return out;
}

/** The top-level fields the entries of `ix` are computed from; null when any field may matter. */
export function indexReads(ix: IndexEntry): Reads {
  let c = cache.get(ix.spec);
  if (c === undefined) {
    c = { reads: readsOf(ix) };
    cache.set(ix.spec, c);
  }
  return c.reads;
}

/** The indexes of `coll` whose entries may differ once the top-level fields `changed` have changed. */
export function indexesReading(coll: CollectionEntry, changed: readonly string[]): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const ix of coll.indexes) {
    const reads = indexReads(ix);
    if (reads === null || changed.some((f) => reads.has(f))) out.push(ix);
  }
  return out;
}
