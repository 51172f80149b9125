/**
 * Index specifications: validation of a createIndexes entry (mongod's codes and messages), the
 * stored listIndexes document (`v: 2` first), default names, and the equivalence rules behind
 * 85 IndexOptionsConflict / 86 IndexKeySpecsConflict. PURE (throws CommandError only).
 */
import { CommandError } from "../errors/command_error.ts";
import { compareValues } from "../bson/compare.ts";
import { isDocument } from "../bson/values.ts";
import { validateGeoIndexSpec } from "./geo_spec.ts";
import { isTextKey, normalizeTextIndex } from "./text_spec.ts";
import type { Document as Doc } from "../bson/document.ts";
import { checkStorageEngineOptions } from "../storage/engine_options.ts";

/** A regular expression value (a JS RegExp or a decoded BSON regex). */
function isRegexValue(v: unknown): boolean {
  return v instanceof RegExp || (v as { _bsontype?: string } | null)?._bsontype === "BSONRegExp";
}

const KNOWN_FIELDS = new Set([
  "key",
  "name",
  "v",
  "unique",
  "sparse",
  "partialFilterExpression",
  "expireAfterSeconds",
  "hidden",
  "prepareUnique",
  "collation",
  "background",
  "ns",
  "storageEngine",
  "weights",
  "default_language",
  "language_override",
  "textIndexVersion",
  "2dsphereIndexVersion",
  "bits",
  "min",
  "max",
  "wildcardProjection",
  "dropDups",
]);

/** Fields kept out of the stored spec (obsolete build-time hints; `background` is kept, as mongod lists it). */
const DROPPED = new Set(["ns", "dropDups"]);

/** Operators a partialFilterExpression may use (mongod 6+). */
const PARTIAL_OPS = new Set(["$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$in"]);
const PARTIAL_TOP = new Set(["$and", "$or"]);

export const MAX_TTL_SECONDS = 2147483647;

function num(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const bt = (v as { _bsontype?: string } | null)?._bsontype;
  if (bt === "Long" || bt === "Int32" || bt === "Double" || bt === "Decimal128") return Number(String(v));
  return undefined;
}

