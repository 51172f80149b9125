/**
 * field_ops.ts — parses the value given for one field of a filter (`{path: value}`) into a
 * `FieldPred`: implicit equality, a regex literal, or an operator document (`{$gt: 1, $lt: 5}`).
 *
 * Each operator in an operator document is an independent condition on the path (for arrays, `$gt`
 * and `$lt` may be satisfied by different elements), ANDed together — mongod's semantics. Errors are
 * mongod's codes and messages and are raised at compile time.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { BSON_TYPE_ALIASES } from "../../bson/compare.ts";
import { isDocument, isNumeric, kindOf } from "../../bson/values.ts";
import { splitPath } from "../path/field_path.ts";
import { truthy } from "../expression/numeric.ts";
import { andPreds, type CompileContext, type FieldPred, leaf, notPred } from "./predicates.ts";
import { type CompiledRegex, compileRegex, compileRegexValue, isRegexValue, regexMatches } from "./regex.ts";
import { bitsTest } from "./bitwise.ts";
import { isBsonUndefined } from "../../bson/undefined_value.ts";
import { geoValueTest, isGeoOperatorDoc, parseGeoOperators } from "../geo/query.ts";
import { cmpTest, eqTest, inTest, modTest, truncToBigInt, typeTest } from "./value_tests.ts";

const NOT_IMPLEMENTED = new Set<string>([]);

/** mongod's `isExpressionDocument`: a non-empty object whose first key starts with `$`, not a DBRef. */
export function isOperatorDocument(v: unknown): v is Record<string, unknown> {
  if (!isDocument(v)) return false;
  const keys = Object.keys(v);
  const first = keys[0];
  if (first === undefined || first[0] !== "$") return false;
  return !(keys.includes("$ref") && keys.includes("$id"));
}

/** Compiles `{path: value}` (one entry of a filter). */
export function compileField(path: string, value: unknown, ctx: CompileContext): FieldPred {
  const parts = splitPath(path);
  if (isRegexValue(value)) return regexPred(parts, compileRegexValue(value));
  if (isOperatorDocument(value)) return compileOperators(parts, path, value, ctx);
  return leaf(parts, eqTest(value, ctx.strCmp));
}

function regexPred(parts: readonly string[], r: CompiledRegex): FieldPred {
  return leaf(parts, (v) => regexMatches(r, v));
}

function compileOperators(
  parts: readonly string[],
  path: string,
  ops: Record<string, unknown>,
  ctx: CompileContext,
): FieldPred {
  if (isGeoOperatorDoc(ops)) {
    const test = geoValueTest(parseGeoOperators(ops));
    return leaf(parts, (v) => test(v));
  }
  const preds: FieldPred[] = [];
  let regexDone = false;
  for (const [op, arg] of Object.entries(ops)) {
    if (op === "$regex" || op === "$options") {
      if (!regexDone) {
        preds.push(regexPred(parts, parseRegexOperator(ops)));
        regexDone = true;
      }
      continue;
    }
    preds.push(compileOperator(parts, path, op, arg, ctx));
  }
  return andPreds(preds);
}

function parseRegexOperator(ops: Record<string, unknown>): CompiledRegex {
  if (!("$regex" in ops)) throw new CommandError("BadValue", "$options needs a $regex");
  const r = ops["$regex"];
  let pattern: string;
  let options = "";
  if (typeof r === "string") pattern = r;
  else if (isRegexValue(r)) {
    const c = compileRegexValue(r);
    pattern = c.pattern;
    options = c.options;
  } else throw new CommandError("BadValue", "$regex has to be a string");
  if ("$options" in ops) {
    const o = ops["$options"];
    if (typeof o !== "string") throw new CommandError("BadValue", "$options has to be a string");
    if (options && o) {
      throw new CommandError(Location.RegexOptionsInBoth, "options set in both $regex and $options");
    }
    options = o || options;
  }
  return compileRegex(pattern, options);
}

