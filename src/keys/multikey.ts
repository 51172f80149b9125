/**
 * multikey.ts — PURE. Expands a document into the value tuples of a (compound) index key pattern,
 * as mongod's btree key generator does: a path through arrays yields one value per element (an empty
 * array yields `undefined`, a missing path `null`), and the tuples are the cartesian product over the
 * fields — of which at most one may be an array ("parallel arrays" otherwise).
 */
import { isDocument } from "../bson/values.ts";

export interface KeyExpansion {
  /** One value tuple per index entry (duplicates possible; callers dedupe encoded keys). */
  readonly tuples: unknown[][];
  /** True when some field's path went through or ended in an array. */
  readonly multikey: boolean;
  /** True when every field was missing (a sparse index skips the document). */
  readonly allMissing: boolean;
  /** Set when two fields are arrays: [second array field, first array field] (mongod's order). */
  readonly parallel?: readonly [string, string];
}

interface PathValues {
  values: unknown[];
  array: boolean;
}

function walk(cur: unknown, parts: readonly string[], i: number, out: PathValues): void {
  if (i === parts.length) {
    if (Array.isArray(cur)) {
      out.array = true;
      if (cur.length === 0) out.values.push(undefined);
      else for (const el of cur) out.values.push(el);
    } else {
      out.values.push(cur);
    }
    return;
  }
  if (Array.isArray(cur)) {
    out.array = true;
    const part = parts[i]!;
    if (/^\d+$/.test(part)) {
      const el = cur[Number(part)];
      if (el !== undefined) walk(el, parts, i + 1, out);
    }
    for (const el of cur) if (isDocument(el)) walk(el, parts, i, out);
    return;
  }
  if (!isDocument(cur)) return;
  const v = cur[parts[i]!];
  if (v === undefined) return;
  walk(v, parts, i + 1, out);
}

/** The values one dotted path reaches in `doc` (empty when missing). */
export function pathValues(doc: Record<string, unknown>, path: string): PathValues {
  const out: PathValues = { values: [], array: false };
  walk(doc, path.split("."), 0, out);
  return out;
}

/** Expands `doc` for the index fields `paths` (in key-pattern order). */
export function expandKeys(doc: Record<string, unknown>, paths: readonly string[]): KeyExpansion {
  return plainTuple(doc, paths) ?? expandPaths(doc, paths);
}

/**
 * The one tuple of a document whose indexed fields are all top-level names holding no array (the
 * common case, without the general walk's arrays per field); undefined otherwise.
 */
function plainTuple(doc: Record<string, unknown>, paths: readonly string[]): KeyExpansion | undefined {
  const tuple = new Array<unknown>(paths.length);
  let allMissing = true;
  for (let f = 0; f < paths.length; f++) {
    const path = paths[f]!;
    if (path.includes(".")) return undefined;
    const v = doc[path];
    if (Array.isArray(v)) return undefined;
    if (v === undefined) tuple[f] = null;
    else {
      tuple[f] = v;
      allMissing = false;
    }
  }
  return { tuples: [tuple], multikey: false, allMissing };
}

function expandPaths(doc: Record<string, unknown>, paths: readonly string[]): KeyExpansion {
  const perField: unknown[][] = [];
  let arrayField = -1;
  let multikey = false;
  let allMissing = true;
  for (let f = 0; f < paths.length; f++) {
    const pv = pathValues(doc, paths[f]!);
    if (pv.values.length === 0) perField.push([null]);
    else {
      allMissing = false;
      perField.push(pv.values);
    }
    if (pv.array) {
      multikey = true;
      if (arrayField >= 0) {
        return { tuples: [], multikey, allMissing: false, parallel: [paths[f]!, paths[arrayField]!] };
      }
      arrayField = f;
    }
  }
  if (arrayField < 0) return { tuples: [perField.map((v) => v[0])], multikey, allMissing };
  const tuples = perField[arrayField]!.map((v) =>
    perField.map((vals, f) => (f === arrayField ? v : vals[0]))
  );
  return { tuples, multikey, allMissing };
}
