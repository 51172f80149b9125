/**
 * Wildcard indexes (`{"$**": 1}`, `{"a.b.$**": 1}`, `wildcardProjection`): which paths an index
 * covers, and the (path, value) entries a document gives it. Every scalar reached through
 * sub-documents and arrays is one entry under its dotted path (array elements under the array's
 * path, documents in arrays descended into); empty documents are values, empty arrays give no entry.
 * `_id` is left out unless the projection includes it. Keys are encoded as the tuple
 * [path, value] (mongod's `{$_path: 1, <path>: 1}`). PURE.
 */
import type { Document as Doc } from "../bson/document.ts";

export interface WildcardShape {
  /** "" for `$**`, else the path before `.$**`. */
  readonly prefix: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly includeId: boolean;
}

function isPlain(v: unknown): v is Doc {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    (v as { _bsontype?: unknown })._bsontype === undefined && !(v instanceof Date) &&
    !(v instanceof Uint8Array);
}

const under = (path: string, base: string): boolean => path === base || path.startsWith(base + ".");

/** The wildcard shape of a key pattern (one `$**` field), or undefined for other indexes. */
export function wildcardShape(key: Doc, projection?: unknown): WildcardShape | undefined {
  const fields = Object.keys(key);
  const wild = fields.find((f) => f === "$**" || f.endsWith(".$**"));
  if (wild === undefined || key[wild] === "text") return undefined;
  const prefix = wild === "$**" ? "" : wild.slice(0, -4);
  if (!isPlain(projection) || Object.keys(projection).length === 0) return { prefix, includeId: false };
  const include: string[] = [];
  const exclude: string[] = [];
  let includeId = false;
  for (const [p, v] of Object.entries(projection)) {
    const on = v === true || (typeof v === "number" && v !== 0) ||
      (v as { valueOf?: () => unknown })?.valueOf?.() === 1;
    if (p === "_id") {
      includeId = on;
      continue;
    }
    (on ? include : exclude).push(p);
  }
  return include.length > 0 ? { prefix, include, includeId } : { prefix, exclude, includeId };
}

/** True when the index holds entries for `path` (a query path without array positions). */
export function wildcardCovers(shape: WildcardShape, path: string): boolean {
  if (path.split(".").some((p) => /^\d+$/.test(p))) return false;
  if (shape.prefix !== "" && !under(path, shape.prefix)) return false;
  if (under(path, "_id") && !shape.includeId) return false;
  if (shape.include) {
    return shape.include.some((i) => under(path, i)) || (shape.includeId && under(path, "_id"));
  }
  if (shape.exclude) return !shape.exclude.some((e) => under(path, e));
  return true;
}

/** May entries exist below `path` (so the walk must descend)? */
function mayDescend(shape: WildcardShape, path: string): boolean {
  if (shape.prefix !== "" && !under(path, shape.prefix) && !under(shape.prefix, path)) return false;
  if (under(path, "_id") && !shape.includeId) return false;
  if (shape.include) {
    return shape.include.some((i) => under(path, i) || under(i, path)) ||
      (shape.includeId && under(path, "_id"));
  }
  if (shape.exclude) return !shape.exclude.some((e) => under(path, e));
  return true;
}

/** The (path, value) entries of `doc`, and whether an array was traversed. */
export function wildcardEntries(
  shape: WildcardShape,
  doc: Doc,
): { entries: [string, unknown][]; multikey: boolean } {
  const entries: [string, unknown][] = [];
  let multikey = false;
  const visit = (v: unknown, path: string, inArray: boolean): void => {
    if (!mayDescend(shape, path)) return;
    if (Array.isArray(v)) {
      if (inArray) {
        if (wildcardCovers(shape, path)) entries.push([path, v]);
        return;
      }
      multikey = true;
      for (const el of v) visit(el, path, true);
      return;
    }
    if (isPlain(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`, false);
      return;
    }
    if (wildcardCovers(shape, path)) entries.push([path, v]);
  };
  for (const [k, v] of Object.entries(doc)) visit(v, k, false);
  return { entries, multikey };
}
