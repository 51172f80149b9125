/**
 * Legacy field readers (one call per field inside `run`), kept while commands move to the declared
 * shapes of `schema.ts`; they word their errors through `errors.ts` like the schema does. Every error names the
 * field the way mongod's IDL parser does ("BSON field 'find.limit' is the wrong type 'string',
 * expected type 'long'") with mongod's codes (40415 unknown field, 14 TypeMismatch, 40414 missing).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { isNumeric, isPlainDoc, toNumber, typeName } from "../../bson/type_name.ts";
import { missingField, notIntegral, unknownField, wrongType as wrongTypeAt } from "./errors.ts";
import { GENERIC_FIELDS } from "./generic.ts";

export { isNumeric, toNumber, typeName };

/** How a legacy command treats one body field (see schema.ts for the typed form). */
export type FieldRule = "required" | "optional" | "ignored";

function wrongType(command: string, field: string, v: unknown, expected: string) {
  return wrongTypeAt(`${command}.${field}`, v, expected);
}

/** Checks body fields against the declared rules: unknown → 40415, missing required → 40414. */
export function checkFields(command: string, body: Doc, rules: Readonly<Record<string, FieldRule>>): void {
  let first = true;
  for (const key of Object.keys(body)) {
    if (first) {
      first = false;
      continue; // the command key itself
    }
    if (key in rules || GENERIC_FIELDS.has(key)) continue;
    throw unknownField(`${command}.${key}`);
  }
  for (const [key, rule] of Object.entries(rules)) {
    if (rule === "required" && body[key] === undefined) {
      throw missingField(`${command}.${key}`);
    }
  }
}

export function optDoc(command: string, body: Doc, field: string): Doc | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!isPlainDoc(v)) throw wrongType(command, field, v, "object");
  return v;
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
    throw notIntegral(field, n);
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