function compileOperator(
  parts: readonly string[],
  path: string,
  op: string,
  arg: unknown,
  ctx: CompileContext,
): FieldPred {
  switch (op) {
    case "$eq":
      return leaf(parts, eqTest(arg, ctx.strCmp));
    case "$ne":
      if (isRegexValue(arg)) throw new CommandError("BadValue", "Can't have regex as arg to $ne.");
      return notPred(leaf(parts, eqTest(arg, ctx.strCmp)));
    case "$lt":
    case "$lte":
    case "$gt":
    case "$gte":
      if (isRegexValue(arg)) {
        throw new CommandError("BadValue", `Can't have RegEx as arg to predicate over field '${path}'.`);
      }
      return leaf(parts, cmpTest(op, arg, ctx.strCmp));
    case "$in":
      return leaf(parts, parseIn(op, arg, ctx));
    case "$nin":
      return notPred(leaf(parts, parseIn(op, arg, ctx)));
    case "$exists": {
      const want = truthy(arg); // mongod's trueValue: a Double 0.0 or a Long 0 is false too
      const p = leaf(parts, (v) => v !== undefined);
      return want ? p : notPred(p);
    }
    case "$type":
      return leaf(parts, parseType(arg));
    case "$mod":
      return leaf(parts, parseMod(arg));
    case "$size":
      return leaf(parts, parseSize(arg));
    case "$all":
      return parseAll(parts, path, arg, ctx);
    case "$elemMatch":
      return leaf(parts, parseElemMatch(path, arg, ctx));
    case "$not":
      return notPred(parseNot(parts, path, arg, ctx));
    case "$comment":
      return { onPath: () => true, onValue: () => true };
    case "$bitsAllSet":
    case "$bitsAnySet":
    case "$bitsAllClear":
    case "$bitsAnyClear":
      return leaf(parts, bitsTest(op, arg));
    default:
      if (NOT_IMPLEMENTED.has(op)) {
        throw new CommandError("NotImplemented", `${op} is not implemented yet in SecantusDB`);
      }
      throw new CommandError("BadValue", `unknown operator: ${op}`);
  }
}

function parseIn(op: string, arg: unknown, ctx: CompileContext) {
  if (!Array.isArray(arg)) throw new CommandError("BadValue", `${op} needs an array`);
  const values: unknown[] = [];
  const regexes: CompiledRegex[] = [];
  for (const x of arg) {
    if (isOperatorDocument(x)) throw new CommandError("BadValue", `cannot nest $ under ${op}`);
    if (isRegexValue(x)) regexes.push(compileRegexValue(x));
    else if (isBsonUndefined(x)) {
      throw new CommandError("BadValue", "InMatchExpression equality cannot be undefined");
    } else values.push(x);
  }
  return inTest(values, regexes, ctx.strCmp);
}

function parseType(arg: unknown) {
  const list = Array.isArray(arg) ? arg : [arg];
  const types = new Set<number>();
  let anyNumber = false;
  for (const t of list) {
    if (typeof t === "string") {
      if (t === "number") anyNumber = true;
      else {
        const n = BSON_TYPE_ALIASES.get(t);
        if (n === undefined) throw new CommandError("BadValue", `Unknown type name alias: ${t}`);
        types.add(n);
      }
    } else if (isNumeric(t)) {
      const n = Number(truncToBigInt(t) ?? NaN);
      if (!Number.isInteger(n) || ![...BSON_TYPE_ALIASES.values()].includes(n)) {
        throw new CommandError("BadValue", `Invalid numerical type code: ${String(t)}`);
      }
      types.add(n);
    } else {
      throw new CommandError("TypeMismatch", "type must be represented as a number or a string");
    }
  }
  if (types.size === 0 && !anyNumber) {
    throw new CommandError("FailedToParse", "$type must match at least one type");
  }
  return typeTest(types, anyNumber);
}

function parseMod(arg: unknown) {
  if (!Array.isArray(arg)) throw new CommandError("BadValue", "malformed mod, needs to be an array");
  if (arg.length < 2) throw new CommandError("BadValue", "malformed mod, not enough elements");
  if (arg.length > 2) throw new CommandError("BadValue", "malformed mod, too many elements");
  const [d, r] = arg;
  if (!isNumeric(d)) throw new CommandError("BadValue", "malformed mod, divisor not a number");
  if (!isNumeric(r)) throw new CommandError("BadValue", "malformed mod, remainder not a number");
  const div = truncToBigInt(d);
  const rem = truncToBigInt(r);
  if (div === undefined || rem === undefined) {
    throw new CommandError("BadValue", "malformed mod, divisor and remainder must be finite");
  }
  if (div === 0n) throw new CommandError("BadValue", "divisor cannot be 0");
  return modTest(div, rem);
}

