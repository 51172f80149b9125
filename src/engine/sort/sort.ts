/**
 * sort.ts — `compileSort(spec)`: a validated sort specification as a comparator of documents.
 *
 * Order is mongod's: `compareValues` (canonical cross-type order) on each key in turn. For a path
 * that reaches several values through arrays, the key is the smallest value for an ascending key
 * and the largest for a descending key (mongod's multikey sort semantics); a missing field sorts as
 * null and an empty array as `undefined` (below null). `{$meta: "textScore"}` sorts by the `$text`
 * score, highest first; other `$meta` keys are not implemented yet.
 *
 * Errors: a non-document spec → 2 BadValue; a value that is not a number → 15974; a number other
 * than 1 / -1 → 15975 (mongod's location codes).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues, type StringComparator } from "../../bson/compare.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import { splitPath, visitPathValues } from "../path/field_path.ts";
import { describeValue } from "../path/describe.ts";
import type { Document } from "../../bson/document.ts";
import { textScoreOf } from "../text/mod.ts";

export type DocComparator = (a: Document, b: Document) => number;

export interface SortKeyPart {
  readonly path: string;
  readonly parts: readonly string[];
  readonly direction: 1 | -1;
}

/** Validates a sort spec into its key parts (empty for `{}`). */
export function parseSortSpec(spec: unknown): SortKeyPart[] {
  if (!isDocument(spec)) throw new CommandError("BadValue", "sort specification must be an object");
  const out: SortKeyPart[] = [];
  for (const [path, v] of Object.entries(spec)) {
    if (isDocument(v) && "$meta" in v) {
      const meta = v["$meta"];
      if (meta !== "textScore") {
        if (meta === "randVal") {
          throw new CommandError("NotImplemented", "$meta sort by 'randVal' is not implemented yet");
        }
        if (meta === "searchScore") {
          throw new CommandError(
            Location.MetaSortSearchScore,
            "$meta sort by 'searchScore' metadata is not supported",
          );
        }
        if (meta === "searchHighlights") {
          throw new CommandError(
            Location.MetaSortSearchHighlights,
            "$meta sort by 'searchHighlights' metadata is not supported",
          );
        }
        throw new CommandError(Location.MetaSortIllegal, `Illegal $meta sort: ${describeValue(v)}`);
      }
      // Highest score first; the key is read from the $text match's scores (textScoreOf).
      out.push({ path, parts: TEXT_SCORE_PARTS, direction: -1 });
      continue;
    }
    if (!isNumeric(v)) {
      throw new CommandError(
        Location.SortKeyIllegalValue,
        `Illegal key in $sort specification: ${path}: ${describeValue(v)}`,
      );
    }
    const n = Number(v);
    if (n !== 1 && n !== -1) {
      throw new CommandError(
        Location.SortKeyBadOrder,
        "$sort key ordering must be 1 (for ascending) or -1 (for descending)",
      );
    }
    if (path === "") throw new CommandError("BadValue", "FieldPath cannot be constructed with empty string");
    out.push({ path, parts: splitPath(path), direction: n });
  }
  return out;
}

/** The `parts` of a `{$meta: "textScore"}` sort key (compared by identity, never a real path). */
export const TEXT_SCORE_PARTS: readonly string[] = Object.freeze(["$meta:textScore"]);

/** The sort key of one path in a document for a direction (min for 1, max for -1). */
export function sortKeyOf(
  doc: unknown,
  parts: readonly string[],
  direction: 1 | -1,
  strCmp?: StringComparator,
) {
  if (parts === TEXT_SCORE_PARTS) return textScoreOf(doc) ?? null;
  let best: unknown = undefined;
  let found = false;
  let sawEmptyArray = false;
  visitPathValues(doc, parts, (v, isElem) => {
    if (!isElem && Array.isArray(v)) {
      if (v.length === 0) sawEmptyArray = true;
      return false;
    }
    const x = v === undefined ? null : v;
    if (!found || compareValues(x, best, strCmp) * direction < 0) {
      best = x;
      found = true;
    }
    return false;
  });
  if (!found) return sawEmptyArray ? undefined : null;
  return best;
}

/** Compiles a sort spec into a comparator (stable sorts keep input order among equal keys). */
export function compileSort(spec: unknown, opts: { strCmp?: StringComparator } = {}): DocComparator {
  const keys = parseSortSpec(spec);
  const strCmp = opts.strCmp;
  if (keys.length === 0) return () => 0;
  return (a, b) => {
    for (const k of keys) {
      const c = compareValues(
        sortKeyOf(a, k.parts, k.direction, strCmp),
        sortKeyOf(b, k.parts, k.direction, strCmp),
        strCmp,
      );
      if (c !== 0) return c * k.direction;
    }
    return 0;
  };
}

/**
 * A sort spec taken apart: each document's sort key computed once (`keyOf`), keys compared (`compare`,
 * `compileSort`'s order) — for a caller comparing one document many times (a top-k heap). Null for an
 * empty spec.
 */
export function compileSortKeys(
  spec: unknown,
  opts: { strCmp?: StringComparator } = {},
): { keyOf(d: Document): unknown[]; compare(a: readonly unknown[], b: readonly unknown[]): number } | null {
  const keys = parseSortSpec(spec);
  const strCmp = opts.strCmp;
  if (keys.length === 0) return null;
  return {
    keyOf: (d) => keys.map((k) => sortKeyOf(d, k.parts, k.direction, strCmp)),
    compare: (x, y) => {
      for (let j = 0; j < keys.length; j++) {
        const c = compareValues(x[j], y[j], strCmp);
        if (c !== 0) return c * keys[j]!.direction;
      }
      return 0;
    },
  };
}

/** Sorts documents (decorate-sort-undecorate: each key computed once). Returns a new array. */
export function sortDocuments<T extends Document>(
  docs: readonly T[],
  spec: unknown,
  opts: { strCmp?: StringComparator } = {},
): T[] {
  const keys = compileSortKeys(spec, opts);
  if (keys === null) return [...docs];
  const decorated = docs.map((d, i) => ({ d, i, k: keys.keyOf(d) }));
  decorated.sort((x, y) => keys.compare(x.k, y.k) || x.i - y.i);
  return decorated.map((x) => x.d);
}
