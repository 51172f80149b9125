/**
 * Index-scan candidates for a query. PURE. Each usable index (not hidden; sparse only when the
 * bounds exclude missing fields; partial only when the filter implies its partialFilterExpression;
 * collated: string bounds on collation keys for a query with the index's collation, else non-string
 * bounds only; never providing a sort) yields a plan with bounds from `bounds.ts`. Candidates are
 * ranked by a cheap, explainable score: a unique index pinned on every field wins outright, then
 * leading equality fields, a trailing range, a sort the index order provides, fewer key fields.
 * A `hint` (name or key pattern) yields that index alone; an unknown or hidden one is 2 BadValue.
 */
import { wildcardCovers, wildcardShape } from "../keys/wildcard.ts";
import { hashedValue } from "../keys/hashed_key.ts";
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import { compareValues } from "../bson/compare.ts";
import { isDocument, kindOf } from "../bson/values.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { collationIdentity, type CollationKeyer, collationKeyer } from "../keys/collation_key.ts";
import {
  boundingPred,
  extractPredicates,
  fieldIntervals,
  type FieldPred,
  hasString,
  type ValueInterval,
} from "./bounds.ts";
import { buildBounds, dropSharedPrefixBounds, type IndexBoundsResult } from "./key_bounds.ts";
import type { FindPlanInput, IndexInfo, IxScanPath, KeyFilter } from "./plan.ts";
import { regexKeyFilter } from "./key_filter.ts";
import type { Document as Doc } from "../bson/document.ts";

/** 2d / 2dsphere indexes are planned by geo_plan.ts only. */
function isGeoIndex(ix: IndexInfo): boolean {
  return Object.values(ix.key).some((v) => v === "2d" || v === "2dsphere");
}

function dirOf(v: unknown): 1 | -1 {
  return Number(v) < 0 ? -1 : 1;
}

function sameKey(a: Doc, b: Doc): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && compareValues(a[k], b[k]) === 0);
}

function hintedIndex(hint: unknown, indexes: readonly IndexInfo[]): IndexInfo {
  const found = typeof hint === "string"
    ? indexes.find((i) => i.name === hint)
    : isDocument(hint)
    ? indexes.find((i) => sameKey(i.key, hint))
    : undefined;
  if (!found || found.hidden) {
    throw new CommandError("BadValue", "hint provided does not correspond to an existing index");
  }
  return found;
}

function numClass(v: unknown): string {
  const k = kindOf(v);
  return k === "int" || k === "long" || k === "double" || k === "decimal" ? "number" : k;
}

function satisfies(v: unknown, op: string, arg: unknown): boolean {
  if (numClass(v) !== numClass(arg)) return false;
  const c = compareValues(v, arg);
  return op === "$gt"
    ? c > 0
    : op === "$gte"
    ? c >= 0
    : op === "$lt"
    ? c < 0
    : op === "$lte"
    ? c <= 0
    : c === 0;
}

/** Does one query predicate imply `field op arg`? */
function predImplies(p: FieldPred, op: string, arg: unknown): boolean {
  if (p.kind === "not" || p.kind === "type" || p.kind === "exists") {
    // (a match has the field unless null is negated away, or the types leave null out)
    if (op !== "$exists") return false;
    if (p.kind === "exists") return true;
    if (p.kind === "type") return !p.types.includes(0x14);
    return p.of.kind === "eq" ? p.of.value === null : p.of.kind === "in" && p.of.values.includes(null);
  }
  // (an `$expr` range compares across types and may match a missing field: it implies nothing here)
  if (p.kind === "range" && p.expr) return false;
  if (op === "$exists") {
    if (p.kind === "eq") return p.value !== null;
    if (p.kind === "in") return p.values.every((x) => x !== null);
    return true;
  }
  if (p.kind === "eq") return satisfies(p.value, op, arg);
  if (p.kind === "in") return p.values.length > 0 && p.values.every((x) => satisfies(x, op, arg));
  if (p.kind === "regex" || p.kind === "element") return false;
  if (numClass(p.value) !== numClass(arg)) return false;
  const c = compareValues(p.value, arg);
  if (op === "$gt") return (p.op === "$gt" && c >= 0) || (p.op === "$gte" && c > 0);
  if (op === "$gte") return (p.op === "$gt" || p.op === "$gte") && c >= 0;
  if (op === "$lt") return (p.op === "$lt" && c <= 0) || (p.op === "$lte" && c < 0);
  if (op === "$lte") return (p.op === "$lt" || p.op === "$lte") && c <= 0;
  return false;
}

