/**
 * match_position.ts — `compileMatchPosition(filter)`: which array element made a filter match
 * (mongod's elemMatchKey, what the positional `$` of an update or projection stands for).
 *
 * Separate from the matcher so the hot path stays a plain boolean. For each positive field condition
 * of the filter (top level and inside `$and`; negations `$ne $nin $not` record nothing, as in mongod),
 * the first array on its path that is traversed implicitly (not through a numeric component) is
 * found; the condition is re-run against copies of the document in which that array holds only
 * element j, and the first j that matches is the position. Like mongod, when several conditions
 * match through arrays the last one wins. Returns undefined when no condition matched via an array.
 */
import { isDocument } from "../../bson/values.ts";
import { isIndexComponent, splitPath } from "../path/field_path.ts";
import { compileFilter, type Document, type FilterOptions, type Matcher } from "./filter.ts";
import { isOperatorDocument } from "./field_ops.ts";

const NEGATIONS = new Set(["$ne", "$nin", "$not"]);

interface Condition {
  parts: readonly string[];
  matcher: Matcher;
}

function collect(filter: Document, opts: FilterOptions, out: Condition[]): void {
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (isDocument(sub)) collect(sub, opts, out);
      continue;
    }
    if (k.startsWith("$")) continue;
    let spec = v;
    if (isOperatorDocument(v)) {
      const kept = Object.entries(v).filter(([op]) => !NEGATIONS.has(op));
      if (kept.length === 0) continue;
      spec = Object.fromEntries(kept);
    }
    out.push({ parts: splitPath(k), matcher: compileFilter({ [k]: spec }, opts) });
  }
}

/** Finds the first implicitly traversed array on a path: its container chain and length. */
function firstArray(doc: unknown, parts: readonly string[]): readonly string[] | undefined {
  let cur = doc;
  const at: string[] = [];
  for (let i = 0; i <= parts.length; i++) {
    if (Array.isArray(cur)) {
      const next = parts[i];
      if (next === undefined || !isIndexComponent(next)) return at;
      cur = cur[Number(next)];
    } else if (isDocument(cur) && i < parts.length) {
      cur = cur[parts[i] as string];
    } else return undefined;
    at.push(parts[i] as string);
  }
  return undefined;
}

function getAt(doc: unknown, at: readonly string[]): unknown {
  let cur = doc;
  for (const k of at) cur = Array.isArray(cur) ? cur[Number(k)] : (cur as Document)[k];
  return cur;
}

/** A shallow copy of `doc` along `at` in which the array at `at` is replaced by `[element]`. */
function restricted(doc: unknown, at: readonly string[], i: number, element: unknown): unknown {
  if (i === at.length) return [element];
  const k = at[i] as string;
  if (Array.isArray(doc)) {
    const copy = doc.slice();
    copy[Number(k)] = restricted(doc[Number(k)], at, i + 1, element);
    return copy;
  }
  const d = doc as Document;
  return { ...d, [k]: restricted(d[k], at, i + 1, element) };
}

export type MatchPosition = (doc: Document) => string | undefined;

/** Compiles the position finder for `filter` (same options as the filter's matcher). */
export function compileMatchPosition(filter: Document | undefined, opts: FilterOptions = {}): MatchPosition {
  const conds: Condition[] = [];
  if (filter) collect(filter, opts, conds);
  return (doc) => {
    let found: string | undefined;
    for (const c of conds) {
      const at = firstArray(doc, c.parts);
      if (!at) continue;
      const arr = getAt(doc, at) as unknown[];
      for (let j = 0; j < arr.length; j++) {
        if (c.matcher.matches(restricted(doc, at, 0, arr[j]) as Document)) {
          found = String(j);
          break;
        }
      }
    }
    return found;
  };
}
