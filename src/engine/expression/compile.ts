/**
 * compile.ts — `compileExpression`: parses an aggregation expression once into an `Evaluator`.
 *
 * Forms (mongod's `Expression::parseOperand`):
 * - `"$a.b"` — a field path on `$$CURRENT`, traversing arrays the aggregation way (`$a.b` over
 *   `a: [{b: 1}, {b: 2}, 3]` is `[1, 2]`; numeric components are field names, not indexes);
 * - `"$$name"` / `"$$name.path"` — a variable (`ROOT`, `CURRENT`, `NOW`,
 *   `CLUSTER_TIME`, `REMOVE`, or a user variable);
 * - `{$op: args}` — an operator from the registry (unknown → 168 InvalidPipelineOperator);
 * - `{a: <expr>, …}` — an object expression (missing values drop their field);
 * - `[<expr>, …]` — an array expression (missing elements become null);
 * - anything else — a constant.
 */
import { Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { lookupOperator } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

const CONSTANTS = new WeakMap<Evaluator, { value: unknown }>();

/** An evaluator that returns `value`; remembered so callers can fold constants. */
export function constant(value: unknown): Evaluator {
  const ev: Evaluator = () => value;
  CONSTANTS.set(ev, { value });
  return ev;
}

/** The value of a constant evaluator, or undefined if it depends on the document. */
export function constantOf(ev: Evaluator): { value: unknown } | undefined {
  return CONSTANTS.get(ev);
}

/** Fast plain-document test for hot paths (falls back to `isDocument` for DBRef and friends). */
export function isObj(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || isDocument(v);
}

/** Reads a path the aggregation way (arrays are mapped over; see the module comment). */
export function walkPath(v: unknown, parts: readonly string[], from: number): unknown {
  for (let i = from; i < parts.length; i++) {
    if (Array.isArray(v)) return walkArray(v, parts, i);
    if (!isObj(v)) return undefined;
    const k = parts[i] as string;
    v = Object.hasOwn(v, k) ? v[k] : undefined;
  }
  return v;
}

function walkArray(arr: unknown[], parts: readonly string[], i: number): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    if (Array.isArray(el)) out.push(walkArray(el, parts, i));
    else if (isObj(el)) {
      const r = walkPath(el, parts, i);
      if (r !== undefined) out.push(r);
    }
  }
  return out;
}

/** Validates one field-path component (mongod's FieldPath rules). */
export function checkFieldName(name: string): void {
  if (name === "") {
    throw new CommandError(Location.FieldPathEmptyName, "FieldPath field names may not be empty strings.");
  }
  if (name[0] === "$") {
    throw new CommandError(
      Location.FieldPathDollarPrefix,
      "FieldPath field names may not start with '$'. Consider using $getField or $setField.",
    );
  }
  if (name.includes("\0")) {
    throw new CommandError(Location.FieldPathHasNullByte, "FieldPath field names may not contain '\\0'.");
  }
}

/** Parses "a.b.c" (no leading `$`) into validated components. */
export function parseFieldPath(path: string): string[] {
  if (path === "") {
    throw new CommandError(Location.InvalidFieldPath, "FieldPath cannot be constructed with empty string");
  }
  const parts = path.split(".");
  for (const p of parts) checkFieldName(p);
  return parts;
}

/** Validates a user variable name (`$let`, `as`, `let`): starts lower-case or non-ASCII. */
export function checkVariableName(name: string): void {
  if (name === "") throw new CommandError(Location.VariableNameEmpty, "empty variable names are not allowed");
  const c0 = name.charCodeAt(0);
  if (!((c0 >= 97 && c0 <= 122) || c0 >= 128)) {
    throw new CommandError(
      Location.VariableNameBadFirstChar,
      `'${name}' starts with an invalid character for a user variable name`,
    );
  }
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c >= 128;
    if (!ok) {
      throw new CommandError(
        Location.VariableNameBadChar,
        `'${name}' contains an invalid character for a variable name: '${name[i]}'`,
      );
    }
  }
}

/** A child context with extra variables bound to fresh slots. Returns the context and the slots. */
export function withVariables(
  ctx: ExprContext,
  names: readonly string[],
): { ctx: ExprContext; slots: number[] } {
  const scope = new Map(ctx.scope);
  const slots = names.map((n) => {
    const s = ctx.slotCounter.n++;
    scope.set(n, s);
    return s;
  });
  return { ctx: { ...ctx, scope }, slots };
}

function compileFieldPath(path: string): Evaluator {
  const parts = parseFieldPath(path);
  if (parts.length === 1) {
    const k = parts[0] as string;
    return (cur) => {
      if (isObj(cur)) return Object.hasOwn(cur, k) ? cur[k] : undefined;
      return Array.isArray(cur) ? walkArray(cur, parts, 0) : undefined;
    };
  }
  return (cur) => walkPath(cur, parts, 0);
}

