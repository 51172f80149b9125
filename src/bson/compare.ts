/**
 * compare.ts — MongoDB's canonical cross-type ordering of BSON values (mongod's
 * `canonicalizeBSONType` + `compareElementValues`), pure and total.
 *
 * Type brackets, lowest first: MinKey < undefined < null < numbers (int, long, double, decimal
 * compared by exact value; NaN lowest among numbers and equal to itself) < string/symbol < object <
 * array < binData < ObjectId < bool < Date < Timestamp < regex < dbPointer < JavaScript <
 * JavaScript-with-scope < MaxKey.
 *
 * Within a bracket: strings by UTF-8 bytes (= Unicode code point order; JS `<` compares UTF-16 units,
 * which differs for astral characters, so we correct for that); documents field by field comparing
 * (type bracket, field name, value) and a shorter document first; arrays element by element;
 * binData by length, then subtype, then bytes; ObjectId by bytes; Date as signed milliseconds;
 * Timestamp as unsigned (t, i); regex by pattern then flags.
 *
 * An optional `strCmp` replaces the string comparison (collation); it is applied to strings and
 * symbols at every depth, as mongod does.
 */
import {
  binaryBytes,
  binarySubtype,
  type BsonKind,
  compareNumbers,
  documentEntries,
  kindOf,
} from "./values.ts";
import type { BSONRegExp, Code, ObjectId, Timestamp } from "bson";
import { compareObjectIds } from "./object_id.ts";

export type StringComparator = (a: string, b: string) => number;

const CANONICAL: Readonly<Record<BsonKind, number>> = {
  minKey: -1,
  undefined: 0,
  null: 5,
  int: 10,
  long: 10,
  double: 10,
  decimal: 10,
  string: 15,
  symbol: 15,
  object: 20,
  array: 25,
  binData: 30,
  objectId: 35,
  bool: 40,
  date: 45,
  timestamp: 47,
  regex: 50,
  dbPointer: 55,
  javascript: 60,
  javascriptWithScope: 65,
  maxKey: 127,
};

const ALIAS: Readonly<Record<BsonKind, string>> = {
  double: "double",
  string: "string",
  object: "object",
  array: "array",
  binData: "binData",
  undefined: "undefined",
  objectId: "objectId",
  bool: "bool",
  date: "date",
  null: "null",
  regex: "regex",
  dbPointer: "dbPointer",
  javascript: "javascript",
  symbol: "symbol",
  javascriptWithScope: "javascriptWithScope",
  int: "int",
  timestamp: "timestamp",
  long: "long",
  decimal: "decimal",
  minKey: "minKey",
  maxKey: "maxKey",
};

const TYPE_NUMBER: Readonly<Record<BsonKind, number>> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
};

/** mongod's canonical type rank of a value (equal ranks are compared by value). */
export function typeOrder(v: unknown): number {
  return CANONICAL[kindOf(v)];
}

/** The `$type` alias of a value ("double", "int", "long", "objectId", …). */
export function bsonTypeAlias(v: unknown): string {
  return ALIAS[kindOf(v)];
}

/** The BSON element type number of a value (1 double … 19 decimal, -1 minKey, 127 maxKey). */
export function bsonTypeNumber(v: unknown): number {
  return TYPE_NUMBER[kindOf(v)];
}

/** Every `$type` alias with its type number (for validating `$type` arguments). */
export const BSON_TYPE_ALIASES: ReadonlyMap<string, number> = new Map(
  Object.entries(ALIAS).map(([k, alias]) => [alias, TYPE_NUMBER[k as BsonKind]]),
);

/** Compares strings by Unicode code point (equivalently, by UTF-8 bytes). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort above U+E000..U+FFFF in code point order.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function stringOf(v: unknown): string {
  return typeof v === "string" ? v : String((v as { value?: unknown }).value ?? v);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function regexParts(v: unknown): [string, string] {
  if (v instanceof RegExp) return [v.source, v.flags];
  const r = v as BSONRegExp;
  return [r.pattern, r.options];
}

function cmp(x: number | bigint | string, y: number | bigint | string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Compares two documents field by field: (type bracket, field name, value); shorter first. */
export function compareDocuments(a: unknown, b: unknown, strCmp?: StringComparator): number {
  const ea = documentEntries(a);
  const eb = documentEntries(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    const [na, va] = ea[i] as [string, unknown];
    const [nb, vb] = eb[i] as [string, unknown];
    const ta = typeOrder(va);
    const tb = typeOrder(vb);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (na !== nb) return compareStrings(na, nb);
    const c = compareValues(va, vb, strCmp);
    if (c !== 0) return c;
  }
  return cmp(ea.length, eb.length);
}

function compareArrays(a: unknown[], b: unknown[], strCmp?: StringComparator): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], strCmp);
    if (c !== 0) return c;
  }
  return cmp(a.length, b.length);
}

/** Total order of BSON values as mongod sorts them; returns -1, 0 or 1. */
export function compareValues(a: unknown, b: unknown, strCmp?: StringComparator): number {
  if (typeof a === "number" && typeof b === "number") return compareNumbers(a, b);
  if (typeof a === "string" && typeof b === "string") {
    return strCmp ? Math.sign(strCmp(a, b)) : compareStrings(a, b);
  }
  const ka = kindOf(a);
  const kb = kindOf(b);
  const ta = CANONICAL[ka];
  const tb = CANONICAL[kb];
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case 10:
      return compareNumbers(a, b);
    case 15:
      return strCmp ? Math.sign(strCmp(stringOf(a), stringOf(b))) : compareStrings(stringOf(a), stringOf(b));
    case 20:
      return compareDocuments(a, b, strCmp);
    case 25:
      return compareArrays(a as unknown[], b as unknown[], strCmp);
    case 30: {
      const ba = binaryBytes(a);
      const bb = binaryBytes(b);
      if (ba.length !== bb.length) return cmp(ba.length, bb.length);
      const sa = binarySubtype(a);
      const sb = binarySubtype(b);
      if (sa !== sb) return cmp(sa, sb);
      return compareBytes(ba, bb);
    }
    case 35:
      return compareObjectIds(a as ObjectId, b as ObjectId);
    case 40:
      return cmp(a ? 1 : 0, b ? 1 : 0);
    case 45:
      return cmp((a as Date).getTime(), (b as Date).getTime());
    case 47: {
      const x = a as Timestamp;
      const y = b as Timestamp;
      return x.t !== y.t ? cmp(x.t, y.t) : cmp(x.i, y.i);
    }
    case 50: {
      const [pa, fa] = regexParts(a);
      const [pb, fb] = regexParts(b);
      return pa !== pb ? compareStrings(pa, pb) : compareStrings(fa, fb);
    }
    case 60:
    case 65: {
      const x = a as Code;
      const y = b as Code;
      const c = compareStrings(String(x.code), String(y.code));
      if (c !== 0 || ta === 60) return c;
      return compareDocuments(x.scope ?? {}, y.scope ?? {}, strCmp);
    }
    default:
      return 0; // minKey, maxKey, undefined, null, dbPointer (not produced by npm:bson)
  }
}

/** Equality under `compareValues` (so 1, Long(1), 1.0 and Decimal128("1") are all equal). */
export function valuesEqual(a: unknown, b: unknown, strCmp?: StringComparator): boolean {
  if (a === b) return true;
  return compareValues(a, b, strCmp) === 0;
}
