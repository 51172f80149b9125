/**
 * group_key.ts — a string key per BSON value such that two values get the same key exactly when
 * mongod's `valuesEqual` (binary collation) says they are equal: 1, 1.0, Long(1) and
 * Decimal128("1.00") share a key; documents compare field names and order; arrays element-wise.
 * Used to hash `$group` keys and `$addToSet` members. Missing and null share a key, as `$group` does.
 * An ObjectId's key is built from its packed words (bson/object_id.ts `objectIdKey`), not its hex form.
 */
import type { ObjectId } from "bson";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { objectIdKey } from "../../bson/object_id.ts";
import {
  binaryBytes,
  binarySubtype,
  decimalDigits,
  documentEntries,
  exactOf,
  kindOf,
} from "../../bson/values.ts";

function numberKey(v: unknown): string {
  const n = typeof v === "number"
    ? v
    : kindOf(v) === "decimal"
    ? NaN
    : Number((v as { valueOf(): unknown }).valueOf());
  if (Number.isSafeInteger(n)) return "#" + (n === 0 ? 0 : n);
  const e = exactOf(v);
  if (!e || e.t === "nan") return "#NaN";
  if (e.t === "inf") return e.sign > 0 ? "#inf" : "#-inf";
  const d = decimalDigits(e);
  if (d.sign === 0) return "#0";
  const sign = d.sign < 0 ? "-" : "";
  if (d.exp >= d.digits.length && d.exp <= 40) {
    return "#" + sign + d.digits + "0".repeat(d.exp - d.digits.length);
  }
  return "#" + sign + "." + d.digits + "e" + d.exp;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

function framed(s: string): string {
  return s.length + ":" + s;
}

/** The equality key of a value. */
export function valueKey(v: unknown): string {
  if (v === undefined || v === null) return "n";
  switch (typeof v) {
    case "number":
      return numberKey(v);
    case "string":
      return "s" + v;
    case "boolean":
      return v ? "T" : "F";
  }
  if (Array.isArray(v)) {
    let s = "[";
    for (const el of v) s += framed(valueKey(el));
    return s + "]";
  }
  const k = kindOf(v);
  switch (k) {
    case "int":
    case "long":
    case "double":
    case "decimal":
      return numberKey(v);
    case "object": {
      let s = "{";
      for (const [name, x] of documentEntries(v)) s += framed(name) + framed(valueKey(x));
      return s + "}";
    }
    case "date":
      return "D" + (v as Date).getTime();
    case "objectId":
      return "O" + objectIdKey(v as ObjectId);
    case "symbol":
      return "s" + String((v as { value?: unknown }).value);
    case "binData":
      return "B" + binarySubtype(v) + ":" + hex(binaryBytes(v));
    case "timestamp": {
      const t = v as { t: number; i: number };
      return "X" + t.t + ":" + t.i;
    }
    case "regex": {
      const r = v instanceof RegExp
        ? [v.source, v.flags]
        : [(v as { pattern: string }).pattern, (v as { options: string }).options];
      return "R" + framed(r[0] as string) + r[1];
    }
    case "minKey":
      return "m";
    case "maxKey":
      return "M";
    case "undefined":
      return "u";
    default: {
      const c = v as { code?: unknown; scope?: unknown };
      return "J" + bsonTypeAlias(v) + framed(String(c.code)) + (c.scope ? valueKey(c.scope) : "");
    }
  }
}