function parseSize(arg: unknown) {
  if (!isNumeric(arg)) throw new CommandError("BadValue", "$size needs a number");
  const n = Number(truncToBigInt(arg) ?? NaN);
  if (Number(arg) !== n && kindOf(arg) !== "long") {
    throw new CommandError("BadValue", "$size must be a whole number");
  }
  if (n < 0) throw new CommandError("BadValue", "$size may not be negative");
  return (v: unknown, isElem: boolean) => !isElem && Array.isArray(v) && v.length === n;
}

function parseAll(parts: readonly string[], path: string, arg: unknown, ctx: CompileContext): FieldPred {
  if (!Array.isArray(arg)) throw new CommandError("BadValue", "$all needs an array");
  if (arg.length === 0) return { onPath: () => false, onValue: () => false };
  const isElemMatch = (x: unknown) => isDocument(x) && Object.keys(x)[0] === "$elemMatch";
  const first = isElemMatch(arg[0]);
  const preds: FieldPred[] = [];
  for (const x of arg) {
    if (isElemMatch(x) !== first) throw new CommandError("BadValue", "$all/$elemMatch has to be consistent");
    if (first) {
      preds.push(leaf(parts, parseElemMatch(path, (x as Record<string, unknown>)["$elemMatch"], ctx)));
    } else if (isOperatorDocument(x)) {
      throw new CommandError("BadValue", "no $ expressions in $all");
    } else if (isRegexValue(x)) preds.push(regexPred(parts, compileRegexValue(x)));
    else preds.push(leaf(parts, eqTest(x, ctx.strCmp)));
  }
  return andPreds(preds);
}

const LOGICAL_OR_EXPR = new Set(["$and", "$or", "$nor", "$where", "$expr", "$text", "$comment"]);

/** The DBRef field names a filter may name as fields (mongod's pathless `$ref` / `$id` / `$db` parsers). */
export const DBREF_FIELDS: ReadonlySet<string> = new Set(["$ref", "$id", "$db"]);

function parseElemMatch(path: string, arg: unknown, ctx: CompileContext) {
  if (!isDocument(arg)) throw new CommandError("BadValue", "$elemMatch needs an Object");
  const keys = Object.keys(arg);
  const first = keys[0];
  // (an object naming any DBRef field is a query on the elements' fields, as mongod's
  // isExpressionDocument with incomplete DBRefs allowed)
  const dbRef = keys.some((k) => DBREF_FIELDS.has(k));
  if (first !== undefined && first[0] === "$" && !LOGICAL_OR_EXPR.has(first) && !dbRef) {
    // Value form: every operator applies to the element itself.
    const pred = compileOperators([], path, arg, ctx);
    return (v: unknown, isElem: boolean) => !isElem && Array.isArray(v) && v.some((el) => pred.onValue(el));
  }
  const sub = ctx.subFilter(arg);
  // an element that is itself an array is matched as the document BSON makes of it ({"0": …, "1": …}):
  // `{a: {$elemMatch: {b: 1}}}` does not look inside [[{b: 1}]]'s inner array (mongod; jstests arrayfind8.js)
  return (v: unknown, isElem: boolean) =>
    !isElem && Array.isArray(v) &&
    v.some((el) => isDocument(el) ? sub(el) : Array.isArray(el) && sub(arrayAsDocument(el)));
}

/** An array as the document its BSON is: the elements under the field names "0", "1", … */
function arrayAsDocument(a: readonly unknown[]): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i++) d[String(i)] = a[i];
  return d;
}

function parseNot(parts: readonly string[], path: string, arg: unknown, ctx: CompileContext): FieldPred {
  if (isRegexValue(arg)) return regexPred(parts, compileRegexValue(arg));
  if (!isDocument(arg)) throw new CommandError("BadValue", "$not needs a regex or a document");
  if (Object.keys(arg).length === 0) throw new CommandError("BadValue", "$not cannot be empty");
  if (!isOperatorDocument(arg)) {
    throw new CommandError("BadValue", `unknown operator: ${Object.keys(arg)[0]}`);
  }
  return compileOperators(parts, path, arg, ctx);
}
