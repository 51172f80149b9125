/**
 * Plan templates. PURE. For a query shape whose plan cannot depend on its values, the plan chosen
 * once is kept (in the plan cache's entry for the shape) and the next query of that shape only fills
 * in the bounds from its own constants: no candidate ranking, no sort analysis, explain's bound
 * strings built only when read. A plan from a template equals the plan `planQuery` makes for the
 * same input (plan_template_test.ts checks it on many shapes); whatever this module is not sure of
 * is not templated, and the caller plans from scratch:
 *
 * - the filter: top-level fields only, each an equality on a scalar or a document of `$eq`, `$gt`,
 *   `$gte`, `$lt`, `$lte` on scalars (numbers but NaN, strings, dates, ObjectIds, booleans): every such
 *   predicate is index-usable whatever its value, so which indexes qualify and how they rank, and
 *   whether the order of one provides the sort, follow from the shape alone (`null`, arrays, `$in`
 *   lists of varying size, regexes and NaN do not: they are not templated);
 * - no collation on the query or on any index, no hint, `min`/`max`; every index an ordinary
 *   ascending/descending one (no partial filter, hashed, geo, wildcard: their eligibility or keys
 *   depend on values);
 * - a range pair with nothing between its ends (the scan is empty: the fresh plan scores it
 *   differently) falls back too, as does any bounds whose shape differs from the template's.
 *
 * The template is bound to the index list it was planned with (the catalog installs a new list on
 * any index change: create, drop, hide, multikey, collMod), so a stale one is never used.
 */
import { fieldIntervals, type FieldPred, type ValueInterval } from "./bounds.ts";
import { buildBounds, dropSharedPrefixBounds } from "./key_bounds.ts";
import { scanPath } from "./index_plan.ts";
import { kindOf } from "../bson/values.ts";
import type { FindPlanInput, IndexInfo, PlanChoice } from "./plan.ts";

export interface PlanTemplate {
  /** The index list the plan was chosen from (identity: a changed catalog has a new list). */
  readonly indexes: readonly IndexInfo[];
  /** The chosen index, or undefined for a collection scan. */
  readonly index: IndexInfo | undefined;
  readonly reverse: boolean;
  readonly sortDir: 1 | -1 | 0;
  readonly pointPrefix: number;
  readonly boundedFields: number;
}

const RANGE_OPS = new Set(["$eq", "$gt", "$gte", "$lt", "$lte"]);

/** A number but NaN or decimal, a string, date, ObjectId or boolean. */
export function plainScalar(v: unknown): boolean {
  switch (kindOf(v)) {
    case "int":
    case "long":
    case "string":
    case "date":
    case "objectId":
    case "bool":
      return true;
    case "double":
      return !Number.isNaN(typeof v === "number" ? v : Number((v as { value: number }).value));
    default:
      return false;
  }
}

/** Is this filter one whose plan depends only on its shape (see the module comment)? */
export function templatableFilter(filter: Record<string, unknown>): boolean {
  for (const k in filter) {
    if (!Object.hasOwn(filter, k)) continue;
    if (k.length === 0 || k.charCodeAt(0) === 36 /* $ */ || k === "__proto__") return false;
    const v = filter[k];
    if (plainScalar(v)) continue;
    if (kindOf(v) !== "object") return false;
    const ops = v as Record<string, unknown>;
    let n = 0;
    for (const op in ops) {
      if (!Object.hasOwn(ops, op)) continue;
      if (!RANGE_OPS.has(op) || !plainScalar(ops[op])) return false;
      n++;
    }
    if (n === 0) return false;
  }
  return true;
}

/** Are these indexes plain enough that their eligibility follows from the filter's shape? */
export function templatableIndexes(indexes: readonly IndexInfo[]): boolean {
  for (const ix of indexes) {
    if (ix.partialFilterExpression !== undefined || ix.collation !== undefined) return false;
    for (const f in ix.key) {
      const d = ix.key[f];
      if (typeof d !== "number" || d === 0 || !Number.isFinite(d) || f.endsWith("$**")) return false;
    }
  }
  return true;
}

