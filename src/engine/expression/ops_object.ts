/**
 * ops_object.ts — `$mergeObjects` (later fields win; null/missing skipped), `$getField`,
 * `$setField`, `$unsetField` (field names taken literally, so dotted and `$`-prefixed names work).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compileExpression, constant, constantOf, isNullish, isObj, variadicArgs } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function fieldName(op: string, spec: unknown, ctx: ExprContext): string {
  const ev = typeof spec === "string" && spec.startsWith("$")
    ? undefined
    : isObj(spec) && Object.keys(spec)[0] === "$literal"
    ? constant(spec["$literal"])
    : compileExpression(spec, ctx);
  const c = ev ? constantOf(ev) : undefined;
  if (!c) {
    throw new CommandError(
      Location.GetFieldFieldNotConstant,
      `${op} requires 'field' to evaluate to a constant, but got a non-constant argument`,
    );
  }
  if (typeof c.value !== "string") {
    throw new CommandError(
      Location.GetFieldFieldNotString,
      `${op} requires 'field' to evaluate to type String, but got ${typeName(c.value)}`,
    );
  }
  return c.value;
}

function compileFieldOp(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  let spec: Record<string, unknown>;
  if (op === "$getField" && !isObj(arg)) spec = { field: arg, input: "$$CURRENT" };
  else if (isObj(arg) && op === "$getField" && Object.keys(arg)[0] === "$literal") {
    spec = { field: arg, input: "$$CURRENT" };
  } else if (isObj(arg)) spec = arg;
  else {throw new CommandError(
      Location.GetFieldSpecNotObject,
      `${op} only supports an object as its argument`,
    );}
  const allowed = op === "$setField" ? ["field", "input", "value"] : ["field", "input"];
  for (const k of Object.keys(spec)) {
    if (!allowed.includes(k)) {
      throw new CommandError(Location.GetFieldUnknownArgument, `${op} found an unknown argument: ${k}`);
    }
  }
  if (!Object.hasOwn(spec, "field")) {
    throw new CommandError(Location.GetFieldMissingField, `${op} requires 'field' to be specified`);
  }
  if (!Object.hasOwn(spec, "input")) {
    if (op !== "$getField") {
      throw new CommandError(Location.GetFieldBadInput, `${op} requires 'input' to be specified`);
    }
    spec = { ...spec, input: "$$CURRENT" };
  }
  if (op === "$setField" && !Object.hasOwn(spec, "value")) {
    throw new CommandError(Location.SetFieldMissingValue, "$setField requires 'value' to be specified");
  }
  const name = fieldName(op, spec["field"], ctx);
  const input = compileExpression(spec["input"], ctx);
  if (op === "$getField") {
    return (cur, vars) => {
      const v = input(cur, vars);
      if (isNullish(v)) return null;
      if (!isObj(v)) return undefined;
      return Object.hasOwn(v, name) ? v[name] : undefined;
    };
  }
  const value = op === "$setField" ? compileExpression(spec["value"], ctx) : constant(undefined);
  return (cur, vars) => {
    const v = input(cur, vars);
    if (isNullish(v)) return null;
    if (!isObj(v)) {
      throw new CommandError(Location.GetFieldBadInput, `${op} requires 'input' to evaluate to type Object`);
    }
    const x = value(cur, vars);
    const out: Record<string, unknown> = { ...v };
    if (x === undefined) delete out[name];
    else out[name] = x;
    return out;
  };
}

registerOperators({
  $mergeObjects: (arg, ctx) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      const out: Record<string, unknown> = {};
      for (const e of args) {
        const v = e(cur, vars);
        if (isNullish(v)) continue;
        if (!isObj(v)) {
          throw new CommandError(
            Location.MergeObjectsInputNotObject,
            `$mergeObjects requires object inputs, but input ${String(v)} is of type ${typeName(v)}`,
          );
        }
        for (const k of Object.keys(v)) if (v[k] !== undefined) out[k] = v[k];
      }
      return out;
    };
  },
  $getField: compileFieldOp,
  $setField: compileFieldOp,
  $unsetField: compileFieldOp,
});
