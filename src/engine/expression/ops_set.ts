/**
 * ops_set.ts — set operators over arrays treated as sets (duplicates ignored, order not
 * significant): `$setUnion $setIntersection $setDifference $setEquals $setIsSubset`. Results keep
 * first-seen order.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { fixedArgs, isNullish, variadicArgs } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";
import type { StringComparator } from "../../bson/compare.ts";

function dedupe(arr: readonly unknown[], strCmp: StringComparator | undefined): unknown[] {
  const out: unknown[] = [];
  for (const x of arr) if (!out.some((y) => valuesEqual(x, y, strCmp))) out.push(x);
  return out;
}

function has(set: readonly unknown[], x: unknown, strCmp: StringComparator | undefined): boolean {
  return set.some((y) => valuesEqual(x, y, strCmp));
}

function arrays(op: string, vals: unknown[], code: number): unknown[][] {
  return vals.map((v) => {
    if (!Array.isArray(v)) {
      throw new CommandError(
        code,
        `All operands of ${op} must be arrays. One argument is of type: ${typeName(v)}`,
      );
    }
    return v;
  });
}

registerOperators({
  $setUnion: (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      const vals = args.map((a) => a(cur, vars));
      if (vals.some(isNullish)) return null;
      return dedupe(arrays(op, vals, Location.SetUnionNotArray).flat(), ctx.strCmp);
    };
  },
  $setIntersection: (arg, ctx, op) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      const vals = args.map((a) => a(cur, vars));
      if (vals.some(isNullish)) return null;
      const [first, ...rest] = arrays(op, vals, Location.SetIntersectionNotArray);
      if (!first) return [];
      return dedupe(first, ctx.strCmp).filter((x) => rest.every((r) => has(r, x, ctx.strCmp)));
    };
  },
  $setDifference: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const x = a(cur, vars);
      const y = b(cur, vars);
      if (isNullish(x) || isNullish(y)) return null;
      if (!Array.isArray(x)) {
        throw new CommandError(
          Location.SetDifferenceFirstNotArray,
          `both operands of $setDifference must be arrays. First argument is of type: ${typeName(x)}`,
        );
      }
      if (!Array.isArray(y)) {
        throw new CommandError(
          Location.SetDifferenceSecondNotArray,
          `both operands of $setDifference must be arrays. Second argument is of type: ${typeName(y)}`,
        );
      }
      return dedupe(x, ctx.strCmp).filter((v) => !has(y, v, ctx.strCmp));
    };
  },
  $setEquals: (arg, ctx, op) => {
    const args = variadicArgs(arg, ctx);
    if (args.length < 2) {
      throw new CommandError(
        Location.SetEqualsTooFewArgs,
        "$setEquals needs at least two arguments had: " + args.length,
      );
    }
    return (cur, vars) => {
      const sets = args.map((a) => {
        const v = a(cur, vars);
        if (!Array.isArray(v)) {
          throw new CommandError(
            Location.SetOperandNotArray,
            `All operands of ${op} must be arrays. One argument is of type: ${typeName(v)}`,
          );
        }
        return dedupe(v, ctx.strCmp);
      });
      const [first, ...rest] = sets as [unknown[], ...unknown[][]];
      return rest.every((s) => s.length === first.length && s.every((x) => has(first, x, ctx.strCmp)));
    };
  },
  $setIsSubset: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const x = a(cur, vars);
      const y = b(cur, vars);
      if (!Array.isArray(x)) {
        throw new CommandError(
          Location.SetIsSubsetFirstNotArray,
          `both operands of $setIsSubset must be arrays. First argument is of type: ${typeName(x)}`,
        );
      }
      if (!Array.isArray(y)) {
        throw new CommandError(
          Location.SetIsSubsetSecondNotArray,
          `both operands of $setIsSubset must be arrays. Second argument is of type: ${typeName(y)}`,
        );
      }
      return x.every((v) => has(y, v, ctx.strCmp));
    };
  },
});
