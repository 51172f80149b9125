/**
 * Which top-level fields of a document each index's entries are computed from (its key pattern and
 * its partial filter), so an update that changes only other fields can leave the index alone. A text
 * index reads its weighted fields, its language override field and its other key fields (a `$**` text
 * index every field); wildcard indexes, and anything not understood, count as reading every field.
 */
import type { CollectionEntry, IndexEntry } from "../storage/api.ts";
import { textIndexInfo } from "../keys/text_terms.ts";

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

/**
 * The top-level fields a text index's entries are computed from: its weighted paths' (each nested
 * string is read in the language of its own object's override field, itself under that path), the
 * document's language override field, and the key pattern's other fields; null when that is every
 * field (`$**`) or the spec is not one understood here.
 */
function textReads(ix: IndexEntry, key: Record<string, unknown>): Reads {
  const info = textIndexInfo(ix.spec);
  if (info === undefined) return null;
  const paths = Object.keys(info.weights);
  const override = info.languageOverride;
  if (paths.length === 0 || paths.some((p) => p.includes("$")) || override === "" || override.includes(".")) {
    return null;
  }
  const out = new Set<string>([override]);
  for (const p of paths) out.add(p.split(".")[0]!);
  for (const name of Object.keys(key)) {
    if (name === "_fts" || name === "_ftsx") continue;
    if (name.startsWith("$") || name.includes("$**")) return null;
    out.add(name.split(".")[0]!);
  }
  return out;
}

function readsOf(ix: IndexEntry): Reads {
  const key = ix.spec["key"];
  if (!isPlainObject(key)) return null;
  let out = new Set<string>();
  if (key["_fts"] === "text") {
    const text = textReads(ix, key);
    if (text === null) return null;
    out = new Set(text);
  } else {
    for (const [name, kind] of Object.entries(key)) {
      if (name.startsWith("$") || name.includes("$**") || name === "_fts" || name === "_ftsx") return null;
      if (kind === "text") return null;
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
