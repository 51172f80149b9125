/**
 * Declared-parameter checking and typed field readers for command bodies. Every error names the
 * field the way mongod's IDL parser does ("BSON field 'find.limit' is the wrong type 'string',
 * expected type 'long'") with mongod's codes (40415 unknown field, 14 TypeMismatch, 40414 missing).
 */
import { Decimal128, Double, Int32, Long } from "bson";
import { CommandError } from "../errors/command_error.ts";
import type { Doc, FieldRule } from "./spec.ts";

/** Fields every command accepts (drivers attach them to any command). */
export const GENERIC_FIELDS: ReadonlySet<string> = new Set([
  "$db",
  "lsid",
  "$clusterTime",
  "txnNumber",
  "autocommit",
  "startTransaction",
  "$readPreference",
  "readConcern",
  "writeConcern",
  "apiVersion",
  "apiStrict",
  "apiDeprecationErrors",
  "comment",
  "maxTimeMS",
  "$audit",
  "$client",
  "$configServerState",
  "$gleStats",
  "$topologyTime",
  "$oplogQueryData",
  "$replData",
  "mayBypassWriteBlocking",
  "readOnly",
  "databaseVersion",
  "shardVersion",
  "clientOperationKey",
  "$traceCtx",
]);

/** Checks body fields against the declared rules: unknown → 40415, missing required → 40414. */
export function checkFields(command: string, body: Doc, rules: Readonly<Record<string, FieldRule>>): void {
  let first = true;
  for (const key of Object.keys(body)) {
    if (first) {
      first = false;
      continue; // the command key itself
    }
    if (key in rules || GENERIC_FIELDS.has(key)) continue;
    throw new CommandError(40415, `BSON field '${command}.${key}' is an unknown field.`);
  }
  for (const [key, rule] of Object.entries(rules)) {
    if (rule === "required" && body[key] === undefined) {
      throw new CommandError(
        40414,
        `BSON field '${command}.${key}' is missing but a required field`,
      );
    }
  }
}

/** mongod's type name of a value as used in IDL errors. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "missing";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? "int" : "double";
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
  if (bt === "Timestamp") return "timestamp";
  if (bt) return bt;
  return "object";
}

function wrongType(command: string, field: string, v: unknown, expected: string): CommandError {
  return new CommandError(
    "TypeMismatch",
    `BSON field '${command}.${field}' is the wrong type '${typeName(v)}', expected type '${expected}'`,
  );
}

export function isNumeric(v: unknown): boolean {
  return typeof v === "number" || v instanceof Long || v instanceof Int32 || v instanceof Double ||
    v instanceof Decimal128 || typeof v === "bigint";
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

export function optDoc(command: string, body: Doc, field: string): Doc | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v) || typeName(v) !== "object") {
    throw wrongType(command, field, v, "object");
  }
  return v as Doc;
}

export function optString(command: string, body: Doc, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw wrongType(command, field, v, "string");
  return v;
}

export function optBool(command: string, body: Doc, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (isNumeric(v)) return toNumber(v) !== 0; // IDL "safeBool" accepts numbers
  throw wrongType(command, field, v, "bool");
}

/** An integral number field (IDL "safeInt64"); rejects fractions. */
export function optInt(command: string, body: Doc, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!isNumeric(v)) throw wrongType(command, field, v, "long");
  const n = toNumber(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) {
    throw new CommandError("BadValue", `Field '${field}' must be an integer, got ${n}`);
  }
  return n;
}

export function optArray(command: string, body: Doc, field: string): unknown[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(command, field, v, "array");
  return v;
}

/** The collection name from the command key (`{find: "coll"}`), validated. */
export function collectionName(command: string, body: Doc): string {
  const v = body[command] ?? body[Object.keys(body)[0] ?? ""];
  if (typeof v !== "string") {
    throw new CommandError(
      "InvalidNamespace",
      `collection name has invalid type ${typeName(v)}`,
    );
  }
  validateCollectionName(v);
  return v;
}

export function validateCollectionName(name: string): void {
  if (name.length === 0) throw new CommandError("InvalidNamespace", "Invalid namespace specified ''");
  if (name.includes("\0") || name.startsWith(".") || name.includes("$")) {
    throw new CommandError("InvalidNamespace", `Invalid collection name: ${name}`);
  }
}

export function validateDbName(name: string): void {
  if (name.length === 0 || name.length >= 64 || /[/\\. "$\0]/.test(name)) {
    throw new CommandError("InvalidNamespace", `Invalid database name: '${name}'`);
  }
}
