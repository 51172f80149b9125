/**
 * multikey.ts — PURE. Expands a document into the value tuples of a (compound) index key pattern,
 * as mongod's btree key generator does: a path through arrays yields one value per element (an empty
 * array yields `undefined`, a missing path `null`); fields that reach the same array expand together,
 * element by element, and fields that reach different arrays are "parallel arrays" (refused).
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
  /**
   * Per tuple, when some but not all branches of a multikey expansion had every field missing: which did
   * (a sparse index leaves those keys out, as mongod does per generated key).
   */
  readonly missing?: readonly boolean[];
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

/**
 * mongod's btree key generation (`BtreeKeyGenerator::_getKeysWithArray`): each field's path is walked
 * through documents up to its first array; the fields that reach the same array are expanded together, one
 * element at a time (an element that is not a document gives `null` for a path that continues into it), and
 * the rest of their paths are walked again inside that element (deeper arrays expand the same way). Two
 * fields reaching different arrays are parallel arrays. An empty array gives `undefined` to a path that ends
 * on it and `null` to one that continues. A numeric component selects that element of an array (`a.0.b`)
 * rather than expanding it, when the element exists.
 */
function expandPaths(doc: Record<string, unknown>, paths: readonly string[]): KeyExpansion {
  const out: Expansion = { tuples: [], missing: [], multikey: false, parallel: undefined };
  expandLevel(doc, paths.map((p) => p.split(".")), new Array<unknown>(paths.length), 0, out);
  if (out.parallel) return { tuples: [], multikey: out.multikey, allMissing: false, parallel: out.parallel };
  return {
    tuples: out.tuples,
    multikey: out.multikey,
    allMissing: out.missing.every((m) => m),
    ...(out.multikey && out.missing.some((m) => m) ? { missing: out.missing } : {}),
  };
}

interface Expansion {
  tuples: unknown[][];
  /** Per tuple: every field was missing in its branch (a sparse index leaves that key out). */
  missing: boolean[];
  multikey: boolean;
  parallel: [string, string] | undefined;
}

/** Where a path's walk through documents stopped. */
interface Reached {
  /** The value at the end of the path, or the first array on it (undefined: missing). */
  value: unknown;
  /** The components after that array (empty when the path ended there). */
  rest: string[];
  /** The array's field name (for the parallel-arrays message). */
  name: string;
}

function walkToArray(cur: unknown, parts: readonly string[]): Reached {
  let i = 0;
  while (i < parts.length) {
    if (!isDocument(cur)) return { value: undefined, rest: [], name: "" };
    const name = parts[i]!;
    const v = cur[name];
    i++;
    if (v === undefined) return { value: undefined, rest: [], name };
    if (Array.isArray(v)) {
      // a numeric component selects one element instead of expanding the array
      let arr: unknown = v;
      while (
        Array.isArray(arr) && i < parts.length && /^\d+$/.test(parts[i]!) && Number(parts[i]) < arr.length
      ) {
        arr = arr[Number(parts[i])];
        i++;
      }
      if (Array.isArray(arr)) return { value: arr, rest: parts.slice(i), name };
      cur = arr;
      if (i === parts.length) return { value: arr, rest: [], name };
      continue;
    }
    cur = v;
  }
  return { value: cur, rest: [], name: parts[parts.length - 1] ?? "" };
}

/**
 * One level of the expansion: `remaining[f]` is field f's path still to walk inside `obj` (undefined once
 * its value is fixed in `fixed[f]`).
 */
function expandLevel(
  obj: unknown,
  remaining: readonly (readonly string[] | undefined)[],
  fixed: readonly unknown[],
  notFound: number,
  out: Expansion,
): void {
  if (out.parallel) return;
  const nextFixed = fixed.slice();
  const rests: (string[] | undefined)[] = new Array(remaining.length);
  let arr: unknown[] | undefined;
  let arrName = "";
  const arrFields: number[] = [];
  for (let f = 0; f < remaining.length; f++) {
    const path = remaining[f];
    if (path === undefined) continue;
    const r = walkToArray(obj, path);
    if (r.value === undefined) {
      nextFixed[f] = null;
      notFound++;
    } else if (Array.isArray(r.value)) {
      if (arr === undefined) {
        arr = r.value;
        arrName = r.name;
      } else if (r.value !== arr) {
        out.parallel = [r.name, arrName];
        return;
      }
      arrFields.push(f);
      rests[f] = r.rest;
    } else {
      nextFixed[f] = r.value;
    }
  }
  if (arr === undefined) {
    out.tuples.push(nextFixed);
    out.missing.push(notFound === remaining.length);
    return;
  }
  out.multikey = true;
  const elements: readonly unknown[] = arr.length === 0 ? [undefined] : arr;
  for (const el of elements) {
    const sub: (readonly string[] | undefined)[] = new Array(remaining.length);
    const subFixed = nextFixed.slice();
    for (const f of arrFields) {
      const rest = rests[f]!;
      if (rest.length === 0) subFixed[f] = el; // the path ends on the array: its element (undefined when empty)
      else sub[f] = rest;
    }
    // an element that is not a document: the paths continuing into it are missing (null)
    expandLevel(isDocument(el) ? el : {}, sub, subFixed, notFound, out);
    if (out.parallel) return;
  }
}
