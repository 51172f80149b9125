/**
 * json_schema.ts — `$jsonSchema` (MongoDB's JSON Schema draft-4 dialect), compiled once into a
 * predicate over the document.
 *
 * Keywords: `bsonType type enum required properties patternProperties additionalProperties
 * minProperties maxProperties minimum maximum exclusiveMinimum exclusiveMaximum multipleOf minLength
 * maxLength pattern items additionalItems minItems maxItems uniqueItems allOf anyOf oneOf not
 * dependencies title description`. `$ref` and the encryption keywords are refused, as is JSON type
 * `integer` (mongod does not support it either). As in mongod, a type-specific keyword only
 * constrains values of its type (`minimum` ignores strings), and the top level is always an object.
 * Parse errors: unknown keyword / structural mistakes → 9 FailedToParse; a keyword argument of the
 * wrong type → 14 TypeMismatch; a bad value (negative length, empty `required`) → 2 BadValue.
 */
import { CommandError } from "../../errors/command_error.ts";
import { BSON_TYPE_ALIASES, bsonTypeNumber, compareValues, valuesEqual } from "../../bson/compare.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import { truncToBigInt } from "./value_tests.ts";
import { guardedRegExp, type PatternTester } from "./regex.ts";
import type { Document as Doc } from "../../bson/document.ts";

type Check = (v: unknown) => boolean;

const JSON_TYPES: Readonly<Record<string, (v: unknown) => boolean>> = {
  object: (v) => isDocument(v),
  array: (v) => Array.isArray(v),
  number: (v) => isNumeric(v),
  boolean: (v) => typeof v === "boolean",
  string: (v) => typeof v === "string",
  null: (v) => v === null,
};

const KNOWN = new Set([
  "bsonType",
  "type",
  "enum",
  "required",
  "properties",
  "patternProperties",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "items",
  "additionalItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "dependencies",
  "title",
  "description",
]);

function fail(code: "FailedToParse" | "TypeMismatch" | "BadValue", msg: string): never {
  throw new CommandError(code, msg);
}

function schemaOf(kw: string, v: unknown): Doc {
  if (!isDocument(v)) fail("TypeMismatch", `$jsonSchema keyword '${kw}' must be an object`);
  return v;
}

function count(kw: string, v: unknown): number {
  if (!isNumeric(v)) fail("TypeMismatch", `$jsonSchema keyword '${kw}' must be a number`);
  const n = truncToBigInt(v);
  if (n === undefined || Number(n) !== Number(v as number) && typeof v === "number") {
    fail("FailedToParse", `$jsonSchema keyword '${kw}' must be a representable as a long integer`);
  }
  if (n < 0n) fail("FailedToParse", `$jsonSchema keyword '${kw}' must be a non-negative integer`);
  return Number(n);
}

function schemaList(kw: string, v: unknown): Check[] {
  if (!Array.isArray(v)) fail("TypeMismatch", `$jsonSchema keyword '${kw}' must be an array`);
  if (v.length === 0) fail("BadValue", `$jsonSchema keyword '${kw}' must be a non-empty array`);
  return v.map((s) => compileSchema(schemaOf(kw, s), false));
}