/** Conservative implication: every conjunct of `pfe` is implied by some query predicate. */
export function impliesPartial(preds: ReadonlyMap<string, readonly FieldPred[]>, pfe: Doc): boolean {
  for (const [k, v] of Object.entries(pfe)) {
    if (k === "$and" && Array.isArray(v)) {
      if (!v.every((sub) => isDocument(sub) && impliesPartial(preds, sub))) return false;
      continue;
    }
    if (k.startsWith("$")) return false;
    const list = preds.get(k) ?? [];
    const conds: [string, unknown][] = isDocument(v) && Object.keys(v).every((o) => o.startsWith("$"))
      ? Object.entries(v)
      : [["$eq", v]];
    for (const [op, arg] of conds) {
      if (!["$eq", "$gt", "$gte", "$lt", "$lte", "$exists"].includes(op)) return false;
      if (!list.some((p) => predImplies(p, op, arg))) return false;
    }
  }
  return true;
}

/** Does scanning `ix` (given per-field intervals) return documents in `sort` order? */
export function sortDirection(
  ix: IndexInfo,
  sort: Doc | undefined,
  perField: readonly (readonly ValueInterval[] | undefined)[],
  collated: boolean,
): 1 | -1 | 0 {
  if (!sort) return 0;
  const want = Object.entries(sort).filter(([k]) => k !== "$natural");
  if (want.length === 0) return 0;
  // A collated index files keyless strings after the keyed ones: its order is no collation's order.
  if (ix.multikey || collated || ix.collation) return 0;
  const fields = Object.keys(ix.key);
  const pinned = (i: number) => perField[i]?.length === 1 && perField[i]![0]!.point;
  const order = fields.map((f, i) => ({ f, d: dirOf(ix.key[f]), pinned: pinned(i) }));
  const pinnedNames = new Set(order.filter((o) => o.pinned).map((o) => o.f));
  const need = want.filter(([k]) => !pinnedNames.has(k));
  const free = order.filter((o) => !o.pinned);
  if (need.length === 0) return 1;
  if (need.length > free.length) return 0;
  let dir: 1 | -1 | 0 = 0;
  for (let i = 0; i < need.length; i++) {
    const [k, v] = need[i]!;
    const o = free[i]!;
    if (o.f !== k) return 0;
    if (typeof v !== "number" && !isNumberLike(v)) return 0;
    const rel = (dirOf(v) === o.d ? 1 : -1) as 1 | -1;
    if (dir === 0) dir = rel;
    else if (dir !== rel) return 0;
  }
  return dir;
}

function isNumberLike(v: unknown): boolean {
  const k = kindOf(v);
  return k === "int" || k === "long" || k === "double" || k === "decimal";
}

/** Predicates with and without string values (the latter for indexes whose string order differs). */
export interface PredSets {
  readonly all: ReadonlyMap<string, readonly FieldPred[]>;
  readonly noStrings: ReadonlyMap<string, readonly FieldPred[]>;
}