function compileVariable(text: string, ctx: ExprContext): Evaluator {
  const dot = text.indexOf(".");
  const name = dot < 0 ? text : text.slice(0, dot);
  const rest = dot < 0 ? [] : parseFieldPath(text.slice(dot + 1));
  let base: Evaluator;
  const slot = ctx.scope.get(name);
  if (slot !== undefined) base = (_c, vars) => vars.slots[slot];
  else {
    switch (name) {
      case "ROOT":
        base = (_c, vars) => vars.root;
        break;
      case "CURRENT":
        base = (cur) => cur;
        break;
      case "NOW":
        base = (_c, vars) => vars.now;
        break;
      case "CLUSTER_TIME":
        base = (_c, vars) =>
          vars.clusterTime ?? new Timestamp({ t: Math.floor(vars.now.getTime() / 1000), i: 1 });
        break;
      case "REMOVE":
        return constant(undefined);
      case "DESCEND":
      case "PRUNE":
      case "KEEP":
        return constant(name.toLowerCase());
      case "":
        throw new CommandError(Location.VariableReferenceEmpty, "empty variable names are not allowed");
      default:
        checkVariableName(name);
        throw new CommandError(Location.UndefinedVariable, `Use of undefined variable: ${name}`);
    }
  }
  if (rest.length === 0) return base;
  return (cur, vars) => walkPath(base(cur, vars), rest, 0);
}

function compileObject(doc: Record<string, unknown>, ctx: ExprContext): Evaluator {
  const keys = Object.keys(doc);
  const first = keys[0];
  if (first !== undefined && first[0] === "$") {
    if (keys.length !== 1) {
      throw new CommandError(
        Location.ExpressionSpecNotOneField,
        `an expression specification must contain exactly one field, the name of the expression. Found ${keys.length} fields in ${
          describeValue(doc)
        }, while parsing object ${describeValue(doc)}`,
      );
    }
    const op = lookupOperator(first);
    if (!op) throw new CommandError("InvalidPipelineOperator", `Unrecognized expression '${first}'`);
    return op(doc[first], ctx, first);
  }
  const fields: [string, Evaluator][] = [];
  for (const k of keys) {
    checkFieldName(k);
    if (k.includes(".")) {
      throw new CommandError(
        Location.FieldPathHasDot,
        "FieldPath field names may not contain '.'. Consider using $getField or $setField.",
      );
    }
    fields.push([k, compileExpression(doc[k], ctx)]);
  }
  return (cur, vars) => {
    const out: Record<string, unknown> = {};
    for (const [k, ev] of fields) {
      const v = ev(cur, vars);
      if (v !== undefined) out[k] = v;
    }
    return out;
  };
}

/** Compiles an expression; throws CommandError with mongod's codes on invalid input. */
export function compileExpression(expr: unknown, ctx: ExprContext): Evaluator {
  if (typeof expr === "string") {
    if (expr[0] !== "$") return constant(expr);
    if (expr[1] === "$") return compileVariable(expr.slice(2), ctx);
    if (expr.length === 1) {
      throw new CommandError(Location.FieldPathDollarAlone, "'$' by itself is not a valid FieldPath");
    }
    return compileFieldPath(expr.slice(1));
  }
  if (Array.isArray(expr)) {
    const items = expr.map((e) => compileExpression(e, ctx));
    return (cur, vars) =>
      items.map((ev) => {
        const v = ev(cur, vars);
        return v === undefined ? null : v;
      });
  }
  if (isObj(expr)) return compileObject(expr, ctx);
  return constant(expr);
}

/** The operands of an operator: an array is the list, anything else one operand. */
export function operandList(arg: unknown): unknown[] {
  return Array.isArray(arg) ? arg : [arg];
}

/** Compiles exactly `n` operands (16020 otherwise). */
export function fixedArgs(op: string, arg: unknown, n: number, ctx: ExprContext): Evaluator[] {
  const list = operandList(arg);
  if (list.length !== n) {
    throw new CommandError(
      Location.ExpressionWrongArgCount,
      `Expression ${op} takes exactly ${n} arguments. ${list.length} were passed in.`,
    );
  }
  return list.map((e) => compileExpression(e, ctx));
}

/** Compiles between `min` and `max` operands (16021 / 16022 otherwise). */
export function rangeArgs(op: string, arg: unknown, min: number, max: number, ctx: ExprContext): Evaluator[] {
  const list = operandList(arg);
  if (list.length < min) {
    throw new CommandError(
      Location.ExpressionTooFewArgs,
      `Expression ${op} takes at least ${min} arguments, and ${list.length} were passed in.`,
    );
  }
  if (list.length > max) {
    throw new CommandError(
      Location.ExpressionTooManyArgs,
      `Expression ${op} takes at most ${max} arguments, and ${list.length} were passed in.`,
    );
  }
  return list.map((e) => compileExpression(e, ctx));
}

/** Compiles any number of operands. */
export function variadicArgs(arg: unknown, ctx: ExprContext): Evaluator[] {
  return operandList(arg).map((e) => compileExpression(e, ctx));
}

export { isNullish } from "../../bson/values.ts";

/** Checks that an operator's argument is a document; `code`/`msg` from the caller. */
export function requireObject(arg: unknown, code: number, msg: string): Record<string, unknown> {
  if (!isObj(arg)) throw new CommandError(code, msg);
  return arg;
}
