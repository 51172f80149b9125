/**
 * validation_details.ts — why a document fails a collection validator, in the shape mongod 8.0 puts in
 * `errInfo.details` of a 121 DocumentValidationFailure (`operatorName`, `specifiedAs`, `reason`,
 * `consideredValue`, `clausesNotSatisfied`, `schemaRulesNotSatisfied`, `propertiesNotSatisfied`,
 * `missingProperties`, …), so drivers and ODMs can show which rule failed.
 *
 * Pure: it re-evaluates pieces of the validator with the query engine's own compilers (every piece
 * already compiled when the validator was accepted). The shape follows mongod's for the common
 * operators and `$jsonSchema` keywords; rarer keywords report `operatorName` and `specifiedAs` only.
 */
import { compileFilter } from "./filter.ts";
import { compileJsonSubschema } from "./json_schema.ts";
import { isDocument } from "../../bson/values.ts";
import { typeName } from "../../bson/type_name.ts";
import type { Document as Doc } from "../../bson/document.ts";
import { guardedRegExp } from "./regex.ts";

const LOGICAL = new Set(["$and", "$or", "$nor"]);

function reasonFor(op: string): string {
  switch (op) {
    case "$type":
      return "type did not match";
    case "$exists":
      return "path had wrong existence";
    case "$in":
      return "no matching value found in array";
    case "$nin":
      return "matching value found in array";
    case "$regex":
      return "regular expression did not match";
    case "$size":
      return "array length was not equal to given size";
    case "$all":
      return "array did not contain all specified values";
    case "$elemMatch":
      return "array did not satisfy the child predicate";
    case "$mod":
      return "$mod did not evaluate to expected remainder";
    case "$not":
      return "child expression matched";
    default:
      return "comparison failed";
  }
}

function getField(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const part of path.split(".")) {
    if (!isDocument(cur)) return undefined;
    cur = (cur as Doc)[part];
  }
  return cur;
}

function matches(filter: Doc, doc: Doc): boolean {
  try {
    return compileFilter(filter).matches(doc);
  } catch {
    return false;
  }
}

/** Details for one failing `{path: condition}` clause. */
function fieldDetails(path: string, cond: unknown, doc: Doc): Doc {
  const ops = isDocument(cond) && Object.keys(cond as Doc).length > 0 &&
      Object.keys(cond as Doc).every((k) => k.startsWith("$"))
    ? Object.entries(cond as Doc)
    : [["$eq", cond] as [string, unknown]];
  const value = getField(doc, path);
  const failing = ops.filter(([op, arg]) =>
    !matches({ [path]: op === "$eq" && ops.length === 1 && !isDocument(cond) ? arg : { [op]: arg } }, doc)
  );
  const one = (op: string, arg: unknown): Doc => {
    const d: Doc = { operatorName: op, specifiedAs: { [path]: ops.length === 1 ? cond : { [op]: arg } } };
    if (value === undefined && op !== "$exists") {
      d["reason"] = "field was missing";
      return d;
    }
    d["reason"] = reasonFor(op);
    d["consideredValue"] = value ?? null;
    if (op === "$type") d["consideredType"] = typeName(value);
    return d;
  };
  if (failing.length <= 1) {
    const [op, arg] = failing[0] ?? ops[0]!;
    return one(op, arg);
  }
  return {
    operatorName: "$and",
    clausesNotSatisfied: failing.map(([op, arg], i) => ({ index: i, details: one(op, arg) })),
  };
}

/** Details for one failing top-level (or logical-operator) clause. */
function clauseDetails(key: string, value: unknown, doc: Doc): Doc {
  if (key === "$jsonSchema") {
    return { operatorName: "$jsonSchema", schemaRulesNotSatisfied: schemaFailures(value as Doc, doc, true) };
  }
  if (LOGICAL.has(key) && Array.isArray(value)) {
    const list = value as Doc[];
    const picked = key === "$and"
      ? list.map((c, i) => [c, i] as const).filter(([c]) => !matches(c, doc))
      : key === "$or"
      ? list.map((c, i) => [c, i] as const)
      : list.map((c, i) => [c, i] as const).filter(([c]) => matches(c, doc));
    return {
      operatorName: key,
      clausesNotSatisfied: picked.map(([c, i]) => ({
        index: i,
        details: key === "$nor"
          ? { operatorName: "$nor", specifiedAs: c, reason: "clause matched" }
          : details(c, doc),
      })),
    };
  }
  if (key === "$expr") {
    return {
      operatorName: "$expr",
      specifiedAs: { $expr: value },
      reason: "expression did not match",
      expressionResult: false,
    };
  }
  if (key.startsWith("$")) return { operatorName: key, specifiedAs: { [key]: value } };
  return fieldDetails(key, value, doc);
}

/** `errInfo.details` for `doc` failing `validator`. */
export function validationDetails(validator: Doc, doc: Doc): Doc {
  const clauses = Object.entries(validator);
  const failing = clauses.map(([k, v], i) => ({ k, v, i })).filter(({ k, v }) => !matches({ [k]: v }, doc));
  if (clauses.length === 1 && failing.length === 1) return clauseDetails(failing[0]!.k, failing[0]!.v, doc);
  return {
    operatorName: "$and",
    clausesNotSatisfied: failing.map(({ k, v, i }) => ({ index: i, details: clauseDetails(k, v, doc) })),
  };
}

function details(filter: Doc, doc: Doc): Doc {
  return validationDetails(filter, doc);
}

function passes(schema: Doc, v: unknown, topLevel = false): boolean {
  try {
    return compileJsonSubschema(schema, topLevel)(v);
  } catch {
    return false;
  }
}

