/**
 * Index bounds. PURE. Turns the top-level conjunction of a filter into per-field predicates, then
 * into byte intervals over the byte-sortable compound key (`src/keys/key_string.ts`):
 *
 * - equality → a point; `$in` → sorted distinct points; `{a: null}` → [null, null] (missing fields
 *   index as null; since MongoDB 8.0 a null equality no longer matches undefined); ranges are type-bracketed ($gt: 5 reaches the end of the
 *   numbers only) and intersected unless the index is multikey (then one predicate is used).
 * - compound: a product over the leading point fields, one trailing range field, the rest unbounded.
 * - descending fields: bytes are inverted, so an interval's ends swap and a field's interval list
 *   reverses.
 *
 * Bounds are always a superset of the matches: the executor re-checks the full filter after FETCH.
 * Every encoding is prefix-free and every type byte (inverted or not) lies in 0x0a..0xf5, so a
 * prefix P bounds its keys by [P, P·0xff).
 */
import { compareKeys, encodeValue } from "../keys/key_string.ts";
import { regexPrefix, successorString } from "./regex_prefix.ts";
import type { CollationKeyer } from "../keys/collation_key.ts";
import { isDocument, kindOf } from "../bson/values.ts";
import type { Document as Doc } from "../bson/document.ts";

/** One predicate on one field path, as the filter states it. */
export type FieldPred =
  /**
   * An equality. `missing`: from `$exists: false` (mongod's NOT of EXISTS), bounded as `{path: null}`
   * — [null, null], where missing fields index — on any index but a sparse one; only the documents
   * fetched through it are matched against it (it is no equality a text index prefix may take).
   */
  | { readonly kind: "eq"; readonly value: unknown; readonly missing?: true }
  | { readonly kind: "in"; readonly values: readonly unknown[] }
  /**
   * A range. `expr`: from an `$expr` comparison of the path with a constant (mongod's
   * `$_internalExprLt` …), which compares by the whole BSON order, not within the value's type, and
   * reads missing as lowest: [MinKey, v) or (v, MaxKey] (index_plan.ts keeps it off multikey indexes,
   * whose keys are array elements, and a `$lt`/`$lte` off sparse ones, which lack missing fields).
   */
  | {
    readonly kind: "range";
    readonly op: "$gt" | "$gte" | "$lt" | "$lte";
    readonly value: unknown;
    readonly expr?: true;
  }
  /**
   * Regular expressions (a `/re/`, a `$regex`, or the regexes of an `$in` with its other `values`):
   * each bounds the strings from its literal prefix when it has one (regex_prefix.ts), else every
   * string, and the regex values (a stored regex equal to it matches); an index key in those bounds
   * is tested by the regex before its record is read (key_filter.ts; mongod's INEXACT_COVERED).
   */
  | {
    readonly kind: "regex";
    readonly regexes: readonly RegexBound[];
    readonly values: readonly unknown[];
  }
  /**
   * Ranges one array element must satisfy together (`$elemMatch: {$gte: 80, $lt: 90}`): intersected
   * even on a multikey index, where separate ranges may hold for different elements.
   */
  | { readonly kind: "element"; readonly ranges: readonly (FieldPred & { kind: "range" })[] }
  /**
   * A negation (`$ne`, `$nin`, `$not` of one comparison): the complement of its predicate's bounds,
   * [MinKey, v) and (v, MaxKey] (mongod's; index_plan.ts keeps it off a multikey index when null is
   * negated, and off sparse indexes but for `$ne: null`).
   */
  | { readonly kind: "not"; readonly of: FieldPred & { kind: "eq" | "in" | "range" } }
  /** `$type`: the key type bytes of the types (their brackets; numbers share one). */
  | { readonly kind: "type"; readonly types: readonly number[] }
  /** `$exists: true`: every key (a sparse index holds exactly the documents that have the field). */
  | { readonly kind: "exists" };

/** One regular expression of a `regex` predicate: its BSON parts and its literal prefix, if any. */
export interface RegexBound {
  readonly pattern: string;
  readonly options: string;
  readonly prefix: string | undefined;
}