/** mongod's shell-ish rendering of a spec inside error messages. */
export function showSpec(v: unknown): string {
  if (Array.isArray(v)) return `[ ${v.map(showSpec).join(", ")} ]`;
  if (isDocument(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${k}: ${showSpec(x)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  if (typeof v === "string") return `"${v}"`;
  return String(v);
}

/** Default index name from a key pattern: `a_1_b_-1`. */
export function defaultIndexName(key: Doc): string {
  return Object.entries(key).map(([k, v]) => `${k}_${num(v) ?? String(v)}`).join("_");
}

function validatePartial(expr: Doc, top: boolean): void {
  for (const [k, v] of Object.entries(expr)) {
    if (k.startsWith("$")) {
      if (!PARTIAL_TOP.has(k) || !top) {
        throw new CommandError("CannotCreateIndex", `Expression not supported in partial index: ${k}`);
      }
      if (!Array.isArray(v)) throw new CommandError("BadValue", `${k} must be an array`);
      for (const e of v) {
        if (!isDocument(e)) throw new CommandError("BadValue", `${k} argument must be an object`);
        validatePartial(e, k === "$and");
      }
      continue;
    }
    // (an implicit equality to a regex is a $regex match, which a partial index does not take)
    if (isRegexValue(v)) {
      throw new CommandError("CannotCreateIndex", `Expression not supported in partial index: ${k} $regex`);
    }
    if (isDocument(v) && Object.keys(v).some((o) => o.startsWith("$"))) {
      for (const [op, arg] of Object.entries(v)) {
        if (!PARTIAL_OPS.has(op)) {
          throw new CommandError(
            "CannotCreateIndex",
            `Expression not supported in partial index: ${k} ${op}`,
          );
        }
        if (op === "$exists" && arg !== true && num(arg) !== 1) {
          throw new CommandError(
            "CannotCreateIndex",
            `Expression not supported in partial index: ${k} $exists false`,
          );
        }
      }
    }
  }
}

/**
 * createIndexes' `ignoreUnknownIndexOptions: true`: the specification without the fields an index
 * specification may not have (mongod's removeUnknownFields), so they are dropped rather than refused.
 */
export function withoutUnknownIndexFields(raw: unknown): unknown {
  if (!isDocument(raw) || Object.keys(raw).every((f) => KNOWN_FIELDS.has(f))) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([f]) => KNOWN_FIELDS.has(f)));
}

export interface ValidatedIndex {
  /** The stored listIndexes document: `{v: 2, key, name, …options}`. */
  readonly spec: Doc;
  readonly name: string;
  readonly unique: boolean;
  /** The entry named `collation: {locale: "simple"}`: no collection default applies to it. */
  readonly simpleCollation?: true;
}

/**
 * Validates one createIndexes entry. `validateFilter` compiles a partial filter (it throws on a bad
 * operator); the planner stays free of the query engine.
 */
export function validateIndexSpec(
  raw: unknown,
  validateFilter: (f: Doc) => void,
  /** The collation engine's resolver (full spec, undefined for simple); the planner stays free of it. */
  resolveCollation?: (c: Doc) => Doc | undefined,
): ValidatedIndex {
  if (!isDocument(raw)) {
    throw new CommandError("TypeMismatch", "The 'indexes' field must be an array of index specifications");
  }
  const key = raw["key"];
  if (key === undefined) {
    throw new CommandError(
      "FailedToParse",
      `Error in specification ${
        showSpec(raw)
      } :: caused by :: The 'key' field is a required property of an index specification`,
    );
  }
  if (!isDocument(key)) {
    throw new CommandError("TypeMismatch", `The field 'key' must be an object, but got ${typeof key}`);
  }
  const name = raw["name"];
  if (name === undefined) {
    throw new CommandError(
      "FailedToParse",
      `Error in specification ${
        showSpec(raw)
      } :: caused by :: The 'name' field is a required property of an index specification`,
    );
  }
  if (typeof name !== "string") throw new CommandError("TypeMismatch", "The field 'name' must be a string");
  if (name.length === 0) throw new CommandError("CannotCreateIndex", "The index name cannot be empty");
  if (name.includes("\0")) {
    throw new CommandError("CannotCreateIndex", "The index name cannot contain embedded null characters");
  }
  for (const f of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(f)) {
      throw new CommandError(
        "InvalidIndexSpecificationOption",
        `The field '${f}' is not valid for an index specification. Specification: ${showSpec(raw)}`,
      );
    }
  }
  const fields = Object.entries(key);
  if (fields.length === 0) throw new CommandError("CannotCreateIndex", "Index keys cannot be empty.");
  if (fields.length > 32) {
    throw new CommandError("CannotCreateIndex", "Index key pattern too large: more than 32 fields");
  }
  for (const [f, v] of fields) {
    if (
      f.length === 0 || f.startsWith("$") && f !== "$**" || f.startsWith(".") || f.endsWith(".") ||
      f.includes("..")
    ) {
      throw new CommandError("CannotCreateIndex", `Index key contains an illegal field name: ${f}`);
    }
    if (v === "2d" || v === "2dsphere" || v === "text") continue;
    if (v === "hashed") {
      if (fields.filter(([, x]) => x === "hashed").length > 1) {
        throw new CommandError("CannotCreateIndex", "A maximum of one index field is allowed to be hashed");
      }
      if (raw["unique"] === true || num(raw["unique"]) === 1) {
        throw new CommandError(
          "CannotCreateIndex",
          "Currently hashed indexes cannot guarantee uniqueness. Use a regular index.",
        );
      }
      if (f.includes("$**")) {
        throw new CommandError("CannotCreateIndex", "Index key contains an illegal field name");
      }
      continue;
    }
    if (typeof v === "string") {
      if (["geoHaystack"].includes(v)) {
        throw new CommandError("NotImplemented", `'${v}' indexes are not supported yet by SecantusDB`);
      }
      throw new CommandError("CannotCreateIndex", `Unknown index plugin '${v}'`);
    }
    const n = num(v);
    if (n === undefined || n === 0 || Number.isNaN(n)) {
      throw new CommandError(
        "CannotCreateIndex",
        `Values in v:2 index key pattern cannot be of type ${typeof v}. Only numbers > 0, numbers < 0, and strings are allowed.`,
      );
    }
    if (f.includes("$**")) {
      if (f !== "$**" && !f.endsWith(".$**")) {
        throw new CommandError("CannotCreateIndex", `Index key contains an illegal field name: ${f}`);
      }
      if (fields.length > 1) {
        throw new CommandError(
          "NotImplemented",
          "compound wildcard indexes are not supported yet by SecantusDB",
        );
      }
      if (raw["unique"] === true || num(raw["unique"]) === 1) {
        throw new CommandError(
          "CannotCreateIndex",
          "Index type 'wildcard' does not support the unique option",
        );
      }
      if (raw["sparse"] !== undefined) {
        throw new CommandError(
          "CannotCreateIndex",
          "Index type 'wildcard' does not support the sparse option",
        );
      }
      if (raw["expireAfterSeconds"] !== undefined) {
        throw new CommandError("CannotCreateIndex", "Index type 'wildcard' cannot be a TTL index");
      }
      const wp = raw["wildcardProjection"];
      if (wp !== undefined && (f !== "$**" || !isDocument(wp))) {
        throw new CommandError(
          "FailedToParse",
          f !== "$**"
            ? "The field 'wildcardProjection' is only allowed with a '$**' key pattern"
            : "The field 'wildcardProjection' must be a non-empty object",
        );
      }
    }
  }
  if (raw["wildcardProjection"] !== undefined && !fields.some(([f]) => f === "$**")) {
    throw new CommandError(
      "BadValue",
      "The field 'wildcardProjection' is only allowed in an 'wildcard' index",
    );
  }
  const isId = fields.length === 1 && fields[0]![0] === "_id";
  const v = raw["v"];
  if (v !== undefined && num(v) !== 1 && num(v) !== 2) {
    throw new CommandError(
      "CannotCreateIndex",
      `Invalid index specification ${showSpec(raw)}; cannot create an index with v=${String(v)}`,
    );
  }
  for (const b of ["unique", "sparse", "hidden", "prepareUnique"]) {
    const x = raw[b];
    if (x !== undefined && typeof x !== "boolean" && num(x) === undefined) {
      throw new CommandError("TypeMismatch", `The field '${b}' must be a boolean`);
    }
  }
  const pfe = raw["partialFilterExpression"];
  if (pfe !== undefined) {
    if (!isDocument(pfe)) {
      throw new CommandError("TypeMismatch", "The field 'partialFilterExpression' must be an object");
    }
    if (raw["sparse"] === true) {
      throw new CommandError(
        "CannotCreateIndex",
        `cannot mix "partialFilterExpression" and "sparse" options`,
      );
    }
    validatePartial(pfe, true);
    validateFilter(pfe);
  }
  const ttl = raw["expireAfterSeconds"];
  if (ttl !== undefined) {
    const t = num(ttl);
    if (t === undefined || Number.isNaN(t)) {
      throw new CommandError("CannotCreateIndex", "TTL index 'expireAfterSeconds' option must be numeric");
    }
    if (t < 0) {
      throw new CommandError(
        "CannotCreateIndex",
        "TTL index 'expireAfterSeconds' option cannot be less than 0",
      );
    }
    if (t > MAX_TTL_SECONDS) {
      throw new CommandError(
        "CannotCreateIndex",
        `TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number`,
      );
    }
    if (fields.length > 1) {
      throw new CommandError(
        "CannotCreateIndex",
        "TTL indexes are single-field indexes, compound indexes do not support TTL",
      );
    }
  }
  if (isId) {
    if (raw["unique"] === false) throw new CommandError("CannotCreateIndex", "The _id index must be unique");
    if (raw["sparse"] === true) throw new CommandError("CannotCreateIndex", "The _id index cannot be sparse");
    if (raw["hidden"] === true) throw new CommandError("BadValue", "can't hide _id index");
    if (pfe !== undefined) {
      throw new CommandError("CannotCreateIndex", "The _id index cannot be a partial index");
    }
  }
  if (raw["storageEngine"] !== undefined) checkStorageEngineOptions(raw["storageEngine"]);
  const coll = raw["collation"];
  if (coll !== undefined && !isDocument(coll)) {
    throw new CommandError("TypeMismatch", "The field 'collation' must be an object");
  }
  const geoDefaults = validateGeoIndexSpec(raw, key);
  const spec: Doc = { v: 2, key, name };
  for (const [f, x] of Object.entries(raw)) {
    if (f === "key" || f === "name" || f === "v" || DROPPED.has(f)) continue;
    const flag = f === "unique" || f === "sparse" || f === "hidden" || f === "prepareUnique";
    const on = x === true || (num(x) !== undefined && num(x) !== 0);
    // mongod's _fixIndexSpec keeps unique / hidden / prepareUnique only when true; sparse as given
    if (flag && !on && f !== "sparse") continue;
    if (flag) spec[f] = on;
    else if (f === "collation" && isDocument(x) && resolveCollation) {
      const full = resolveCollation(x);
      if (full !== undefined) spec[f] = full;
    } else if (f === "collation" && isDocument(x) && x["locale"] === "simple") continue;
    else spec[f] = x;
  }
  Object.assign(spec, geoDefaults);
  if (isTextKey(key)) {
    const text = normalizeTextIndex(raw, key);
    spec["key"] = text.key;
    Object.assign(spec, text.options);
  }
  const simple = isDocument(coll) && spec["collation"] === undefined;
  return {
    spec,
    name,
    unique: spec["unique"] === true || isId,
    ...(simple ? { simpleCollation: true as const } : {}),
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return compareValues(a, b) === 0;
}

/** Same key pattern, field order and directions included. */
export function sameKeyPattern(a: Doc, b: Doc): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], b[k]));
}

