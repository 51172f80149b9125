/**
 * ops_conditional.ts — `$cond` (array and `{if, then, else}` forms), `$ifNull` (first non-nullish
 * operand, the last one being the fallback), `$switch`.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { compileExpression, fixedArgs, isNullish, isObj, operandList } from "./compile.ts";
import { truthy } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function compileCond(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  let parts: [Evaluator, Evaluator, Evaluator];
  if (isObj(arg)) {
    const seen: Record<string, Evaluator> = {};
    for (const [k, v] of Object.entries(arg)) {
      if (k !== "if" && k !== "then" && k !== "else") {
        throw new CommandError(Location.CondUnknownParameter, `Unrecognized parameter to $cond: ${k}`);
      }
      seen[k] = compileExpression(v, ctx);
    }
    if (!seen["if"]) throw new CommandError(Location.CondMissingIf, "Missing 'if' parameter to $cond");
    if (!seen["then"]) throw new CommandError(Location.CondMissingThen, "Missing 'then' parameter to $cond");
    if (!seen["else"]) throw new CommandError(Location.CondMissingElse, "Missing 'else' parameter to $cond");
    parts = [seen["if"], seen["then"], seen["else"]];
  } else parts = fixedArgs(op, arg, 3, ctx) as [Evaluator, Evaluator, Evaluator];
  const [i, t, e] = parts;
  return (cur, vars) => (truthy(i(cur, vars)) ? t(cur, vars) : e(cur, vars));
}

function compileIfNull(arg: unknown, ctx: ExprContext): Evaluator {
  const list = operandList(arg);
  if (list.length < 2) {
    throw new CommandError(
      Location.IfNullTooFewArgs,
      `$ifNull needs at least two arguments, had: ${list.length}`,
    );
  }
  const args = list.map((e) => compileExpression(e, ctx));
  const last = args.length - 1;
  return (cur, vars) => {
    for (let i = 0; i < last; i++) {
      const v = (args[i] as Evaluator)(cur, vars);
      if (!isNullish(v)) return v;
    }
    return (args[last] as Evaluator)(cur, vars);
  };
}

function compileSwitch(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.SwitchSpecNotObject,
      `$switch requires an object as an argument, found: ${bsonTypeAlias(arg)}`,
    );
  }
  const branches: [Evaluator, Evaluator][] = [];
  let def: Evaluator | undefined;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "branches") {
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.SwitchBranchesNotArray,
          `$switch expected an array for 'branches', found: ${bsonTypeAlias(v)}`,
        );
      }
      for (const b of v) {
        if (!isObj(b)) {
          throw new CommandError(
            Location.SwitchBranchNotObject,
            `$switch expected each branch to be an object, found: ${bsonTypeAlias(b)}`,
          );
        }
        let c: Evaluator | undefined;
        let t: Evaluator | undefined;
        for (const [bk, bv] of Object.entries(b)) {
          if (bk === "case") c = compileExpression(bv, ctx);
          else if (bk === "then") t = compileExpression(bv, ctx);
          else {throw new CommandError(
              Location.SwitchBranchUnknownArgument,
              `$switch found an unknown argument to a branch: ${bk}`,
            );}
        }
        if (!c) {
          throw new CommandError(
            Location.SwitchBranchMissingCase,
            "$switch requires each branch have a 'case' expression",
          );
        }
        if (!t) {
          throw new CommandError(
            Location.SwitchBranchMissingThen,
            "$switch requires each branch have a 'then' expression.",
          );
        }
        branches.push([c, t]);
      }
    } else if (k === "default") def = compileExpression(v, ctx);
    else throw new CommandError(Location.SwitchUnknownArgument, `$switch found an unknown argument: ${k}`);
  }
  if (branches.length === 0) {
    throw new CommandError(Location.SwitchNoBranches, "$switch requires at least one branch.");
  }
  return (cur, vars) => {
    for (const [c, t] of branches) if (truthy(c(cur, vars))) return t(cur, vars);
    if (!def) {
      throw new CommandError(
        Location.SwitchNoMatchingBranch,
        "$switch could not find a matching branch for an input, and no default was specified.",
      );
    }
    return def(cur, vars);
  };
}

registerOperators({ $cond: compileCond, $ifNull: compileIfNull, $switch: compileSwitch });