/**
 * The parts of a regex value as the matcher reads them (engine/query/field_ops.ts: a `$regex`'s
 * `$options` apply to a string pattern, or to a regex value that has none), or undefined for a
 * value that is not one.
 */
export function regexBound(re: unknown, options?: unknown): RegexBound | undefined {
  let pattern: string;
  let opts = "";
  if (typeof re === "string") pattern = re;
  else if (re instanceof RegExp) {
    pattern = re.source;
    opts = re.flags.replace(/[gyduv]/g, "");
  } else if ((re as { _bsontype?: string } | null)?._bsontype === "BSONRegExp") {
    const r = re as { pattern: string; options: string };
    pattern = r.pattern;
    opts = r.options;
  } else return undefined;
  if (typeof options === "string" && options !== "") {
    if (opts !== "") return undefined; // (options in both: the matcher fails the query)
    opts = options;
  }
  return { pattern, options: opts, prefix: regexPrefix(pattern, opts) };
}

/**
 * A value-space interval end (ascending byte encoding). Explain shows `display`, or else `value`
 * (its string is made only when explain asks: `endDisplay`).
 */
export interface End {
  readonly bytes: Uint8Array;
  readonly incl: boolean;
  readonly display?: string;
  readonly value?: unknown;
  /** A type-bracket end (shown inclusive, as mongod does, unless `shownOpen`). */
  readonly sentinel?: boolean;
  /** Shown exclusive (true) or inclusive (false) whatever `incl` and `sentinel` say (`shownIncl`). */
  readonly shownOpen?: boolean;
}

export interface ValueInterval {
  readonly lo: End;
  readonly hi: End;
  /** A single value (lo === hi, inclusive). */
  readonly point: boolean;
}

function isRegex(v: unknown): boolean {
  return v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === "BSONRegExp";
}

export function hasString(v: unknown): boolean {
  if (typeof v === "string") return true;
  const k = kindOf(v);
  if (k === "symbol") return true;
  if (k === "array") return (v as unknown[]).some(hasString);
  if (k === "object") return Object.values(v as Doc).some(hasString);
  return false;
}

function eqUsable(v: unknown, collated: boolean): boolean {
  if (v === undefined || Array.isArray(v) || isRegex(v)) return false;
  return !(collated && hasString(v));
}

function rangeUsable(v: unknown, collated: boolean): boolean {
  if (v === null || v === undefined || Array.isArray(v) || isRegex(v)) return false;
  const k = kindOf(v);
  if (k === "minKey" || k === "maxKey" || k === "undefined") return false;
  if (typeof v === "number" && Number.isNaN(v)) return false;
  return !(collated && hasString(v));
}

function addPred(out: Map<string, FieldPred[]>, path: string, p: FieldPred): void {
  const list = out.get(path);
  if (list) list.push(p);
  else out.set(path, [p]);
}

/**
 * Index-usable predicates of the filter's top-level conjunction (`$and` flattened). `vars`: the
 * command's `let` variables, for `$expr` equalities on a `$$variable`.
 */
