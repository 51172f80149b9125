/**
 * ops_comparison.ts — `$eq $ne $gt $gte $lt $lte $cmp`: two operands compared with mongod's
 * cross-type order (`compareValues`, honouring the collation). Missing sorts below null.
 */
import { compareValues } from "../../bson/compare.ts";
import { fixedArgs } from "./compile.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function comparison(test: (c: number) => unknown): (arg: unknown, ctx: ExprContext, op: string) => Evaluator {
  return (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    const strCmp = ctx.strCmp;
    return (cur, vars) => test(compareValues(a(cur, vars), b(cur, vars), strCmp));
  };
}

registerOperators({
  $eq: comparison((c) => c === 0),
  $ne: comparison((c) => c !== 0),
  $gt: comparison((c) => c > 0),
  $gte: comparison((c) => c >= 0),
  $lt: comparison((c) => c < 0),
  $lte: comparison((c) => c <= 0),
  $cmp: comparison((c) => c),
});