function indexPlan(
  ix: IndexInfo,
  input: FindPlanInput,
  sets: PredSets,
  hinted: boolean,
): IxScanPath | undefined {
  const collated = input.collated === true;
  const ixKeyer = ix.collation ? collationKeyer(ix.collation) : undefined;
  let keyer: CollationKeyer | undefined;
  let preds = collated ? sets.noStrings : sets.all;
  if (ix.collation) {
    const same = collationIdentity(ix.collation) === collationIdentity(input.collation);
    keyer = same ? ixKeyer : undefined;
    preds = keyer ? sets.all : sets.noStrings;
  }
  const fields = Object.keys(ix.key);
  const dirs = fields.map((f) => dirOf(ix.key[f]));
  const lists = fields.map((f) => {
    const list = ix.key[f] === "hashed" ? hashedPreds(preds.get(f)) : preds.get(f);
    return list && list.filter((p) => usableOn(ix, p));
  });
  const perField = lists.map((list) =>
    list && list.length > 0 ? fieldIntervals(list, ix.multikey, keyer) : undefined
  );
  if (ix.multikey) dropSharedPrefixBounds(fields, perField);
  const sortDir = sortDirection(ix, input.sort, perField, collated);
  const leadConstrained = perField[0] !== undefined;
  if (!hinted) {
    if (!leadConstrained && sortDir === 0) return undefined;
    if ((ix.sparse || ix.partialFilterExpression) && !leadConstrained) return undefined;
    if (ix.sparse) {
      const lead = preds.get(fields[0]!) ?? [];
      const nullable = lead.some((p) =>
        (p.kind === "eq" && p.value === null) ||
        ((p.kind === "in" || p.kind === "regex") && p.values.includes(null))
      );
      if (nullable) return undefined;
    }
    if (ix.partialFilterExpression && !impliesPartial(preds, ix.partialFilterExpression)) return undefined;
  }
  // (the fields past the intervals checked key by key: an ordinary index's keys only)
  let b = buildBounds(fields, dirs, perField, true, !ix.collation && !("$_path" in ix.key));
  const regex = regexField(fields, lists, perField, b);
  if (input.min !== undefined || input.max !== undefined) {
    // (an empty min or max leaves that end open, as mongod's finishMinObj / finishMaxObj)
    const min = input.min && Object.keys(input.min).length > 0 ? input.min : undefined;
    const max = input.max && Object.keys(input.max).length > 0 ? input.max : undefined;
    for (const bound of [min, max]) {
      const names = bound === undefined ? fields : Object.keys(bound);
      if (names.length !== fields.length || names.some((n, i) => n !== fields[i])) {
        throw new CommandError(
          Location.MinMaxIndexIncompatible,
          "The index chosen is not compatible with min/max",
        );
      }
    }
    const lower = min ? encodeIndexKey(fields.map((f) => min[f] ?? null), dirs, ixKeyer).slice() : undefined;
    const upper = max ? encodeIndexKey(fields.map((f) => max[f] ?? null), dirs, ixKeyer).slice() : undefined;
    if (lower && upper && compareKeys(lower, upper) >= 0) {
      throw new CommandError(
        Location.MinNotBeforeMax,
        "The value provided for min() does not come before the value provided for max() in the hinted index",
      );
    }
    b = {
      ...b,
      intervals: [{ ...(lower ? { lower } : {}), ...(upper ? { upper, upperExclusive: true } : {}) }],
      keyCheck: undefined,
    };
    // (min/max replace the intervals: no field is known to be pinned any more)
    return { ...scanPath(ix, b, sortDir, leadConstrained, b.display), pointPrefix: 0 };
  }
  if (regex === undefined) {
    const weak = b.pointPrefix < fields.length && weakPred(boundingPred(lists[b.pointPrefix] ?? []));
    const complement = b.pointPrefix === 0 && boundingPred(lists[0] ?? [])?.kind === "not";
    return scanPath(ix, b, sortDir, leadConstrained, b.display, { weak, complement });
  }
  const { at, pred } = regex;
  let offset = 0;
  for (let i = 0; i < at; i++) offset += perField[i]![0]!.lo.bytes.length;
  // (a field before it holding several points, an `$in`: the offset is found key by key)
  const lead = at > b.pointPrefix
    ? perField.slice(0, at).map((list, i) =>
      list!.map((iv) => dirs[i] === 1 ? iv.lo.bytes : inverted(iv.lo.bytes))
    )
    : undefined;
  const keyFilter = regexKeyFilter(fields[at]!, pred, offset, dirs[at]!, lead);
  // every string of the index, tested key by key: weaker than a range (mongod's trial would pick by
  // keys examined per result; any equality or range on another index is taken first)
  // (past an `$in`, its points bound the scan first: the regex narrows it)
  const weak = at === b.pointPrefix && pred.regexes.some((r) => r.prefix === undefined);
  return scanPath(ix, b, sortDir, leadConstrained, b.display, { keyFilter, weak });
}

