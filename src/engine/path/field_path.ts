/**
 * field_path.ts — dotted field paths: parsing, and read-only traversal with MongoDB's query
 * semantics through embedded documents and arrays.
 *
 * Query traversal (`visitPathValues`) follows mongod's element iterator:
 * - at an intermediate array with a non-numeric next component, each element that is a document is
 *   traversed (nested arrays are not);
 * - a numeric component on an array selects that element AND also looks for a field of that name in
 *   the array's document elements (`a.0` on `{a: [{"0": 1}]}`);
 * - at the leaf, an array value is visited whole and then each of its elements (one level);
 * - a path that resolves to nothing through a document visits `undefined` (missing), which is what
 *   lets `{a: null}` match a missing field. An intermediate scalar yields missing too; an array with
 *   no document elements yields nothing.
 */
import { documentEntries, isDocument } from "../../bson/values.ts";

const cache = new Map<string, readonly string[]>();

/** Splits "a.b.c" into components (memoised; the cache is bounded). */
export function splitPath(path: string): readonly string[] {
  let parts = cache.get(path);
  if (!parts) {
    parts = path.split(".");
    if (cache.size > 10_000) cache.clear();
    cache.set(path, parts);
  }
  return parts;
}

/** True if a path component is an array index ("0", "12"; not "01", not "-1"). */
export function isIndexComponent(s: string): boolean {
  if (s.length === 0 || s.length > 9) return false;
  const c0 = s.charCodeAt(0);
  if (c0 === 48) return s.length === 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Visitor for `visitPathValues`: gets each candidate value and whether it is an element of a leaf
 * array (`true`) rather than the value stored at the path itself. Returning true stops the walk.
 */
export type PathVisitor = (value: unknown, isLeafArrayElement: boolean) => boolean;

/** Walks all values a query path reaches in `doc`; returns true if the visitor stopped the walk. */
export function visitPathValues(doc: unknown, parts: readonly string[], visit: PathVisitor): boolean {
  return walk(doc, parts, 0, visit);
}

/** A DBRef (npm bson decodes `{$ref, $id, $db, …}` into one) is a document with those fields. */
function isDbRef(v: unknown): boolean {
  return v !== null && typeof v === "object" && (v as { _bsontype?: unknown })._bsontype === "DBRef";
}

function dbRefField(v: unknown, key: string): unknown {
  for (const [k, x] of documentEntries(v)) if (k === key) return x;
  return undefined;
}

function walk(cur: unknown, parts: readonly string[], i: number, visit: PathVisitor): boolean {
  if (i === parts.length) {
    if (Array.isArray(cur)) {
      if (visit(cur, false)) return true;
      for (const el of cur) if (visit(el, true)) return true;
      return false;
    }
    return visit(cur, false);
  }
  const key = parts[i] as string;
  if (Array.isArray(cur)) {
    if (isIndexComponent(key)) {
      const idx = Number(key);
      if (idx < cur.length && walk(cur[idx], parts, i + 1, visit)) return true;
      for (const el of cur) {
        if (isDocument(el) && !isDbRef(el) && Object.hasOwn(el, key) && walk(el[key], parts, i + 1, visit)) {
          return true;
        }
      }
      return false;
    }
    for (const el of cur) {
      if (isDocument(el) && walk(el, parts, i, visit)) return true;
    }
    return false;
  }
  if (isDbRef(cur)) return walk(dbRefField(cur, key), parts, i + 1, visit);
  if (isDocument(cur)) {
    return walk(Object.hasOwn(cur, key) ? cur[key] : undefined, parts, i + 1, visit);
  }
  return visit(undefined, false);
}

/**
 * Plain lookup without array expansion: numeric components index arrays, anything else must be a
 * document field. Returns undefined when the path does not resolve.
 */
export function getPath(doc: unknown, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const key of parts) {
    if (Array.isArray(cur)) {
      if (!isIndexComponent(key)) return undefined;
      cur = cur[Number(key)];
    } else if (isDbRef(cur)) cur = dbRefField(cur, key);
    else if (isDocument(cur)) {
      if (!Object.hasOwn(cur, key)) return undefined;
      cur = cur[key];
    } else return undefined;
  }
  return cur;
}