export function extractPredicates(
  filter: Doc,
  collated: boolean,
  out = new Map<string, FieldPred[]>(),
  vars?: Doc,
) {
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (isDocument(sub)) extractPredicates(sub, collated, out, vars);
      continue;
    }
    if (k === "$expr") {
      exprEqualities(v, collated, out, vars);
      continue;
    }
    if (k.startsWith("$")) continue;
    if (isDocument(v) && Object.keys(v).length > 0 && Object.keys(v).every((o) => o.startsWith("$"))) {
      for (const [op, arg] of Object.entries(v)) {
        if (op === "$eq" && eqUsable(arg, collated)) addPred(out, k, { kind: "eq", value: arg });
        else if (op === "$in" && Array.isArray(arg) && arg.every((x) => eqUsable(x, collated))) {
          addPred(out, k, { kind: "in", values: arg });
        } else if (op === "$in" && Array.isArray(arg) && arg.some(isRegex)) {
          inWithRegexes(out, k, arg, collated);
        } else if (
          (op === "$gt" || op === "$gte" || op === "$lt" || op === "$lte") && rangeUsable(arg, collated)
        ) {
          addPred(out, k, { kind: "range", op, value: arg });
        } else if (op === "$elemMatch" && isDocument(arg)) elemMatchPredicates(k, arg, collated, out);
        else if (op === "$ne" && eqUsable(arg, collated)) {
          addPred(out, k, { kind: "not", of: { kind: "eq", value: arg } });
        } else if (op === "$nin" && Array.isArray(arg) && arg.every((x) => eqUsable(x, collated))) {
          addPred(out, k, { kind: "not", of: { kind: "in", values: arg } });
        } else if (op === "$not") notPredicate(out, k, arg, collated);
        else if (op === "$type") {
          const types = typeBytes(arg);
          if (types) addPred(out, k, { kind: "type", types });
        } else if (op === "$exists" && (arg === true || (typeof arg === "number" && arg !== 0))) {
          addPred(out, k, { kind: "exists" });
        } else if (op === "$exists" && (arg === false || arg === 0)) {
          addPred(out, k, MISSING);
        } else if (op === "$all" && Array.isArray(arg)) {
          // every value must be there: an index entry of any one holds every match (mongod bounds the
          // first; here each is a candidate equality, and the first usable one bounds)
          for (const x of arg) {
            if (eqUsable(x, collated) && !isDocument(x)) addPred(out, k, { kind: "eq", value: x });
          }
        } else if (op === "$regex") {
          // (a regex compares code points whatever the query's collation: an index of no collation
          // serves it; index_plan.ts drops it for a collated index)
          const re = regexBound(arg, v["$options"]);
          if (re) addPred(out, k, { kind: "regex", regexes: [re], values: [] });
        }
      }
      continue;
    }
    if (isRegex(v)) {
      const re = regexBound(v);
      if (re) addPred(out, k, { kind: "regex", regexes: [re], values: [] });
      continue;
    }
    if (eqUsable(v, collated)) addPred(out, k, { kind: "eq", value: v });
  }
  return out;
}

/** `$exists: false` (or `$not: {$exists: true}`): the null point, where missing fields index. */
const MISSING: FieldPred = { kind: "eq", value: null, missing: true };

/**
 * `$not` of one comparison (`{$not: {$gt: 5}}`): its complement; of `$exists: true`, the missing
 * fields; anything else bounds nothing.
 */
function notPredicate(out: Map<string, FieldPred[]>, path: string, arg: unknown, collated: boolean): void {
  if (!isDocument(arg)) return;
  const ops = Object.keys(arg);
  if (ops.length !== 1) return;
  const op = ops[0]!;
  const v = arg[op];
  if (op === "$eq" && eqUsable(v, collated)) {
    addPred(out, path, { kind: "not", of: { kind: "eq", value: v } });
  } else if (op === "$in" && Array.isArray(v) && v.every((x) => eqUsable(x, collated))) {
    addPred(out, path, { kind: "not", of: { kind: "in", values: v } });
  } else if ((op === "$gt" || op === "$gte" || op === "$lt" || op === "$lte") && rangeUsable(v, collated)) {
    addPred(out, path, { kind: "not", of: { kind: "range", op, value: v } });
  } else if (op === "$exists" && (v === true || (typeof v === "number" && v !== 0))) {
    addPred(out, path, MISSING);
  }
}

/** `$type` aliases and numbers → the type byte of their keys (key_string.ts); types not listed bound nothing. */
const TYPE_KEYS: Record<string, number> = {
  number: 0x1e,
  double: 0x1e,
  int: 0x1e,
  long: 0x1e,
  decimal: 0x1e,
  1: 0x1e,
  16: 0x1e,
  18: 0x1e,
  19: 0x1e,
  string: 0x28,
  2: 0x28,
  object: 0x32,
  3: 0x32,
  binData: 0x46,
  5: 0x46,
  objectId: 0x50,
  7: 0x50,
  bool: 0x5a,
  8: 0x5a,
  date: 0x64,
  9: 0x64,
  null: 0x14,
  10: 0x14,
  regex: 0x78,
  11: 0x78,
  timestamp: 0x6e,
  17: 0x6e,
};

/**
 * The key type bytes of a `$type` argument (an alias, a number, or a list of them), sorted and
 * distinct; undefined when one of them has no bracket of its own here (an array is indexed by its
 * elements; symbols share the strings' bytes, undefined the empty arrays'…).
 */