function typeChecks(schema: Doc, topLevel: boolean): Check | undefined {
  if ("type" in schema && "bsonType" in schema) {
    fail("FailedToParse", "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  }
  const checks: Check[] = [];
  if ("type" in schema) {
    const raw = schema["type"];
    const names = Array.isArray(raw) ? raw : [raw];
    for (const n of names) {
      if (typeof n !== "string") {
        fail("TypeMismatch", "$jsonSchema keyword 'type' must be either a string or an array of strings");
      }
      if (n === "integer") fail("FailedToParse", "$jsonSchema type 'integer' is not currently supported.");
      const c = JSON_TYPES[n];
      if (!c) fail("BadValue", `Unknown type name alias: ${n}`);
      checks.push(c);
    }
  } else if ("bsonType" in schema) {
    const raw = schema["bsonType"];
    const names = Array.isArray(raw) ? raw : [raw];
    for (const n of names) {
      if (typeof n !== "string") {
        fail("TypeMismatch", "$jsonSchema keyword 'bsonType' must be either a string or an array of strings");
      }
      if (n === "number") checks.push((v) => isNumeric(v));
      else {
        const code = BSON_TYPE_ALIASES.get(n);
        if (code === undefined) fail("BadValue", `Unknown type name alias: ${n}`);
        checks.push((v) => v !== undefined && bsonTypeNumber(v) === code);
      }
    }
  } else return undefined;
  if (topLevel && !checks.some((c) => c({}))) {
    fail("FailedToParse", "$jsonSchema keyword 'type' must be 'object' at the top level");
  }
  return (v) => checks.some((c) => c(v));
}

function objectChecks(schema: Doc): Check[] {
  const out: Check[] = [];
  const props = new Map<string, Check>();
  if ("properties" in schema) {
    for (const [k, s] of Object.entries(schemaOf("properties", schema["properties"]))) {
      props.set(k, compileSchema(schemaOf(`properties.${k}`, s), false));
    }
  }
  const patterns: [PatternTester, Check][] = [];
  if ("patternProperties" in schema) {
    for (const [k, s] of Object.entries(schemaOf("patternProperties", schema["patternProperties"]))) {
      let re: PatternTester;
      try {
        re = guardedRegExp(k, "u");
      } catch {
        fail("BadValue", `Invalid regular expression in patternProperties: ${k}`);
      }
      patterns.push([re, compileSchema(schemaOf(`patternProperties.${k}`, s), false)]);
    }
  }
  let additional: Check | undefined;
  if ("additionalProperties" in schema) {
    const a = schema["additionalProperties"];
    if (typeof a === "boolean") additional = a ? undefined : () => false;
    else if (isDocument(a)) additional = compileSchema(a, false);
    else {fail(
        "TypeMismatch",
        "$jsonSchema keyword 'additionalProperties' must be either an object or a boolean",
      );}
  }
  if (props.size > 0 || patterns.length > 0 || additional) {
    out.push((d) => {
      for (const [k, v] of Object.entries(d as Doc)) {
        const p = props.get(k);
        let covered = p !== undefined;
        if (p && !p(v)) return false;
        for (const [re, c] of patterns) {
          if (re.test(k)) {
            covered = true;
            if (!c(v)) return false;
          }
        }
        if (!covered && additional && !additional(v)) return false;
      }
      return true;
    });
  }
  if ("required" in schema) {
    const r = schema["required"];
    if (!Array.isArray(r)) fail("TypeMismatch", "$jsonSchema keyword 'required' must be an array");
    if (r.length === 0) fail("BadValue", "$jsonSchema keyword 'required' cannot be an empty array");
    for (const x of r) {
      if (typeof x !== "string") {
        fail("TypeMismatch", "$jsonSchema keyword 'required' must be an array of strings");
      }
    }
    if (new Set(r).size !== r.length) {
      fail("FailedToParse", "$jsonSchema keyword 'required' array cannot contain duplicate values");
    }
    out.push((d) => r.every((k) => Object.hasOwn(d as Doc, k as string)));
  }
  if ("minProperties" in schema) {
    const n = count("minProperties", schema["minProperties"]);
    out.push((d) => Object.keys(d as Doc).length >= n);
  }
  if ("maxProperties" in schema) {
    const n = count("maxProperties", schema["maxProperties"]);
    out.push((d) => Object.keys(d as Doc).length <= n);
  }
  if ("dependencies" in schema) {
    for (const [k, dep] of Object.entries(schemaOf("dependencies", schema["dependencies"]))) {
      if (Array.isArray(dep)) {
        out.push((d) => !Object.hasOwn(d as Doc, k) || dep.every((x) => Object.hasOwn(d as Doc, String(x))));
      } else {
        const c = compileSchema(schemaOf(`dependencies.${k}`, dep), false);
        out.push((d) => !Object.hasOwn(d as Doc, k) || c(d));
      }
    }
  }
  return out;
}

function numberChecks(schema: Doc): Check[] {
  const out: Check[] = [];
  for (const kw of ["minimum", "maximum"] as const) {
    if (!(kw in schema)) continue;
    const bound = schema[kw];
    if (!isNumeric(bound)) fail("TypeMismatch", `$jsonSchema keyword '${kw}' must be a number`);
    const excl = schema[kw === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum"] === true;
    out.push((v) => {
      const c = compareValues(v, bound);
      return kw === "minimum" ? (excl ? c > 0 : c >= 0) : (excl ? c < 0 : c <= 0);
    });
  }
  for (const kw of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    if (!(kw in schema)) continue;
    if (typeof schema[kw] !== "boolean") {
      fail("TypeMismatch", `$jsonSchema keyword '${kw}' must be a boolean`);
    }
    const base = kw === "exclusiveMinimum" ? "minimum" : "maximum";
    if (!(base in schema)) {
      fail("FailedToParse", `$jsonSchema keyword '${base}' must be a present if ${kw} is present`);
    }
  }
  if ("multipleOf" in schema) {
    const m = schema["multipleOf"];
    if (!isNumeric(m)) fail("TypeMismatch", "$jsonSchema keyword 'multipleOf' must be a number");
    const d = Number(m);
    if (!(d > 0)) fail("FailedToParse", "$jsonSchema keyword 'multipleOf' must have a positive value");
    out.push((v) => Number(v) % d === 0);
  }
  return out.map((c) => (v: unknown) => !isNumeric(v) || c(v));
}

function stringChecks(schema: Doc): Check[] {
  const out: Check[] = [];
  const len = (s: string) => [...s].length;
  if ("minLength" in schema) {
    const n = count("minLength", schema["minLength"]);
    out.push((v) => len(v as string) >= n);
  }
  if ("maxLength" in schema) {
    const n = count("maxLength", schema["maxLength"]);
    out.push((v) => len(v as string) <= n);
  }
  if ("pattern" in schema) {
    const p = schema["pattern"];
    if (typeof p !== "string") fail("TypeMismatch", "$jsonSchema keyword 'pattern' must be a string");
    let re: PatternTester;
    try {
      re = guardedRegExp(p, "u");
    } catch {
      fail("BadValue", `Invalid regular expression: ${p}`);
    }
    out.push((v) => re.test(v as string));
  }
  return out.map((c) => (v: unknown) => typeof v !== "string" || c(v));
}

function arrayChecks(schema: Doc): Check[] {
  const out: Check[] = [];
  if ("minItems" in schema) {
    const n = count("minItems", schema["minItems"]);
    out.push((v) => (v as unknown[]).length >= n);
  }
  if ("maxItems" in schema) {
    const n = count("maxItems", schema["maxItems"]);
    out.push((v) => (v as unknown[]).length <= n);
  }
  if ("uniqueItems" in schema) {
    if (typeof schema["uniqueItems"] !== "boolean") {
      fail("TypeMismatch", "$jsonSchema keyword 'uniqueItems' must be a boolean");
    }
    if (schema["uniqueItems"]) {
      out.push((v) => {
        const a = v as unknown[];
        for (let i = 0; i < a.length; i++) {
          for (let j = i + 1; j < a.length; j++) if (valuesEqual(a[i], a[j])) return false;
        }
        return true;
      });
    }
  }
  if ("items" in schema) {
    const items = schema["items"];
    if (Array.isArray(items)) {
      const each = items.map((s, i) => compileSchema(schemaOf(`items.${i}`, s), false));
      let rest: Check | undefined;
      if ("additionalItems" in schema) {
        const a = schema["additionalItems"];
        if (typeof a === "boolean") rest = a ? undefined : () => false;
        else if (isDocument(a)) rest = compileSchema(a, false);
        else {fail(
            "TypeMismatch",
            "$jsonSchema keyword 'additionalItems' must be either an object or a boolean",
          );}
      }
      out.push((v) =>
        (v as unknown[]).every((el, i) => {
          const c = each[i] ?? rest;
          return !c || c(el);
        })
      );
    } else if (isDocument(items)) {
      const c = compileSchema(items, false);
      out.push((v) => (v as unknown[]).every(c));
    } else fail("TypeMismatch", "$jsonSchema keyword 'items' must be an array or an object");
  }
  return out.map((c) => (v: unknown) => !Array.isArray(v) || c(v));
}

function compileSchema(schema: Doc, topLevel: boolean): Check {
  for (const k of Object.keys(schema)) {
    if (k === "$ref") fail("FailedToParse", "$jsonSchema keyword '$ref' is not currently supported");
    if (!KNOWN.has(k)) fail("FailedToParse", `Unknown $jsonSchema keyword: ${k}`);
  }
  const checks: Check[] = [];
  const type = typeChecks(schema, topLevel);
  if (type) checks.push(type);
  if ("enum" in schema) {
    const e = schema["enum"];
    if (!Array.isArray(e)) fail("TypeMismatch", "$jsonSchema keyword 'enum' must be an array");
    if (e.length === 0) fail("FailedToParse", "$jsonSchema keyword 'enum' cannot be an empty array");
    checks.push((v) => e.some((x) => valuesEqual(v, x)));
  }
  for (const c of objectChecks(schema)) checks.push((v) => !isDocument(v) || c(v));
  checks.push(...numberChecks(schema), ...stringChecks(schema), ...arrayChecks(schema));
  if ("allOf" in schema) {
    const l = schemaList("allOf", schema["allOf"]);
    checks.push((v) => l.every((c) => c(v)));
  }
  if ("anyOf" in schema) {
    const l = schemaList("anyOf", schema["anyOf"]);
    checks.push((v) => l.some((c) => c(v)));
  }
  if ("oneOf" in schema) {
    const l = schemaList("oneOf", schema["oneOf"]);
    checks.push((v) => l.filter((c) => c(v)).length === 1);
  }
  if ("not" in schema) {
    const c = compileSchema(schemaOf("not", schema["not"]), false);
    checks.push((v) => !c(v));
  }
  if ("title" in schema && typeof schema["title"] !== "string") {
    fail("TypeMismatch", "$jsonSchema keyword 'title' must be a string");
  }
  if ("description" in schema && typeof schema["description"] !== "string") {
    fail("TypeMismatch", "$jsonSchema keyword 'description' must be a string");
  }
  return (v) => checks.every((c) => c(v));
}

/** Compiles a `$jsonSchema` argument into a document predicate. */
export function compileJsonSchema(schema: unknown): (doc: Doc) => boolean {
  if (!isDocument(schema)) fail("TypeMismatch", "$jsonSchema must be an object");
  return compileSchema(schema, true);
}

/** Compiles a nested schema (a property's or an item's) into a value predicate (validation details). */
export function compileJsonSubschema(schema: unknown, topLevel = false): (v: unknown) => boolean {
  if (!isDocument(schema)) fail("TypeMismatch", "$jsonSchema must be an object");
  return compileSchema(schema, topLevel);
}