/** Does `ix` take predicate `p` (mongod's planner_ixselect rules for the weaker kinds)? */
function usableOn(ix: IndexInfo, p: FieldPred): boolean {
  switch (p.kind) {
    case "regex":
      // a collated index holds collation keys, not the strings a regex reads (mongod's
      // internalQueryPlannerIgnoreIndexWithCollationForRegex, on by default)
      return !ix.collation;
    case "not": {
      // a complement of collation keys is left to the collection scan here; a multikey index holds an
      // array's null elements under null, so null cannot be negated away ({a: [null, 1]} is $ne: null);
      // a sparse index lacks the documents without the field, which a negation matches but `$ne: null`
      const nullNegated = p.of.kind === "eq"
        ? p.of.value === null
        : p.of.kind === "in" && p.of.values.includes(null);
      if (ix.collation || (ix.multikey && nullNegated)) return false;
      return !ix.sparse || (p.of.kind === "eq" && p.of.value === null);
    }
    case "type":
      return !ix.collation && !(ix.sparse && p.types.includes(0x14));
    case "exists":
      // every key: exact on a sparse index; a full scan of any other (mongod's) is left to the collection scan
      return ix.sparse;
    case "range":
      // an `$expr` comparison (mongod's `$_internalExprLt` …): not on a multikey index (an array compares
      // as a whole, above every scalar, while its keys are its elements), nor `$lt`/`$lte` on a sparse
      // one (it matches missing fields, which that index lacks), nor a string on a collated one
      if (!p.expr) return true;
      if (ix.multikey || (ix.collation && hasString(p.value))) return false;
      return !(ix.sparse && (p.op === "$lt" || p.op === "$lte"));
    default:
      return true;
  }
}

/** Bounds from this predicate read a wide part of the index (scored below a range). */
function weakPred(p: FieldPred | undefined): boolean {
  if (p === undefined) return false;
  if (p.kind === "regex") return p.regexes.some((r) => r.prefix === undefined);
  return p.kind === "not" || p.kind === "type" || p.kind === "exists";
}

/**
 * The field whose bounds a `regex` predicate gives (its first non-point bounded field: the one an
 * interval list or range ends on), with that predicate, when every field before it is bounded by
 * points (one each: its key bytes then start at the same offset in every key scanned; several, an
 * `$in`: the offset is found key by key, key_filter.ts), else undefined.
 */
function regexField(
  fields: readonly string[],
  lists: readonly (readonly FieldPred[] | undefined)[],
  perField: readonly (readonly ValueInterval[] | undefined)[],
  b: IndexBoundsResult,
): { at: number; pred: FieldPred & { kind: "regex" } } | undefined {
  let at = b.pointPrefix;
  while (at < fields.length && (perField[at]?.length ?? 0) > 0 && perField[at]!.every((iv) => iv.point)) at++;
  if (at >= fields.length || perField[at] === undefined) return undefined;
  // (past a field of several points, only when the bounds reach the regex's field)
  if (at > b.pointPrefix && b.boundedFields !== at + 1) return undefined;
  const pred = boundingPred(lists[at] ?? []);
  return pred?.kind === "regex" ? { at, pred } : undefined;
}