function typeBytes(arg: unknown): number[] | undefined {
  const list = Array.isArray(arg) ? arg : [arg];
  if (list.length === 0) return undefined;
  const out = new Set<number>();
  for (const t of list) {
    const key = typeof t === "string"
      ? t
      : typeof t === "number" && Number.isInteger(t)
      ? String(t)
      : undefined;
    const b = key === undefined || !Object.hasOwn(TYPE_KEYS, key) ? undefined : TYPE_KEYS[key];
    if (b === undefined) return undefined;
    out.add(b);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * `path: {$in: [...]}` holding regexes: one `regex` predicate of them and the other values, when
 * every other value bounds as an equality (not an array, nor a string under a collation).
 */
function inWithRegexes(out: Map<string, FieldPred[]>, path: string, arg: unknown[], collated: boolean): void {
  const regexes: RegexBound[] = [];
  const values: unknown[] = [];
  for (const x of arg) {
    if (isRegex(x)) {
      const re = regexBound(x);
      if (!re) return;
      regexes.push(re);
    } else if (eqUsable(x, collated)) values.push(x);
    else return;
  }
  addPred(out, path, { kind: "regex", regexes, values });
}

/**
 * The predicates of `path: {$elemMatch: arg}`, in both of mongod's forms: the value form's operators
 * (`{$gte: 1, $lt: 5}`) bound `path` as they would outside it; the object form's sub-filter (`{k: 2,
 * v: {$lt: 5}}`, its `$and` flattened) bounds `path.k`, `path.v`. Their bounds hold every match (the
 * element that matches gives the index those keys) but not only the matches (one element must hold
 * them all, and the operators apply to elements only): the fetched documents are matched again
 * (exact_bounds.ts never takes an `$elemMatch`). `$expr` has no place inside it and is not read.
 */
function elemMatchPredicates(path: string, arg: Doc, collated: boolean, out: Map<string, FieldPred[]>): void {
  const keys = Object.keys(arg);
  if (keys.length === 0) return;
  const sub = new Map<string, FieldPred[]>();
  // (a sub-filter of logical operators alone, `{$and: [{k: 2}, …]}`, is the object form)
  if (keys.every((o) => o.startsWith("$") && o !== "$and" && o !== "$or" && o !== "$nor")) {
    extractPredicates({ [path]: arg }, collated, sub);
    const list = sub.get(path) ?? [];
    const ranges = list.filter((p): p is FieldPred & { kind: "range" } => p.kind === "range");
    for (const p of list) if (p.kind !== "range" || ranges.length < 2) addPred(out, path, p);
    if (ranges.length >= 2) addPred(out, path, { kind: "element", ranges });
    return;
  }
  const fields: Doc = {};
  for (const k of keys) if (k !== "$expr") fields[k] = arg[k];
  extractPredicates(fields, collated, sub);
  for (const [f, list] of sub) for (const p of list) addPred(out, `${path}.${f}`, p);
}

/** The comparison with its operands swapped (`5 < $a` is `$a > 5`). */
const SWAPPED: Record<string, "$eq" | "$gt" | "$gte" | "$lt" | "$lte"> = {
  $eq: "$eq",
  $lt: "$gt",
  $lte: "$gte",
  $gt: "$lt",
  $gte: "$lte",
};

/**
 * `$expr: {$eq: ["$path", value]}` and `$lt`, `$lte`, `$gt`, `$gte` (either order; `$and` of such,
 * flattened), as mongod rewrites them to `$_internalExprEq` … beside the `$expr`: bounds that hold
 * every match — an equality the path's point (a superset: `[5, 6]` is in the bounds of 5 but does not
 * equal it; null's bounds reach missing fields too), a comparison the range to MinKey or MaxKey across
 * every type (`expr` ranges) — while the expression itself still runs on every document fetched (a
 * `$lookup`'s pipeline `$match` on `$$variable` is the common case). Not for arrays (an index holds
 * their elements, not them), documents (an expression object, not a constant), undefined, regexes,
 * MinKey/MaxKey, NaN, `$lt: null` (missing is below null in an expression, yet indexes as null),
 * field-to-field comparisons or an unknown variable.
 */
function exprEqualities(e: unknown, collated: boolean, out: Map<string, FieldPred[]>, vars?: Doc): void {
  if (!isDocument(e) || Object.keys(e).length !== 1) return;
  const [op, args] = Object.entries(e)[0]!;
  if (op === "$and" && Array.isArray(args)) {
    for (const a of args) exprEqualities(a, collated, out, vars);
    return;
  }
  if (!Object.hasOwn(SWAPPED, op) || !Array.isArray(args) || args.length !== 2) return;
  const fieldOf = (x: unknown) =>
    typeof x === "string" && x.startsWith("$") && !x.startsWith("$$") && x.length > 1
      ? x.slice(1)
      : undefined;
  const [a, b] = args;
  const path = fieldOf(a) ?? fieldOf(b);
  if (path === undefined || path.includes("$")) return;
  const pathFirst = fieldOf(a) !== undefined;
  let value = pathFirst ? b : a;
  if (typeof value === "string" && value.startsWith("$")) {
    const name = value.startsWith("$$") ? value.slice(2) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || !vars || !Object.hasOwn(vars, name)) return;
    value = vars[name];
  }
  const k = kindOf(value);
  if (k === "object" || k === "array") return;
  const cmp = pathFirst ? SWAPPED[SWAPPED[op]!]! : SWAPPED[op]!;
  if (cmp === "$eq") {
    if (eqUsable(value, collated)) addPred(out, path, { kind: "eq", value });
    return;
  }
  if (value === null ? cmp === "$lt" : !rangeUsable(value, collated)) return;
  addPred(out, path, { kind: "range", op: cmp, value, expr: true });
}

// ------------------------------------------------------------------ display (explain)

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  const k = kindOf(v);
  if (k === "double" && Number.isInteger(v)) return `${v}.0`;
  if (k === "objectId") return `ObjectId('${String(v)}')`;
  if (k === "object" || k === "array") return JSON.stringify(v);
  return String(v);
}

