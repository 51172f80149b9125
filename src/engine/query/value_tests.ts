/**
 * value_tests.ts — per-candidate tests for equality, ordering, `$in`, `$type`, `$mod` and regex.
 *
 * Comparison semantics (mongod's ComparisonMatchExpression): values are compared only within the
 * same canonical type bracket (`{$gt: 5}` never matches a string), except that a MinKey/MaxKey operand
 * compares against everything. A missing field behaves as null for `$eq/$gte/$lte: null`. NaN equals
 * only NaN and is matched only by `$eq`, `$gte` and `$lte`.
 */
import { compareValues, type StringComparator, typeOrder, valuesEqual } from "../../bson/compare.ts";
import { exactOf, isNumeric, kindOf } from "../../bson/values.ts";
import type { Long, ObjectId } from "bson";
import { ObjectIdSet } from "../../bson/object_id.ts";
import { bsonTypeNumber } from "../../bson/compare.ts";
import { type CompiledRegex, regexMatches } from "./regex.ts";
import type { ValueTest } from "./predicates.ts";
import { isBsonUndefined } from "../../bson/undefined_value.ts";
import { CommandError } from "../../errors/command_error.ts";

function isNaNValue(v: unknown): boolean {
  if (typeof v === "number") return Number.isNaN(v);
  const k = kindOf(v);
  return (k === "decimal" || k === "double") && exactOf(v)?.t === "nan";
}

/** `$eq` (and implicit equality). */
export function eqTest(x: unknown, strCmp: StringComparator | undefined): ValueTest {
  if (isBsonUndefined(x)) throw new CommandError("BadValue", "cannot compare to undefined");
  if (x === null || x === undefined) return (v) => v === null || v === undefined;
  if (typeof x === "number" && !Number.isNaN(x)) {
    return (v) => typeof v === "number" ? v === x : isNumeric(v) && compareValues(v, x) === 0;
  }
  if (typeof x === "string" && !strCmp) {
    return (v) => v === x || (typeof v === "object" && v !== null && valuesEqual(v, x));
  }
  return (v) => v !== undefined && valuesEqual(v, x, strCmp);
}

export type CmpOp = "$lt" | "$lte" | "$gt" | "$gte";

/** `$lt $lte $gt $gte`. */
export function cmpTest(op: CmpOp, x: unknown, strCmp: StringComparator | undefined): ValueTest {
  if (isBsonUndefined(x)) throw new CommandError("BadValue", "cannot compare to undefined");
  const inclusive = op === "$lte" || op === "$gte";
  const xIsNull = x === null || x === undefined;
  if (xIsNull) return inclusive ? (v) => v === null || v === undefined : () => false;
  const tx = typeOrder(x);
  const crossType = tx === -1 || tx === 127; // MinKey / MaxKey compare against all types
  const xNaN = isNaNValue(x);
  const accept = op === "$lt"
    ? (c: number) => c < 0
    : op === "$lte"
    ? (c: number) => c <= 0
    : op === "$gt"
    ? (c: number) => c > 0
    : (c: number) => c >= 0;
  if (typeof x === "number" && !xNaN) {
    return (v) => {
      if (typeof v === "number") return v === v && accept(v < x ? -1 : v > x ? 1 : 0);
      if (v === undefined || typeOrder(v) !== 10 || isNaNValue(v)) return false;
      return accept(compareValues(v, x));
    };
  }
  return (v) => {
    if (v === undefined) return false;
    if (!crossType && typeOrder(v) !== tx) return false;
    if (xNaN || isNaNValue(v)) return inclusive && xNaN && isNaNValue(v);
    return accept(compareValues(v, x, strCmp));
  };
}

