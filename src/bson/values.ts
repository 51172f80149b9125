/**
 * values.ts — classifying deserialised BSON values and exact arithmetic over BSON numbers.
 *
 * Values arrive from npm:bson with `{promoteLongs: false, promoteValues: true, bsonRegExp: true}`:
 * int32 and double are both JS `number`, int64 is `Long`, and the other BSON types are the bson
 * classes (ObjectId, Decimal128, Binary, Timestamp, BSONRegExp, MinKey, MaxKey, Code, DBRef,
 * BSONSymbol), `Date`, `null`, `undefined`, `boolean`, `string`, arrays and plain objects.
 *
 * Rule for JS numbers: a `number` that is an integer within int32 range (and not -0) is treated as a
 * BSON int32; every other `number` is a double. So a double stored as `5.0` reads back as "int" —
 * the one place we cannot tell them apart once promoted. `Int32`/`Double` wrapper objects keep their
 * declared type.
 *
 * Exact numeric comparison: every finite number is turned into `num · 2^p2 · 10^p10` with a bigint
 * `num`, and two such values are compared exactly. This makes Long vs double correct beyond 2^53 and
 * Decimal128 vs double exact (mongod rounds the double to 34 decimal digits first; the two only
 * differ for doubles whose exact expansion needs more than 34 significant digits and agrees with the
 * decimal on the first 34).
 */
import type { Binary, Decimal128, Long } from "bson";
import { BSON_UNDEFINED } from "./undefined_value.ts";

/** Internal type tags, one per BSON type we can meet (numbers split by width). */
export type BsonKind =
  | "minKey"
  | "undefined"
  | "null"
  | "int"
  | "long"
  | "double"
  | "decimal"
  | "string"
  | "symbol"
  | "object"
  | "array"
  | "binData"
  | "objectId"
  | "bool"
  | "date"
  | "timestamp"
  | "regex"
  | "dbPointer"
  | "javascript"
  | "javascriptWithScope"
  | "maxKey";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** True for a JS number that counts as int32 under the rule above. */
export function isInt32Number(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX && !Object.is(n, -0);
}

/** The BSON kind of a deserialised value. Unknown objects count as documents. */
export function kindOf(v: unknown): BsonKind {
  switch (typeof v) {
    case "number":
      return isInt32Number(v) ? "int" : "double";
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "undefined":
      return "undefined";
    case "bigint":
      return "long";
    case "object":
      break;
    default:
      return "object";
  }
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  if (v instanceof RegExp) return "regex";
  if (v instanceof Uint8Array) return "binData";
  const tag = (v as { _bsontype?: unknown })._bsontype;
  if (typeof tag === "string") {
    switch (tag) {
      case "Long":
        return "long";
      case "Int32":
        return "int";
      case "Double":
        return "double";
      case "Decimal128":
        return "decimal";
      case "ObjectId":
      case "ObjectID":
        return "objectId";
      case "Binary":
        return "binData";
      case "Timestamp":
        return "timestamp";
      case "BSONRegExp":
        return "regex";
      case "MinKey":
        return "minKey";
      case "Undefined": // BSON_UNDEFINED (undefined_value.ts)
        return "undefined";
      case "MaxKey":
        return "maxKey";
      case "Code":
        return (v as { scope?: unknown }).scope ? "javascriptWithScope" : "javascript";
      case "BSONSymbol":
        return "symbol";
      case "DBRef":
        return "object";
    }
  }
  return "object";
}

/** True for the four numeric BSON kinds. */
export function isNumberKind(k: BsonKind): boolean {
  return k === "int" || k === "long" || k === "double" || k === "decimal";
}

/** True if `v` is a BSON number (number, Long, Decimal128, Int32, Double, bigint). */
export function isNumeric(v: unknown): boolean {
  if (typeof v === "number") return true;
  return isNumberKind(kindOf(v));
}

/** True for null, missing and BSON undefined (mongod's `nullish()`). */
export function isNullish(v: unknown): v is null | undefined {
  return v === null || v === undefined || v === BSON_UNDEFINED;
}

/** Plain document test: an object that is not an array nor any BSON/JS value class. */
export function isDocument(v: unknown): v is Record<string, unknown> {
  return kindOf(v) === "object";
}

/** Fields of a document-like value (a DBRef exposes $ref/$id/$db then its extra fields). */
export function documentEntries(v: unknown): [string, unknown][] {
  const tag = (v as { _bsontype?: unknown })._bsontype;
  if (tag === "DBRef") {
    const r = v as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
    const out: [string, unknown][] = [["$ref", r.collection], ["$id", r.oid]];
    if (r.db !== undefined) out.push(["$db", r.db]);
    if (r.fields) out.push(...Object.entries(r.fields));
    return out;
  }
  return Object.entries(v as Record<string, unknown>);
}

/** Bytes of a binData value. */
export function binaryBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  const b = v as Binary;
  return b.buffer.subarray(0, b.position);
}

/** Subtype of a binData value (0 for a raw Uint8Array). */
export function binarySubtype(v: unknown): number {
  return v instanceof Uint8Array ? 0 : (v as Binary).sub_type;
}

// ---------------------------------------------------------------------------------------------
// Exact numbers

/** A BSON number as an exact value: NaN, ±Infinity, or `num · 2^p2 · 10^p10`. */
export type ExactNumber =
  | { readonly t: "nan" }
  | { readonly t: "inf"; readonly sign: 1 | -1 }
  | { readonly t: "fin"; readonly num: bigint; readonly p2: number; readonly p10: number };