// (a type's own least and greatest values where it has them, as mongod's explain shows a range's open end)
const TYPE_LOW: Record<string, string> = {
  number: "-inf.0",
  string: '""',
  object: "{}",
  array: "[]",
  date: "new Date(-9223372036854775808)",
  objectId: "ObjectId('000000000000000000000000')",
  bool: "false",
  timestamp: "Timestamp(0, 0)",
};
const TYPE_HIGH: Record<string, string> = {
  number: "inf.0",
  string: "{}",
  object: "[]",
  array: "BinData(0, )",
  date: "new Date(9223372036854775807)",
  objectId: "ObjectId('ffffffffffffffffffffffff')",
  bool: "true",
  timestamp: "Timestamp(4294967295, 4294967295)",
};

function typeClass(v: unknown): string {
  const k = kindOf(v);
  if (k === "int" || k === "long" || k === "double" || k === "decimal") return "number";
  if (k === "symbol") return "string";
  return k;
}

// ------------------------------------------------------------------ value intervals

/** What explain shows for an interval end. */
export function endDisplay(e: End): string {
  return e.display ?? show(e.value);
}

// encodeValue's bytes are the caller's: a fresh copy that nothing writes again (key_string.ts `result`).
function pointEnd(v: unknown, keyer?: CollationKeyer): End {
  return { bytes: encodeValue(v, keyer), incl: true, value: v };
}

/** Strings without a collation key, in a collated index (type 0x29, see key_string.ts). */
const RAW_STRINGS: ValueInterval = {
  lo: { bytes: Uint8Array.of(0x29), incl: true, display: '"" (no collation key)', sentinel: true },
  hi: { bytes: Uint8Array.of(0x2a), incl: false, display: "{}", sentinel: true },
  point: false,
};

/** Every string of a collated index, keyed or not. */
const ALL_STRINGS: ValueInterval = {
  lo: { bytes: Uint8Array.of(0x28), incl: true, display: '""', sentinel: true },
  hi: { bytes: Uint8Array.of(0x2a), incl: false, display: "{}", sentinel: true },
  point: false,
};

/**
 * The interval of an equality on `v`: a point (`null`'s also reaches missing fields, which index as null;
 * since MongoDB 8.0 not undefined, which is also what an empty array indexes as).
 */