const OPTION_FIELDS = [
  "weights",
  "default_language",
  "language_override",
  "unique",
  "sparse",
  "partialFilterExpression",
  "expireAfterSeconds",
  "hidden",
  "collation",
];

/** The boolean options, where absent and false are the same (SERVER-91562). */
const FLAG_FIELDS = new Set(["unique", "sparse", "hidden"]);

/** Same options (those that change behaviour). */
export function sameOptions(a: Doc, b: Doc): boolean {
  return OPTION_FIELDS.every((f) =>
    FLAG_FIELDS.has(f) ? (a[f] === true) === (b[f] === true) : sameValue(a[f], b[f])
  );
}

/**
 * Identity of an index beyond its key pattern (mongod's compareIndexOptions, "the index signature"): two
 * indexes may share a key only if one of these differs — unique and sparse (5.0+, SERVER-47657), the
 * partial filter, the collation, the wildcard projection.
 */
export function sameIdentity(a: Doc, b: Doc): boolean {
  const flag = (d: Doc, f: string) => d[f] === true;
  return flag(a, "unique") === flag(b, "unique") && flag(a, "sparse") === flag(b, "sparse") &&
    sameValue(a["partialFilterExpression"], b["partialFilterExpression"]) &&
    sameValue(a["collation"], b["collation"]) && sameValue(a["wildcardProjection"], b["wildcardProjection"]);
}