/** A descending field's key bytes. */
function inverted(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = 255 - bytes[i]!;
  return out;
}

/**
 * The IXSCAN of `ix` over bounds `b`, scored. `display` is explain's `indexBounds`, or a function
 * computing it on first read (a plan from a template: planner/plan_template.ts).
 */
export function scanPath(
  ix: IndexInfo,
  b: IndexBoundsResult,
  sortDir: 1 | -1 | 0,
  leadConstrained: boolean,
  display: Record<string, string[]> | (() => Record<string, string[]>),
  /**
   * `keyFilter`: the IXSCAN's key test; `weak`: the last bounded field's bounds are wide (scored low);
   * `complement`: IxScanPath's.
   */
  extra: {
    readonly keyFilter?: KeyFilter | undefined;
    readonly weak?: boolean;
    readonly complement?: boolean;
  } = {},
): IxScanPath {
  const reverse = sortDir === -1;
  const nFields = Object.keys(ix.key).length;
  const allPinned = b.pointPrefix === nFields;
  const score = (ix.unique && allPinned ? 1000 : 0) + b.pointPrefix * 10 +
    (b.boundedFields > b.pointPrefix ? (extra.weak ? 1 : 5) : 0) + (sortDir !== 0 ? 4 : 0) +
    (leadConstrained ? 2 : 0) - nFields * 0.01 - (ix.multikey ? 0.5 : 0) +
    // (a key filter spares the fetches of the keys it fails: above the same scan without one)
    (extra.keyFilter ? 0.5 : 0);
  const keyFilter = extra.keyFilter;
  const intervals = reverse ? [...b.intervals].reverse() : b.intervals;
  const partial = ix.partialFilterExpression !== undefined;
  if (typeof display !== "function") {
    return {
      kind: "ixScan",
      indexName: ix.name,
      keyPattern: ix.key,
      unique: ix.unique,
      multikey: ix.multikey,
      sparse: ix.sparse,
      partial,
      intervals,
      reverse,
      indexBounds: display,
      providesSort: sortDir !== 0,
      pointPrefix: b.pointPrefix,
      dedup: ix.multikey,
      score,
      ...(keyFilter ? { keyFilter } : {}),
      ...(b.keyCheck ? { keyCheck: b.keyCheck } : {}),
      ...(extra.complement ? { complement: true as const } : {}),
    };
  }
  let shown: Record<string, string[]> | undefined;
  return {
    kind: "ixScan",
    indexName: ix.name,
    keyPattern: ix.key,
    unique: ix.unique,
    multikey: ix.multikey,
    sparse: ix.sparse,
    partial,
    intervals,
    reverse,
    get indexBounds() {
      return shown ??= display();
    },
    providesSort: sortDir !== 0,
    pointPrefix: b.pointPrefix,
    dedup: ix.multikey,
    score,
    ...(keyFilter ? { keyFilter } : {}),
    ...(b.keyCheck ? { keyCheck: b.keyCheck } : {}),
    ...(extra.complement ? { complement: true as const } : {}),
  };
}

/**
 * A hashed field's usable predicates: equality and `$in` only, with each value replaced by its hash
 * (the key the index holds); arrays and regexes cannot be looked up. The fetched documents are
 * still matched against the whole filter, so hash collisions cannot leak through.
 */
function hashedPreds(list: readonly FieldPred[] | undefined): FieldPred[] | undefined {
  if (!list) return undefined;
  const hashable = (v: unknown) => !Array.isArray(v) && kindOf(v) !== "regex";
  const out: FieldPred[] = [];
  for (const p of list) {
    if (p.kind === "eq" && hashable(p.value)) out.push({ kind: "eq", value: hashedValue(p.value) });
    else if (p.kind === "in" && p.values.every(hashable)) {
      out.push({ kind: "in", values: p.values.map((v) => hashedValue(v)) });
    }
  }
  return out.length > 0 ? out : undefined;
}