/** `$in`: equality with any listed value, or a match of any listed regex. */
export function inTest(
  values: readonly unknown[],
  regexes: readonly CompiledRegex[],
  strCmp: StringComparator | undefined,
): ValueTest {
  let hasNull = false;
  const strings = new Set<string>();
  /** Numbers of every kind by the JS number each equals exactly (1, 1.0, Int32(1), Long(1) alike). */
  const numbers = new Set<number>();
  /** ObjectIds by their bytes (a lookup, not a comparison with each). */
  const ids = new ObjectIdSet();
  const others: unknown[] = [];
  for (const x of values) {
    if (x === null || x === undefined) hasNull = true;
    else if (typeof x === "string" && !strCmp) strings.add(x);
    else if (isObjectId(x)) ids.add(x);
    else {
      const n = exactNumber(x);
      if (n !== undefined) numbers.add(n);
      else others.push(x);
    }
  }
  const numericOthers = others.some((o) => isNumeric(o));
  return (v) => {
    if (v === null || v === undefined) return hasNull;
    if (typeof v === "string") {
      if (strings.has(v)) return true;
    } else if (isObjectId(v)) {
      return ids.has(v); // (nothing else equals an ObjectId, and no regex matches one)
    } else {
      const n = exactNumber(v);
      if (n !== undefined) {
        // (a number of the set by its value: one lookup, however many values and whatever their kinds)
        if (numbers.has(n)) return true;
        if (!numericOthers && regexes.length === 0) return false;
      } else if (numbers.size > 0 && isNumeric(v)) {
        // a Decimal128, a Long past 2^53: compared exactly with each
        for (const m of numbers) if (compareValues(v, m) === 0) return true;
      }
    }
    for (const o of others) if (valuesEqual(v, o, strCmp)) return true;
    for (const r of regexes) if (regexMatches(r, v)) return true;
    return false;
  };
}

function isObjectId(v: unknown): v is ObjectId {
  return typeof v === "object" && v !== null && (v as { _bsontype?: unknown })._bsontype === "ObjectId";
}

/**
 * The JS number a BSON number equals exactly: a double, an Int32, a Long within 2^53; undefined for a
 * Decimal128, a larger Long and non-numbers. (A Set of these compares as mongod's numeric equality:
 * SameValueZero takes -0 as 0 and NaN as NaN.)
 */
function exactNumber(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v !== "object" || v === null) return undefined;
  switch ((v as { _bsontype?: unknown })._bsontype) {
    case "Double":
    case "Int32":
      return (v as { value: number }).value;
    case "Long": {
      const n = (v as Long).toNumber();
      return Number.isSafeInteger(n) ? n : undefined;
    }
    default:
      return undefined;
  }
}

/** `$type` with a set of BSON type numbers; `number` (any numeric) is passed as `anyNumber`. */
export function typeTest(types: ReadonlySet<number>, anyNumber: boolean): ValueTest {
  return (v) => {
    if (v === undefined) return false;
    if (anyNumber && isNumeric(v)) return true;
    return types.has(bsonTypeNumber(v));
  };
}

/** `$mod: [divisor, remainder]` over truncated integer values. */
export function modTest(divisor: bigint, remainder: bigint): ValueTest {
  const d = Number(divisor);
  const r = Number(remainder);
  const small = Number.isSafeInteger(d) && Number.isSafeInteger(r);
  return (v) => {
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return false;
      const t = Math.trunc(v);
      if (small && Number.isSafeInteger(t)) return t % d === r;
      return BigInt(t) % divisor === remainder;
    }
    const k = kindOf(v);
    if (k === "long") return (v as Long).toBigInt() % divisor === remainder;
    if (k === "decimal" || k === "int" || k === "double") {
      const n = truncToBigInt(v);
      return n !== undefined && n % divisor === remainder;
    }
    return false;
  };
}

/** Truncates a numeric value to a bigint (undefined for NaN/Infinity). */
export function truncToBigInt(v: unknown): bigint | undefined {
  const e = exactOf(v);
  if (!e || e.t !== "fin") return undefined;
  let n = e.num;
  if (e.p2 >= 0) n <<= BigInt(e.p2);
  else n /= 1n << BigInt(-e.p2);
  if (e.p10 >= 0) n *= 10n ** BigInt(e.p10);
  else n /= 10n ** BigInt(-e.p10);
  return n;
}
