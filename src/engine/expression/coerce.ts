/**
 * coerce.ts — mongod's implicit conversions used by several families: `coerceToString` (string
 * operators accept numbers and dates), `coerceToDate` (date operators accept Date, Timestamp and
 * ObjectId), date formatting in mongod's ISO style, and type names for messages.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { kindOf } from "../../bson/values.ts";

/** `$type`-style name of a value, "missing" for undefined. */
export function typeName(v: unknown): string {
  return v === undefined ? "missing" : bsonTypeAlias(v);
}

/** ISO-8601 with milliseconds, as mongod prints dates ("2024-01-02T03:04:05.678Z"). */
export function isoDate(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) return "invalid date";
  return d.toISOString();
}

/** A number as mongod's string conversion prints it. */
export function numberToString(v: unknown): string {
  if (typeof v === "number") return String(v);
  return String(v);
}

/** mongod's `Value::coerceToString` (nullish → ""). */
export function coerceToString(v: unknown, op: string): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "";
  switch (kindOf(v)) {
    case "int":
    case "long":
    case "double":
    case "decimal":
      return numberToString(v);
    case "date":
      return isoDate(v as Date);
    case "symbol":
      return String((v as { value: unknown }).value);
    case "timestamp":
      return String(v);
    case "undefined":
      return "";
    default:
      throw new CommandError(
        Location.CannotConvertToString,
        `can't convert from BSON type ${typeName(v)} to String${op ? "" : ""}`,
      );
  }
}

/** mongod's `Value::coerceToDate` for date operators (16006 otherwise). */
export function coerceToDate(v: unknown): Date {
  if (v instanceof Date) return v;
  switch (kindOf(v)) {
    case "timestamp":
      return new Date((v as { t: number }).t * 1000);
    case "objectId":
      return (v as { getTimestamp(): Date }).getTimestamp();
    default:
      throw new CommandError(
        Location.CannotConvertToDate,
        `can't convert from BSON type ${typeName(v)} to Date`,
      );
  }
}