const NAN: ExactNumber = { t: "nan" };
const POS_INF: ExactNumber = { t: "inf", sign: 1 };
const NEG_INF: ExactNumber = { t: "inf", sign: -1 };

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Exact value of a double. */
export function exactOfDouble(d: number): ExactNumber {
  if (Number.isNaN(d)) return NAN;
  if (d === Infinity) return POS_INF;
  if (d === -Infinity) return NEG_INF;
  if (Number.isSafeInteger(d)) return { t: "fin", num: BigInt(d), p2: 0, p10: 0 };
  f64[0] = d;
  const hi = u32[LITTLE ? 1 : 0] ?? 0;
  const lo = u32[LITTLE ? 0 : 1] ?? 0;
  const neg = hi >>> 31 === 1;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074; // subnormal
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  return { t: "fin", num: neg ? -mant : mant, p2: e, p10: 0 };
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?(?:E([+-]\d+))?$/;

/** Exact value of a Decimal128 (via its canonical string). */
export function exactOfDecimal(d: Decimal128): ExactNumber {
  const s = d.toString();
  if (s === "NaN" || s === "-NaN") return NAN;
  if (s === "Infinity") return POS_INF;
  if (s === "-Infinity") return NEG_INF;
  const m = DECIMAL_RE.exec(s);
  if (!m) return NAN;
  const frac = m[3] ?? "";
  const digits = BigInt((m[2] ?? "0") + frac);
  return { t: "fin", num: m[1] ? -digits : digits, p2: 0, p10: Number(m[4] ?? "0") - frac.length };
}

/** Exact value of any BSON number; undefined for non-numbers. */
export function exactOf(v: unknown): ExactNumber | undefined {
  if (typeof v === "number") return exactOfDouble(v);
  if (typeof v === "bigint") return { t: "fin", num: v, p2: 0, p10: 0 };
  switch (kindOf(v)) {
    case "long":
      return { t: "fin", num: (v as Long).toBigInt(), p2: 0, p10: 0 };
    case "decimal":
      return exactOfDecimal(v as Decimal128);
    case "int":
    case "double":
      return exactOfDouble(Number((v as { valueOf(): number }).valueOf()));
    default:
      return undefined;
  }
}

function sign(x: ExactNumber): number {
  if (x.t === "nan") return 0;
  if (x.t === "inf") return x.sign;
  return x.num > 0n ? 1 : x.num < 0n ? -1 : 0;
}

function pow(base: bigint, e: number): bigint {
  return e <= 0 ? 1n : base ** BigInt(e);
}

/** Compares two exact numbers; NaN is lowest and equal to itself. */
export function compareExact(a: ExactNumber, b: ExactNumber): number {
  if (a.t === "nan") return b.t === "nan" ? 0 : -1;
  if (b.t === "nan") return 1;
  if (a.t === "inf" || b.t === "inf") {
    const sa = a.t === "inf" ? a.sign * 2 : 0;
    const sb = b.t === "inf" ? b.sign * 2 : 0;
    return sa === sb ? 0 : sa < sb ? -1 : 1;
  }
  const sa = sign(a);
  const sb = sign(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  const p2 = Math.min(a.p2, b.p2);
  const p10 = Math.min(a.p10, b.p10);
  const x = a.num * pow(2n, a.p2 - p2) * pow(10n, a.p10 - p10);
  const y = b.num * pow(2n, b.p2 - p2) * pow(10n, b.p10 - p10);
  return x < y ? -1 : x > y ? 1 : 0;
}

function safeLongNumber(v: unknown): number | undefined {
  if ((v as { _bsontype?: unknown })?._bsontype !== "Long") return undefined;
  const n = (v as Long).toNumber();
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Compares two BSON numbers by value (NaN lowest, NaN == NaN, -0 == 0). Fast paths for number/number
 * and number/Long; Decimal128 goes through exact arithmetic.
 */
export function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === b) return 0;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    return an && bn ? 0 : an ? -1 : 1;
  }
  // Fast path: Long values within ±2^53 compare exactly as doubles.
  const na = typeof a === "number" ? a : safeLongNumber(a);
  const nb = typeof b === "number" ? b : safeLongNumber(b);
  if (na !== undefined && nb !== undefined) return compareNumbers(na, nb);
  const ea = exactOf(a);
  const eb = exactOf(b);
  if (!ea || !eb) throw new TypeError("compareNumbers on a non-number");
  return compareExact(ea, eb);
}

/**
 * Decimal digits of a finite exact number: `sign`, `digits` (no leading or trailing zeros; "" for
 * zero) and `exp` such that |value| = 0.digits × 10^exp.
 */
export function decimalDigits(x: ExactNumber & { t: "fin" }): { sign: number; digits: string; exp: number } {
  let num = x.num < 0n ? -x.num : x.num;
  let p10 = x.p10;
  if (num === 0n) return { sign: 0, digits: "", exp: 0 };
  if (x.p2 > 0) num <<= BigInt(x.p2);
  else if (x.p2 < 0) {
    num *= 5n ** BigInt(-x.p2);
    p10 += x.p2;
  }
  let s = num.toString();
  let end = s.length;
  while (end > 1 && s.charCodeAt(end - 1) === 48) end--;
  p10 += s.length - end;
  s = s.slice(0, end);
  return { sign: x.num < 0n ? -1 : 1, digits: s, exp: s.length + p10 };
}
