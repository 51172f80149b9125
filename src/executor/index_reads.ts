/**
 * Which top-level fields of a document each index's entries are computed from (its key pattern and
 * its partial filter), so an update that changes only other fields can leave the index alone. A text
 * index reads its weighted paths, its language override field (the top-level one; a sub-document's is
 * inside a weighted path) and its other key fields (keys/text_terms.ts `indexedStrings`, text_keys.ts).
 * Wildcard indexes, a text index of every string (`$**`), and anything not understood count as reading
 * every field.
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

/** The top-level name of a path a document may hold, or undefined (empty, `$`, a wildcard). */
function topOf(path: string): string | undefined {
  const top = path.split(".")[0]!;
  return top === "" || top.startsWith("$") || path.includes("$**") ? undefined : top;
}

/** A text index's fields (see the module comment) into `out`; false when it may read any field. */
function textFields(
  spec: Readonly<Record<string, unknown>>,
  key: Record<string, unknown>,
  out: Set<string>,
): boolean {
  const override = spec["language_override"] ?? "language";
  const weights = spec["weights"];
  if (typeof override !== "string" || override.includes(".") || !isPlainObject(weights)) return false;
  const top = topOf(override);
  if (top === undefined) return false;
  out.add(top);
  for (const path of [...Object.keys(key), ...Object.keys(weights)]) {
    if (path === "_fts" || path === "_ftsx") continue;
    const t = topOf(path);
    if (t === undefined) return false;
    out.add(t);
  }
  return true;
}

function readsOf(ix: IndexEntry): Reads {
  const key = ix.spec["key"];
  if (!isPlainObject(key)) return null;
  const out = new Set<string>();
  if (key["_fts"] === "text" || Object.values(key).includes("text")) {
    if (!textFields(ix.spec, key, out)) return null;
  } else {
    for (const name of Object.keys(key)) {
      if (name.startsWith("$") || name.includes("$**") || name === "_fts" || name === "_ftsx") return null;
      out.add(name.split(".")[0]!);
    }
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

/** `keyFieldsOf` per indexes list (a catalog change brings a new list); null: every field. */
const keyFieldsCache = new WeakMap<readonly IndexEntry[], { fields: ReadonlySet<string> | null }>();

/**
 * The top-level fields the entries of `indexes` are computed from, `_id` among them (the `_id_`
 * index's), or undefined when some index may read any field. A document holding only these fields gets
 * the same keys from `indexKeysOf` as the whole document — the same values in the same order
 * (`decodeFields` keeps document order: a text index's scores add up alike) — so a delete, or an
 * update's old and new keys, decode only these (issue 18: over ~700-byte documents the fields no index
 * reads were most of the decode). Cached per array (unless `cached` is false).
 */
export function keyFieldsOf(
  indexes: readonly IndexEntry[],
  /** False for a list made for one use (an update's affected indexes): gathered, not cached. */
  cached = true,
): ReadonlySet<string> | undefined {
  if (!cached) return unionOfReads(indexes) ?? undefined;
  let c = keyFieldsCache.get(indexes);
  if (c === undefined) {
    c = { fields: unionOfReads(indexes) };
    keyFieldsCache.set(indexes, c);
  }
  return c.fields ?? undefined;
}

function unionOfReads(indexes: readonly IndexEntry[]): ReadonlySet<string> | null {
  const out = new Set<string>(["_id"]);
  for (const ix of indexes) {
    if (ix.name === "_id_") continue;
    const reads = indexReads(ix);
    if (reads === null) return null;
    for (const f of reads) out.add(f);
  }
  return out;
}