export function pointInterval(v: unknown, keyer?: CollationKeyer): ValueInterval {
  const e = pointEnd(v, keyer);
  return { lo: e, hi: e, point: true };
}

/**
 * The strings that start with `prefix`: from the prefix itself (its key) up to, not including, its
 * key's bytes without the terminator and then 0xff — no string's bytes go on with 0xff (UTF-8 never
 * holds it; a zero byte is written 0x00 0xff, which sorts below), so every longer string lies below it.
 */
function prefixInterval(prefix: string): ValueInterval {
  const lo = encodeValue(prefix).slice();
  const hi = new Uint8Array(lo.length - 1);
  hi.set(lo.subarray(0, lo.length - 2));
  hi[hi.length - 1] = 0xff;
  const next = successorString(prefix);
  return {
    lo: { bytes: lo, incl: true, display: JSON.stringify(prefix) },
    hi: { bytes: hi, incl: false, display: next === undefined ? "{}" : JSON.stringify(next) },
    point: false,
  };
}

/** Every string (of an index without collation), as mongod shows it. */
const STRINGS: ValueInterval = {
  lo: { bytes: Uint8Array.of(0x28), incl: true, display: '""', sentinel: true },
  hi: { bytes: Uint8Array.of(0x29), incl: false, display: "{}", sentinel: true, shownOpen: true },
  point: false,
};

/**
 * The intervals of a `regex` predicate, ascending and disjoint: each regex's strings (from its prefix,
 * or all of them), its own value (shown as mongod's point `[/re/, /re/]`; the bytes take every regex
 * value, as a stored regex matches only when pattern and options are the same), and the `$in`'s other
 * values' points outside those.
 */
function regexIntervals(p: FieldPred & { kind: "regex" }): ValueInterval[] {
  const list: ValueInterval[] = [];
  for (const re of p.regexes) {
    list.push(re.prefix === undefined ? STRINGS : prefixInterval(re.prefix));
    const shown = `/${re.pattern}/${re.options}`;
    list.push({
      lo: { bytes: typeByte(0x78), incl: true, display: shown, sentinel: true },
      hi: { bytes: typeByte(0x79), incl: false, display: shown, sentinel: true },
      point: false,
    });
  }
  for (const v of p.values) list.push(pointInterval(v));
  list.sort((a, b) => compareKeys(a.lo.bytes, b.lo.bytes));
  const out: ValueInterval[] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last) {
      const c = compareKeys(iv.lo.bytes, last.hi.bytes);
      if (c < 0 || (c === 0 && iv.lo.incl && last.hi.incl)) {
        // overlapping: one interval to the further end (a point or a prefix inside a wider one)
        if (compareKeys(iv.hi.bytes, last.hi.bytes) > 0) {
          out[out.length - 1] = { ...last, hi: iv.hi, point: false };
        }
        continue;
      }
    }
    out.push(iv);
  }
  return out;
}

/**
 * One-byte keys (a type's first byte: the sentinel ends of a range), shared: key bytes are never
 * written after they are made. `Uint8Array.of` is a slow generic builtin (~2 µs per range here).
 */
const TYPE_BYTE: Uint8Array[] = [];
export function typeByte(t: number): Uint8Array {
  return TYPE_BYTE[t] ??= new Uint8Array([t]);
}

function rangeInterval(p: FieldPred & { kind: "range" }, keyer?: CollationKeyer): ValueInterval {
  const bytes = encodeValue(p.value, keyer);
  if (p.expr) {
    // (no type bracket: every value above or below in the BSON order, null and missing lowest)
    const at: End = { bytes, incl: p.op === "$gte" || p.op === "$lte", value: p.value };
    return p.op === "$gt" || p.op === "$gte"
      ? { lo: at, hi: MAX_END, point: false }
      : { lo: MIN_END, hi: at, point: false };
  }
  const t = bytes[0]!;
  const cls = typeClass(p.value);
  const lowStart: End = {
    bytes: typeByte(t),
    incl: true,
    display: TYPE_LOW[cls] ?? "MinKey",
    sentinel: true,
  };
  const highEnd: End = {
    bytes: typeByte(t + 1),
    incl: false,
    display: TYPE_HIGH[cls] ?? "MaxKey",
    sentinel: true,
  };
  const at: End = { bytes, incl: p.op === "$gte" || p.op === "$lte", value: p.value };
  return p.op === "$gt" || p.op === "$gte"
    ? { lo: at, hi: highEnd, point: false }
    : { lo: lowStart, hi: at, point: false };
}

