/**
 * Declared command parameters (after FerretDB's typed params): a command lists every body field it
 * knows with a rule — required, optional, ignored (accepted and dropped) or unimplemented (present →
 * 238) — and a reader that checks the BSON type and converts. `parseShape` turns a body into a typed
 * object before any work: unknown fields (40415), missing ones (40414) and wrong types (14) are
 * reported from `errors.ts`, with the dotted path mongod prints (`update.updates.q`). Nested shapes
 * (update statements, bulkWrite operations, cursor options) use `shape(...)` as a reader.
 *
 * An optional field whose value is BSON null is treated as absent, as before this module existed.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { missingField, negative, notImplemented, notIntegral, unknownField, wrongType } from "./errors.ts";
import { isNumeric, isPlainDoc, toNumber } from "../../bson/type_name.ts";

/** Checks and converts one value; `path` is the dotted field path for messages (`find.limit`). */
export type Reader<T> = (v: unknown, path: string) => T;

export interface RequiredField<T> {
  readonly rule: "required";
  readonly read: Reader<T>;
}
export interface OptionalField<T> {
  readonly rule: "optional";
  readonly read: Reader<T>;
}
export interface IgnoredField {
  readonly rule: "ignored";
}
export interface UnimplementedField {
  readonly rule: "unimplemented";
}
export type Field = RequiredField<unknown> | OptionalField<unknown> | IgnoredField | UnimplementedField;
export type Shape = Readonly<Record<string, Field>>;

type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends RequiredField<unknown> ? K : never;
}[keyof S];
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalField<unknown> ? K : never;
}[keyof S];
type ValueOf<F> = F extends RequiredField<infer T> ? T : F extends OptionalField<infer T> ? T : never;

/** The typed object `parseShape` produces for a shape. */
export type Parsed<S extends Shape> =
  & { readonly [K in RequiredKeys<S>]: ValueOf<S[K]> }
  & { readonly [K in OptionalKeys<S>]?: ValueOf<S[K]> };

export const required = <T>(read: Reader<T>): RequiredField<T> => ({ rule: "required", read });
export const optional = <T>(read: Reader<T>): OptionalField<T> => ({ rule: "optional", read });
export const ignored: IgnoredField = { rule: "ignored" };
export const unimplemented: UnimplementedField = { rule: "unimplemented" };

export interface ParseOptions {
  /** Fields not in the shape that are still accepted (the generic arguments every command takes). */
  readonly alsoAccept?: ReadonlySet<string>;
  /** Keys to skip entirely (the command key itself). */
  readonly skip?: string;
}

/** Parses `body` against `shape`; `prefix` is the path of `body` (`find`, `update.updates`). */
export function parseShape<S extends Shape>(
  prefix: string,
  body: Doc,
  shape: S,
  opts: ParseOptions = {},
): Parsed<S> {
  const out: Record<string, unknown> = {};
  // (for-in over own keys: no key array per request; a decoded body has no inherited enumerable keys)
  for (const key in body) {
    if (key === opts.skip || !Object.hasOwn(body, key)) continue;
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field === undefined) {
      if (opts.alsoAccept?.has(key)) continue;
      throw unknownField(`${prefix}.${key}`);
    }
    const v = body[key];
    switch (field.rule) {
      case "ignored":
        break;
      case "unimplemented":
        if (v !== undefined && v !== null && v !== false) throw notImplemented(`${prefix}.${key}`);
        break;
      case "optional":
        if (v !== undefined && v !== null) out[key] = field.read(v, `${prefix}.${key}`);
        break;
      case "required":
        out[key] = field.read(v, `${prefix}.${key}`);
        break;
    }
  }
  // (for-in: V8's enum cache, no key array per request)
  for (const key in shape) {
    if (shape[key]!.rule === "required" && body[key] === undefined) throw missingField(`${prefix}.${key}`);
  }
  return out as Parsed<S>;
}

// ---- readers ---------------------------------------------------------------------------------

export const str: Reader<string> = (v, path) => {
  if (typeof v !== "string") throw wrongType(path, v, "string");
  return v;
};

/** IDL "safeBool": booleans and numbers (non-zero = true). */
export const bool: Reader<boolean> = (v, path) => {
  if (typeof v === "boolean") return v;
  if (isNumeric(v)) return toNumber(v) !== 0;
  throw wrongType(path, v, "bool");
};

/** Strictly a BSON boolean. */
export const strictBool: Reader<boolean> = (v, path) => {
  if (typeof v !== "boolean") throw wrongType(path, v, "bool");
  return v;
};

/** IDL "safeInt64": any integral number (fractions refused). */
export const int: Reader<number> = (v, path) => {
  if (!isNumeric(v)) throw wrongType(path, v, "long");
  const n = toNumber(v);
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw notIntegral(lastSegment(path), n);
  return n;
};

/** An integral count that must not be negative (skip, limit, batchSize: 51024). */
export const count: Reader<number> = (v, path) => {
  const n = int(v, path);
  if (n < 0) throw negative(lastSegment(path), n);
  return n;
};

/** Any number, as a JS number. */
export const num: Reader<number> = (v, path) => {
  if (!isNumeric(v)) throw wrongType(path, v, ["int", "long", "double", "decimal"]);
  return toNumber(v);
};

/** A 64-bit integer kept exact (cursor ids). */
export const long: Reader<bigint> = (v, path) => {
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw wrongType(path, v, "long");
};

export const doc: Reader<Doc> = (v, path) => {
  if (!isPlainDoc(v)) throw wrongType(path, v, "object");
  return v;
};

export const array: Reader<unknown[]> = (v, path) => {
  if (!Array.isArray(v)) throw wrongType(path, v, "array");
  return v;
};

/** An index hint: an index name or a key pattern (9 FailedToParse otherwise, as mongod's indexHint type). */
export const indexHint: Reader<string | Doc> = (v) => {
  if (typeof v !== "string" && !isPlainDoc(v)) {
    throw new CommandError("FailedToParse", "Hint must be either a string or nested object");
  }
  return v;
};

/** Any BSON value, unchecked (the command validates it itself). */
export const any: Reader<unknown> = (v) => v;

export function arrayOf<T>(item: Reader<T>): Reader<T[]> {
  return (v, path) => array(v, path).map((x) => item(x, path));
}

/** A nested document with its own declared fields. */
export function shape<S extends Shape>(fields: S): Reader<Parsed<S>> {
  return (v, path) => parseShape(path, doc(v, path), fields);
}

function lastSegment(path: string): string {
  const i = path.lastIndexOf(".");
  return i < 0 ? path : path.slice(i + 1);
}
