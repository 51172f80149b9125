/**
 * ops_accumulator.ts — accumulators usable as expressions: `$sum $avg $min $max $stdDevPop
 * $stdDevSamp`. With one operand that evaluates to an array they fold the array; otherwise they
 * fold the operand list. Non-numeric values are ignored by the numeric ones; `$min`/`$max` ignore
 * null and missing.
 */
import { compareValues } from "../../bson/compare.ts";
import { isNullish, operandList, variadicArgs } from "./compile.ts";
import { makeDouble, numKind, toDouble } from "./numeric.ts";
import { NumericSum } from "./numeric_sum.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function values(arg: unknown, ctx: ExprContext): (cur: unknown, vars: Parameters<Evaluator>[1]) => unknown[] {
  const single = operandList(arg).length === 1;
  const args = variadicArgs(arg, ctx);
  return (cur, vars) => {
    if (single) {
      const v = (args[0] as Evaluator)(cur, vars);
      return Array.isArray(v) ? v : [v];
    }
    return args.map((a) => a(cur, vars));
  };
}

function stdDev(sample: boolean) {
  return (arg: unknown, ctx: ExprContext): Evaluator => {
    const vals = values(arg, ctx);
    return (cur, vars) => {
      const nums = vals(cur, vars).filter((v) => numKind(v) !== undefined).map(toDouble);
      const n = nums.length;
      const denom = sample ? n - 1 : n;
      if (denom <= 0) return null;
      const mean = nums.reduce((a, b) => a + b, 0) / n;
      const ss = nums.reduce((a, b) => a + (b - mean) * (b - mean), 0);
      return makeDouble(Math.sqrt(ss / denom));
    };
  };
}

function minMax(sign: 1 | -1) {
  return (arg: unknown, ctx: ExprContext): Evaluator => {
    const vals = values(arg, ctx);
    const strCmp = ctx.strCmp;
    return (cur, vars) => {
      let best: unknown = undefined;
      for (const v of vals(cur, vars)) {
        if (isNullish(v)) continue;
        if (best === undefined || compareValues(v, best, strCmp) * sign > 0) best = v;
      }
      return best === undefined ? null : best;
    };
  };
}

registerOperators({
  $sum: (arg, ctx) => {
    const vals = values(arg, ctx);
    return (cur, vars) => {
      const s = new NumericSum();
      for (const v of vals(cur, vars)) s.add(v);
      return s.result();
    };
  },
  $avg: (arg, ctx) => {
    const vals = values(arg, ctx);
    return (cur, vars) => {
      const s = new NumericSum();
      for (const v of vals(cur, vars)) s.add(v);
      return s.average();
    };
  },
  $min: minMax(-1),
  $max: minMax(1),
  $stdDevPop: stdDev(false),
  $stdDevSamp: stdDev(true),
});