/** A value a wildcard index can be searched for: scalars only (no null, arrays or documents). */
function wildcardSearchable(v: unknown): boolean {
  const k = kindOf(v);
  return v !== null && v !== undefined && k !== "array" && k !== "object" && k !== "regex" &&
    k !== "minKey" && k !== "maxKey";
}

/**
 * Plans of a wildcard index: one per queried path it covers whose predicates are all equality /
 * `$in` / ranges over scalars, each a scan of the virtual index `{$_path: 1, <path>: 1}` with
 * `$_path` pinned (mongod's shape). Documents are matched against the whole filter after the fetch.
 */
function wildcardPlans(ix: IndexInfo, input: FindPlanInput, sets: PredSets): IxScanPath[] {
  const shape = wildcardShape(ix.key, ix.wildcardProjection)!;
  if (ix.collation || input.collated) return [];
  const out: IxScanPath[] = [];
  for (const [path, list] of sets.all) {
    if (!wildcardCovers(shape, path) || list.length === 0) continue;
    const ok = list.every((p) =>
      p.kind === "in"
        ? p.values.every(wildcardSearchable)
        : (p.kind === "eq" || (p.kind === "range" && !p.expr)) && wildcardSearchable(p.value)
    );
    if (!ok) continue;
    const virtual: IndexInfo = { ...ix, key: { $_path: 1, [path]: 1 }, multikey: true, sparse: false };
    const preds = new Map(sets.all);
    preds.set("$_path", [{ kind: "eq", value: path }]);
    const plan = indexPlan(virtual, { ...input, sort: undefined }, { all: preds, noStrings: preds }, false);
    if (plan) out.push({ ...plan, score: plan.score - 10.5 }); // $_path is no real field: a plain index on the path wins
  }
  return out;
}

/** Index-scan plans, best first (only the hinted one when there is a hint). */
export function planIndexScans(input: FindPlanInput): IxScanPath[] {
  const indexes = input.indexes ?? [];
  const vars = input.variables;
  const noStrings = extractPredicates(input.filter, true, undefined, vars);
  const preds: PredSets = { all: extractPredicates(input.filter, false, undefined, vars), noStrings };
  const hint = input.hint;
  const minNames = input.min ? Object.keys(input.min) : [];
  const maxNames = input.max ? Object.keys(input.max) : [];
  if (minNames.length > 0 && maxNames.length > 0) {
    if (minNames.length !== maxNames.length || minNames.some((n, i) => n !== maxNames[i])) {
      throw new CommandError(Location.MinMaxFieldsDiffer, "min and max must have the same field names");
    }
  }
  if (hint !== undefined && hint !== null) {
    const ix = hintedIndex(hint, indexes);
    if (wildcardShape(ix.key, ix.wildcardProjection)) {
      if (input.min !== undefined || input.max !== undefined) {
        throw new CommandError(
          Location.MinMaxIndexIncompatible,
          "min and max are not supported with a '$**' index",
        );
      }
      const plans = wildcardPlans(ix, input, preds);
      if (plans.length === 0) {
        // the index exists but answers none of the query's predicates
        throw new CommandError(
          "NoQueryExecutionPlans",
          "error processing query: planner returned error :: caused by :: No query solutions",
        );
      }
      return [plans[0]!];
    }
    return [indexPlan(ix, input, preds, true)!];
  }
  if (input.min !== undefined || input.max !== undefined) {
    throw new CommandError(
      Location.MinMaxRequiresHint,
      "When using min()/max() a hint of which index to use must be provided",
    );
  }
  const out: IxScanPath[] = [];
  for (const ix of indexes) {
    if (ix.hidden || isGeoIndex(ix)) continue;
    if (wildcardShape(ix.key, ix.wildcardProjection)) {
      out.push(...wildcardPlans(ix, input, preds));
      continue;
    }
    const p = indexPlan(ix, input, preds, false);
    if (p) out.push(p);
  }
  out.sort((a, b) => b.score - a.score);
  return out;
}