function maxLo(a: End, b: End): End {
  const c = compareKeys(a.bytes, b.bytes);
  return c > 0 || (c === 0 && !a.incl) ? a : b;
}
function minHi(a: End, b: End): End {
  const c = compareKeys(a.bytes, b.bytes);
  return c < 0 || (c === 0 && !a.incl) ? a : b;
}

/**
 * Value intervals (ascending) for one field's predicates; [] = nothing can match. With a collation
 * `keyer` (a collated index queried with its own collation) strings bound on their collation keys,
 * and any string predicate also scans the strings that have no key (re-checked after FETCH).
 */
export function fieldIntervals(
  preds: readonly FieldPred[],
  multikey: boolean,
  keyer?: CollationKeyer,
): ValueInterval[] {
  const list = valueIntervals(preds, multikey, keyer);
  if (!keyer || !preds.some((p) => predValues(p).some(hasString))) return list;
  // Keyless strings are filed in binary order: scan all of them. A keyless query string may equal
  // (or order around) keyed strings under the collation: then scan every string.
  const keyless = preds.some((p) => predValues(p).some((v) => hasKeylessString(v, keyer)));
  const kept = list.filter((iv) => iv.lo.bytes[0] !== 0x29 && !(keyless && iv.lo.bytes[0] === 0x28));
  return [...kept, keyless ? ALL_STRINGS : RAW_STRINGS].sort((x, y) => compareKeys(x.lo.bytes, y.lo.bytes));
}

function predValues(p: FieldPred): readonly unknown[] {
  return p.kind === "in"
    ? p.values
    : p.kind === "regex"
    ? p.values
    : p.kind === "not"
    ? predValues(p.of)
    : p.kind === "type" || p.kind === "exists"
    ? []
    : p.kind === "element"
    ? p.ranges.map((r) => r.value)
    : [p.value];
}

function hasKeylessString(v: unknown, keyer: CollationKeyer): boolean {
  if (typeof v === "string") return keyer.encode(v) === undefined;
  const k = kindOf(v);
  if (k === "symbol") return keyer.encode(String((v as { value: unknown }).value)) === undefined;
  if (k === "array") return (v as unknown[]).some((x) => hasKeylessString(x, keyer));
  if (k === "object") return Object.values(v as Doc).some((x) => hasKeylessString(x, keyer));
  return false;
}

/**
 * The predicate that bounds a field when it has several (the first of: an equality, an `$in`, a regex,
 * an `$elemMatch`'s ranges, a range, a negation, a `$type`, `$exists`); undefined for none.
 */
export function boundingPred(preds: readonly FieldPred[]): FieldPred | undefined {
  for (const kind of ["eq", "in", "regex", "element", "range", "not", "type", "exists"] as const) {
    const p = preds.find((x) => x.kind === kind);
    if (p) return p;
  }
  return undefined;
}

function valueIntervals(
  preds: readonly FieldPred[],
  multikey: boolean,
  keyer: CollationKeyer | undefined,
): ValueInterval[] {
  const p = boundingPred(preds);
  if (p === undefined) return [];
  if (p.kind === "eq" || p.kind === "in") return pointIntervals(p, keyer);
  // (a collation's keys are not the strings' bytes: index_plan.ts gives a collated index no regexes)
  if (p.kind === "regex") return keyer ? [] : regexIntervals(p);
  if (p.kind === "not") return complement(valueIntervals([p.of], false, keyer));
  if (p.kind === "type") return p.types.map(typeInterval);
  if (p.kind === "exists") return [ALL_VALUES];
  const ranges = p.kind === "element"
    ? p.ranges
    : preds.filter((x): x is FieldPred & { kind: "range" } => x.kind === "range");
  if (p.kind === "element") multikey = false; // (one element holds them all: they intersect)
  let iv = rangeInterval(ranges[0]!, keyer);
  if (!multikey) {
    for (const r of ranges.slice(1)) {
      const next = rangeInterval(r, keyer);
      iv = { lo: maxLo(iv.lo, next.lo), hi: minHi(iv.hi, next.hi), point: false };
    }
    const c = compareKeys(iv.lo.bytes, iv.hi.bytes);
    if (c > 0 || (c === 0 && !(iv.lo.incl && iv.hi.incl))) return [];
  }
  return [iv];
}