const TYPE_KEYWORDS = new Set(["bsonType", "type"]);

/** `schemaRulesNotSatisfied`: one entry per failing keyword of `schema` for `v`. */
function schemaFailures(schema: Doc, v: unknown, topLevel = false): Doc[] {
  const out: Doc[] = [];
  for (const [kw, arg] of Object.entries(schema)) {
    if (kw === "title" || kw === "description") continue;
    if (kw === "properties" && isDocument(arg) && isDocument(v)) {
      const bad: Doc[] = [];
      for (const [prop, sub] of Object.entries(arg as Doc)) {
        const pv = (v as Doc)[prop];
        if (pv === undefined || !isDocument(sub) || passes(sub as Doc, pv)) continue;
        const entry: Doc = { propertyName: prop };
        if (typeof (sub as Doc)["description"] === "string") {
          entry["description"] = (sub as Doc)["description"];
        }
        entry["details"] = schemaFailures(sub as Doc, pv);
        bad.push(entry);
      }
      if (bad.length > 0) out.push({ operatorName: "properties", propertiesNotSatisfied: bad });
      continue;
    }
    if (kw === "required" && Array.isArray(arg) && isDocument(v)) {
      const missing = (arg as unknown[]).filter((p) => typeof p === "string" && (v as Doc)[p] === undefined);
      if (missing.length > 0) {
        out.push({ operatorName: "required", specifiedAs: { required: arg }, missingProperties: missing });
      }
      continue;
    }
    if (kw === "additionalProperties" && isDocument(v)) {
      const known = new Set(Object.keys(isDocument(schema["properties"]) ? schema["properties"] as Doc : {}));
      const patterns = Object.keys(
        isDocument(schema["patternProperties"]) ? schema["patternProperties"] as Doc : {},
      )
        .map((p) => guardedRegExp(p, ""));
      const extra = Object.keys(v as Doc).filter((k) => !known.has(k) && !patterns.some((r) => r.test(k)));
      if (arg === false && extra.length > 0) {
        out.push({
          operatorName: "additionalProperties",
          specifiedAs: { additionalProperties: false },
          additionalProperties: extra,
        });
      } else if (isDocument(arg)) {
        const bad = extra.filter((k) => !passes(arg as Doc, (v as Doc)[k]));
        if (bad.length > 0) {
          out.push({
            operatorName: "additionalProperties",
            reason: "at least one additional property did not match the subschema",
            failingProperty: bad[0],
            details: schemaFailures(arg as Doc, (v as Doc)[bad[0]!]),
          });
        }
      }
      continue;
    }
    const single: Doc = { [kw]: arg };
    if (kw === "exclusiveMinimum" || kw === "exclusiveMaximum") continue; // reported with minimum/maximum
    if (kw === "minimum" && schema["exclusiveMinimum"] !== undefined) {
      single["exclusiveMinimum"] = schema["exclusiveMinimum"];
    }
    if (kw === "maximum" && schema["exclusiveMaximum"] !== undefined) {
      single["exclusiveMaximum"] = schema["exclusiveMaximum"];
    }
    if (kw === "additionalItems" && schema["items"] !== undefined) single["items"] = schema["items"];
    if (passes(single, v, topLevel && TYPE_KEYWORDS.has(kw))) continue;
    const d: Doc = { operatorName: kw, specifiedAs: { [kw]: arg } };
    if (TYPE_KEYWORDS.has(kw)) {
      d["reason"] = "type did not match";
      d["consideredValue"] = v ?? null;
      d["consideredType"] = typeName(v);
    } else if (kw === "enum") {
      d["reason"] = "value was not found in enum";
      d["consideredValue"] = v ?? null;
    } else if (kw === "minimum" || kw === "maximum" || kw === "multipleOf") {
      d["reason"] = kw === "multipleOf"
        ? "considered value is not a multiple of the specified value"
        : "comparison failed";
      d["consideredValue"] = v ?? null;
    } else if (kw === "minLength" || kw === "maxLength") {
      d["reason"] = "specified string length was not satisfied";
      d["consideredValue"] = v ?? null;
    } else if (kw === "pattern") {
      d["reason"] = "regular expression did not match";
      d["consideredValue"] = v ?? null;
    } else if (kw === "minItems" || kw === "maxItems") {
      d["reason"] = "array did not match specified length";
      d["consideredValue"] = v ?? null;
    } else if (kw === "minProperties" || kw === "maxProperties") {
      d["reason"] = "specified number of properties was not satisfied";
      d["numberOfProperties"] = isDocument(v) ? Object.keys(v as Doc).length : 0;
    } else if (kw === "uniqueItems") {
      d["reason"] = "found a duplicate item";
      d["consideredValue"] = v ?? null;
    } else if (kw === "items" && isDocument(arg) && Array.isArray(v)) {
      const i = (v as unknown[]).findIndex((el) => !passes(arg as Doc, el));
      d["reason"] = "At least one item did not match the sub-schema";
      d["itemIndex"] = i;
      d["details"] = schemaFailures(arg as Doc, (v as unknown[])[i]);
    } else if (kw === "allOf" || kw === "anyOf" || kw === "oneOf") {
      d["schemasNotSatisfied"] = (arg as Doc[]).map((s, index) => ({ index, details: schemaFailures(s, v) }))
        .filter((x) => (x.details as Doc[]).length > 0);
    } else if (kw === "not") {
      d["reason"] = "child expression matched";
    }
    out.push(d);
  }
  return out;
}
