/**
 * ops_variables.ts — `$literal` (its argument, unevaluated), `$let` (`{vars: {…}, in: expr}`;
 * variables are evaluated in the outer scope, then visible in `in`) and `$rand` (a double in [0, 1),
 * evaluated per document; `{}` is its only argument).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { checkVariableName, compileExpression, constant, isObj, withVariables } from "./compile.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function compileLet(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(Location.LetSpecNotObject, "$let only supports an object as its argument");
  }
  let varsSpec: Record<string, unknown> | undefined;
  let inExpr: unknown;
  let hasIn = false;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "vars") {
      if (!isObj(v)) {
        throw new CommandError(
          Location.ExpectedObjectParameter,
          "invalid parameter: expected an object (vars)",
        );
      }
      varsSpec = v;
    } else if (k === "in") {
      inExpr = v;
      hasIn = true;
    } else throw new CommandError(Location.LetUnknownParameter, `Unrecognized parameter to $let: ${k}`);
  }
  if (!varsSpec) {
    throw new CommandError(Location.LetMissingVarsOrMapSpecNotObject, "Missing 'vars' parameter to $let");
  }
  if (!hasIn) throw new CommandError(Location.LetMissingIn, "Missing 'in' parameter to $let");
  // CURRENT is the one system variable a user may bind (mongod's validateNameForUserWrite): the body's
  // field paths then read that value instead of the current document
  const all = Object.keys(varsSpec);
  const names = all.filter((n) => n !== "CURRENT");
  for (const n of names) checkVariableName(n);
  const current = all.includes("CURRENT") ? compileExpression(varsSpec["CURRENT"], ctx) : undefined;
  const inits = names.map((n) => compileExpression(varsSpec[n], ctx));
  const inner = withVariables(ctx, names);
  const body = compileExpression(inExpr, inner.ctx);
  const slots = inner.slots;
  return (cur, vars) => {
    for (let i = 0; i < slots.length; i++) {
      vars.slots[slots[i] as number] = (inits[i] as Evaluator)(cur, vars);
    }
    return body(current ? current(cur, vars) : cur, vars);
  };
}

function compileRand(arg: unknown): Evaluator {
  const empty = (isObj(arg) && Object.keys(arg).length === 0) || (Array.isArray(arg) && arg.length === 0);
  if (!empty) {
    throw new CommandError(Location.RandTakesNoArguments, "$rand does not currently accept arguments");
  }
  return () => Math.random();
}

registerOperators({
  $literal: (arg) => constant(arg),
  $const: (arg) => constant(arg), // (mongod's older name of $literal, still accepted)
  $let: compileLet,
  $rand: compileRand,
});
