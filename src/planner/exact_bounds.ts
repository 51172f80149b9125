/**
 * Exact bounds. PURE. Whether an index scan's bounds answer a whole filter: every document whose
 * key lies in the bounds matches the filter, and every match lies in them. Then a read that takes
 * each record with its index entry, in one snapshot, need not match the record against the filter
 * again (mongod leaves such a filter out of its FETCH stage too). Conservative, like the templates
 * (plan_template.ts): the filter is a conjunction of top-level fields, each an equality on a scalar
 * or a range of `$gt`/`$gte`/`$lt`/`$lte` on scalars (no `null`, NaN, decimal, array, regex) — on an index
 * that is not multikey also an `$in` of such scalars, taken as its points; the
 * fields are the index's leading fields, equalities first and at most one range last; the index is
 * an ordinary one (not partial, collated, hashed, geo, wildcard, text; a multikey one for equalities
 * the bounds pin, each to one value) and the query has no collation. A number range needs a lower end: `{$lt: 5}` bounds from the start of the numbers,
 * where NaN sorts, which `$lt` does not match.
 */
import { kindOf } from "../bson/values.ts";
import type { IndexInfo, IxScanPath } from "./plan.ts";
import { MAX_INTERVALS } from "./key_bounds.ts";
import { plainScalar, templatableFilter, templatableIndexes } from "./plan_template.ts";

function isNumber(v: unknown): boolean {
  const k = kindOf(v);
  return k === "int" || k === "long" || k === "double";
}

/** "point" for an equality, "range" for a range the bounds hold exactly, undefined otherwise. */
function predicateKind(v: unknown): "point" | "range" | undefined {
  if (kindOf(v) !== "object") return "point"; // a scalar (templatableFilter checked the rest)
  const ops = v as Record<string, unknown>;
  let eq = false;
  let range = false;
  let lower = false;
  let number = false;
  for (const op in ops) {
    if (!Object.hasOwn(ops, op)) continue;
    if (op === "$eq") eq = true;
    else {
      range = true;
      if (op === "$gt" || op === "$gte") lower = true;
      if (isNumber(ops[op])) number = true;
    }
  }
  if (eq) return range ? undefined : "point";
  return number && !lower ? undefined : "range";
}

/**
 * `filter` with each `{$in: [...]}` of plain scalars (bounds.ts: its sorted distinct points, each an
 * exact interval) replaced by its first value, so the checks below take it as an equality: on an
 * index that is not multikey a document's one key lies in the points exactly when its value is one of
 * them. (Only `$in` alone in its field: beside a range the bounds intersect, which the checks below do
 * not reason about.) Undefined — not exact — when the key fields' product of points may pass what
 * key_bounds.ts builds (MAX_INTERVALS): past it a field is left unbounded and matched by the filter.
 */
function inAsPoint(
  filter: Record<string, unknown>,
  keyPattern: Record<string, unknown>,
): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const f in filter) {
    if (!Object.hasOwn(filter, f)) continue;
    const list = plainIn(filter[f]);
    if (list === undefined) continue;
    out ??= { ...filter };
    out[f] = list[0];
  }
  if (out === undefined) return filter;
  // (a list's length bounds its distinct points; a field's own list is always taken whole)
  let product = 1;
  for (const f in keyPattern) {
    if (!Object.hasOwn(filter, f)) break;
    const n = plainIn(filter[f])?.length ?? 1;
    if (product > 1 && product * n > MAX_INTERVALS) return undefined;
    product *= n;
  }
  return out;
}

/** The values of `{$in: [...]}` alone, non-empty and every one a plain scalar; else undefined. */
function plainIn(v: unknown): readonly unknown[] | undefined {
  if (kindOf(v) !== "object") return undefined;
  const ops = v as Record<string, unknown>;
  let n = 0;
  for (const op in ops) {
    if (!Object.hasOwn(ops, op)) continue;
    if (op !== "$in") return undefined;
    n++;
  }
  const list = ops["$in"];
  return n === 1 && Array.isArray(list) && list.length > 0 && list.every(plainScalar) ? list : undefined;
}