/** The points of an equality or an `$in`, ascending and distinct. */
function pointIntervals(
  p: FieldPred & { kind: "eq" | "in" },
  keyer: CollationKeyer | undefined,
): ValueInterval[] {
  if (p.kind === "eq") return [pointInterval(p.value, keyer)];
  const list = p.values.map((v) => pointInterval(v, keyer));
  list.sort((a, b) => compareKeys(a.lo.bytes, b.lo.bytes));
  const out: ValueInterval[] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last && compareKeys(last.hi.bytes, iv.lo.bytes) >= 0) continue;
    out.push(iv);
  }
  return out;
}

/** Every key: MinKey's type byte to MaxKey's, both whole. */
const MIN_END: End = { bytes: Uint8Array.of(0x0a), incl: true, display: "MinKey", sentinel: true };
const MAX_END: End = { bytes: Uint8Array.of(0xf0), incl: true, display: "MaxKey", sentinel: true };
const ALL_VALUES: ValueInterval = { lo: MIN_END, hi: MAX_END, point: false };

/** An end on the other side: what an interval ended at, the next one starts after (shown flipped too). */
function flip(e: End): End {
  return { ...e, incl: !e.incl, shownOpen: shownIncl(e) };
}

/**
 * The complement of ascending, disjoint intervals within [MinKey, MaxKey] (mongod's for a negation:
 * `$ne: 5` → [MinKey, 5), (5, MaxKey]; `$not: {$gt: 5}` → [MinKey, 5], (inf.0, MaxKey]).
 */
function complement(list: readonly ValueInterval[]): ValueInterval[] {
  const out: ValueInterval[] = [];
  let lo = MIN_END;
  const push = (hi: End) => {
    const c = compareKeys(lo.bytes, hi.bytes);
    if (c < 0 || (c === 0 && lo.incl && hi.incl)) out.push({ lo, hi, point: false });
  };
  for (const iv of list) {
    push(flip(iv.lo));
    lo = flip(iv.hi);
  }
  push(MAX_END);
  return out;
}

/** The display of each type bracket's ends (mongod's), by key type byte. */
const TYPE_SHOWN: Record<number, [string, string]> = {
  0x14: ["null", "null"],
  0x1e: ["nan.0", "inf.0"],
  0x28: ['""', "{}"],
  0x32: ["{}", "[]"],
  0x46: ["BinData(0, )", "ObjectId('000000000000000000000000')"],
  0x50: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  0x5a: ["false", "true"],
  0x64: ["new Date(-9223372036854775808)", "new Date(9223372036854775807)"],
  0x6e: ["Timestamp(0, 0)", "Timestamp(4294967295, 4294967295)"],
  0x78: ["/(?:)/", "MaxKey"],
};

/** Every key of one type byte (its bracket). */
function typeInterval(t: number): ValueInterval {
  const [lo, hi] = TYPE_SHOWN[t] ?? ["MinKey", "MaxKey"];
  return {
    lo: { bytes: typeByte(t), incl: true, display: lo, sentinel: true },
    // (mongod ends a bracket at the next type's first value, shown open, or at its own last one)
    hi: { bytes: typeByte(t + 1), incl: false, display: hi, sentinel: true, shownOpen: OPEN_END.has(t) },
    point: false,
  };
}

/** Type brackets whose end explain shows open (the next type's first value). */
const OPEN_END = new Set([0x28, 0x32, 0x46]);

/** Is an end shown inclusive (explain)? A type bracket's sentinel ends are, unless `shownOpen` says. */
export function shownIncl(e: End): boolean {
  return e.shownOpen !== undefined ? !e.shownOpen : e.incl || e.sentinel === true;
}
