/**
 * BSON value facts parameter parsing and messages need: mongod's IDL type names (as printed in
 * "is the wrong type" errors) and numeric conversions across int/long/double/decimal.
 */
import { Decimal128, Double, Int32, Long } from "bson";

/** mongod's type name of a value as used in IDL errors. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? "int" : "double";
  // (npm bson's Timestamp is a Long subclass)
  if ((v as { _bsontype?: string })._bsontype === "Timestamp") return "timestamp";
  if (typeof v === "bigint" || v instanceof Long) return "long";
  if (v instanceof Int32) return "int";
  if (v instanceof Double) return "double";
  if (v instanceof Decimal128) return "decimal";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  const bt = (v as { _bsontype?: string })._bsontype;
  if (bt === "ObjectId") return "objectId";
  if (bt === "Binary") return "binData";
  if (bt === "BSONRegExp") return "regex";
  if (bt === "Undefined") return "undefined"; // BSON_UNDEFINED
  if (bt) return bt;
  return "object";
}

export function isNumeric(v: unknown): boolean {
  return typeof v === "number" || (v instanceof Long && !isTimestamp(v)) || v instanceof Int32 ||
    v instanceof Double || v instanceof Decimal128 || typeof v === "bigint";
}

/** npm bson's Timestamp, a subclass of Long that is not a number. */
function isTimestamp(v: Long): boolean {
  return (v as { _bsontype?: string })._bsontype === "Timestamp";
}

/** Numeric value as a JS number (Long/Decimal converted; may lose precision beyond 2^53). */
export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (v instanceof Long) return v.toNumber();
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Int32 || v instanceof Double) return v.value;
  if (v instanceof Decimal128) return Number(v.toString());
  return NaN;
}

/** A plain embedded document (not an array, not a BSON wrapper type). */
export function isPlainDoc(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeName(v) === "object";
}