/**
 * Do the bounds of `access` (planned for `filter` over `index`) answer the filter exactly? `collated`:
 * the query has a collation.
 */
export function boundsAnswerFilter(
  filter: Record<string, unknown>,
  access: IxScanPath,
  index: IndexInfo | undefined,
  collated: boolean,
): boolean {
  if (collated || index === undefined || index.key !== access.keyPattern) return false;
  if (access.partial || access.text !== undefined) return false;
  // A multikey index: equalities only, each one pinned by the bounds (a field sharing a path prefix with
  // an earlier one loses its bounds: bounds.ts) — an entry then exists exactly for a document holding
  // each value (an element of its array, or the value itself); the scan drops repeated record ids.
  const multikey = access.multikey || access.dedup;
  if (!multikey && negationAnswered(filter, access, index)) return true;
  const pinned = access.pointPrefix ?? 0;
  if (!multikey) {
    const asPoints = inAsPoint(filter, access.keyPattern);
    if (asPoints === undefined) return false;
    filter = asPoints;
  }
  if (!templatableIndexes([index]) || !templatableFilter(filter)) return false;
  let fields = 0;
  for (const k in filter) if (Object.hasOwn(filter, k)) fields++;
  let answered = 0;
  for (const f in access.keyPattern) {
    if (!Object.hasOwn(filter, f)) break;
    const kind = predicateKind(filter[f]);
    if (kind === undefined) return false;
    answered++;
    if (multikey && answered > pinned) return false; // (a pinned field is an equality)
    if (kind === "range") break;
  }
  return answered === fields;
}

/**
 * Is `filter` `{_id: v}` or `{_id: {$eq: v}}` with `v` a plain scalar (a number but NaN, string,
 * date, ObjectId, boolean)? Then an IDHACK lookup of `v`'s key finds exactly the matching document
 * (the query has no collation: the caller checks).
 */
export function idLookupAnswers(filter: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in filter) {
    if (!Object.hasOwn(filter, k)) continue;
    if (k !== "_id" || ++n > 1) return false;
  }
  if (n !== 1) return false;
  const v = filter["_id"];
  if (plainScalar(v)) return true;
  if (kindOf(v) !== "object") return false;
  const ops = v as Record<string, unknown>;
  let m = 0;
  for (const op in ops) {
    if (!Object.hasOwn(ops, op)) continue;
    if (op !== "$eq" || ++m > 1) return false;
  }
  return m === 1 && plainScalar(ops["$eq"]);
}

/**
 * `{f: {$ne: v}}` or `{f: {$nin: [v, …]}}` alone, `v` plain scalars, on an index led by `f` that is not
 * multikey (the caller checks), sparse, partial or collated: the complement bounds ([MinKey, v), (v,
 * MaxKey], planner/bounds.ts) hold exactly its matches — a missing field indexes as null, which is
 * not v — as mongod's EXACT negation bounds on a non-multikey index; a count then reads no record.
 */
function negationAnswered(filter: Record<string, unknown>, access: IxScanPath, index: IndexInfo): boolean {
  if (index.sparse || index.collation || index.wildcardProjection) return false;
  const keys = Object.keys(filter);
  const lead = Object.keys(access.keyPattern)[0];
  if (lead === undefined || keys.length !== 1 || keys[0] !== lead) return false;
  if (typeof access.keyPattern[lead] !== "number") return false;
  const v = filter[lead];
  if (kindOf(v) !== "object") return false;
  const ops = Object.keys(v as Record<string, unknown>);
  if (ops.length !== 1) return false;
  const arg = (v as Record<string, unknown>)[ops[0]!];
  if (ops[0] === "$ne") return plainScalar(arg);
  return ops[0] === "$nin" && Array.isArray(arg) && arg.every(plainScalar);
}