/** May plans for this input be templated at all (hint, min/max, collation)? */
function templatableInput(input: FindPlanInput): boolean {
  return (input.hint === undefined || input.hint === null) && input.min === undefined &&
    input.max === undefined && input.collated !== true && templatableFilter(input.filter) &&
    templatableIndexes(input.indexes ?? []);
}

/**
 * The template of `choice`, a plan made for `input` with no rejected candidates (one qualifying
 * index, or none, or the cached winner planned alone), or undefined when this input is not templated.
 */
export function templateOf(input: FindPlanInput, choice: PlanChoice): PlanTemplate | undefined {
  if (choice.rejected.length > 0 || !templatableInput(input)) return undefined;
  const a = choice.access;
  const indexes = input.indexes ?? [];
  if (a.kind === "collScan") {
    return { indexes, index: undefined, reverse: a.reverse, sortDir: 0, pointPrefix: 0, boundedFields: 0 };
  }
  if (a.kind !== "ixScan" || a.text !== undefined) return undefined;
  const index = indexes.find((i) => i.name === a.indexName);
  if (index === undefined || index.key !== a.keyPattern) return undefined;
  const b = boundsOf(index, input.filter);
  if (b === undefined) return undefined;
  return {
    indexes,
    index,
    reverse: a.reverse,
    sortDir: a.providesSort ? (a.reverse ? -1 : 1) : 0,
    pointPrefix: b.pointPrefix,
    boundedFields: b.boundedFields,
  };
}

function predsOf(v: unknown): FieldPred[] {
  if (kindOf(v) !== "object") return [{ kind: "eq", value: v }];
  const out: FieldPred[] = [];
  for (const [op, arg] of Object.entries(v as Record<string, unknown>)) {
    out.push(op === "$eq" ? { kind: "eq", value: arg } : { kind: "range", op: op as "$gt", value: arg });
  }
  return out;
}

function perFieldOf(
  ix: IndexInfo,
  filter: Record<string, unknown>,
): (readonly ValueInterval[] | undefined)[] | undefined {
  const out: (readonly ValueInterval[] | undefined)[] = [];
  for (const f in ix.key) {
    const v = filter[f];
    if (v === undefined || !Object.hasOwn(filter, f)) {
      out.push(undefined);
      continue;
    }
    const list = fieldIntervals(predsOf(v), ix.multikey);
    if (list.length === 0) return undefined; // nothing between the ends: planned afresh
    out.push(list);
  }
  if (ix.multikey) dropSharedPrefixBounds(Object.keys(ix.key), out);
  return out;
}

function boundsOf(ix: IndexInfo, filter: Record<string, unknown>) {
  const perField = perFieldOf(ix, filter);
  if (perField === undefined) return undefined;
  const fields = Object.keys(ix.key);
  const dirs = fields.map((f) => (Number(ix.key[f]) < 0 ? -1 : 1) as 1 | -1);
  return { ...buildBounds(fields, dirs, perField, false, true), fields, dirs, perField };
}

/**
 * The plan for `input` from a template of its shape, or undefined when the template does not apply
 * (another index list, a filter outside the templated forms, bounds of another shape): plan afresh.
 */
export function planFromTemplate(t: PlanTemplate, input: FindPlanInput): PlanChoice | undefined {
  if (t.indexes !== input.indexes || !templatableFilter(input.filter)) return undefined;
  if (t.index === undefined) return { access: { kind: "collScan", reverse: t.reverse }, rejected: [] };
  const b = boundsOf(t.index, input.filter);
  if (b === undefined || b.pointPrefix !== t.pointPrefix || b.boundedFields !== t.boundedFields) {
    return undefined;
  }
  const { fields, dirs, perField } = b;
  const access = scanPath(
    t.index,
    b,
    t.sortDir,
    perField[0] !== undefined,
    () => buildBounds(fields, dirs, perField, true, true).display,
  );
  return { access, rejected: [] };
}
