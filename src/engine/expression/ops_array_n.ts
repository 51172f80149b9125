/**
 * ops_array_n.ts — array operators added with mongod 5.2–7.0: `$firstN $lastN $maxN $minN` over an
 * array (`{n, input}`), `$median $percentile` as expressions (over an array or one number),
 * `$sortArray` (`{input, sortBy: 1 | -1 | {field: ±1}}`) and `$zip` (`{inputs, useLongestLength,
 * defaults}`), with mongod's codes. Null/missing inputs answer null where mongod does.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues } from "../../bson/compare.ts";
import { describeValue } from "../path/describe.ts";
import { compileSort } from "../sort/sort.ts";
import { compileExpression, isNullish, isObj } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { parseInputN, parseQuantile, percentilesOf, validateN } from "./n_args.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function compileN(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const spec = parseInputN(op, arg);
  const nEv = compileExpression(spec.n, ctx);
  const inEv = compileExpression(spec.input, ctx);
  const strCmp = ctx.strCmp;
  return (cur, vars) => {
    const n = validateN(nEv(cur, vars));
    const input = inEv(cur, vars);
    if (!Array.isArray(input)) {
      throw new CommandError(
        Location.NInputNotArray,
        `Input must be an array, but found ${describeValue(input)} of type ${typeName(input)}`,
      );
    }
    switch (op) {
      case "$firstN":
        return input.slice(0, n);
      case "$lastN":
        return input.slice(Math.max(0, input.length - n));
      default: {
        const sign = op === "$maxN" ? -1 : 1;
        return input.filter((v) => !isNullish(v)).sort((a, b) => compareValues(a, b, strCmp) * sign).slice(
          0,
          n,
        );
      }
    }
  };
}

function compileQuantile(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const { input, ps } = parseQuantile(op, arg);
  const inEv = compileExpression(input, ctx);
  const p = ps ?? [0.5];
  return (cur, vars) => {
    const v = inEv(cur, vars);
    const list = Array.isArray(v) ? v : [v];
    const nums = list.filter((x) => numKind(x) !== undefined).map(toDouble).filter((x) => !Number.isNaN(x));
    const r = percentilesOf(nums, p);
    return op === "$median" ? r[0] : r;
  };
}

function compileSortArray(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.SortArrayNotObject,
      `$sortArray requires an object as an argument, found: ${typeName(arg)}`,
    );
  }
  let input: unknown;
  let sortBy: unknown;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "input") input = v;
    else if (k === "sortBy") sortBy = v;
    else {throw new CommandError(
        Location.SortArrayUnknownArgument,
        `$sortArray found an unknown argument: ${k}`,
      );}
  }
  if (input === undefined) {
    throw new CommandError(Location.SortArrayMissingInput, "$sortArray requires 'input' to be specified");
  }
  if (sortBy === undefined) {
    throw new CommandError(Location.SortArrayMissingSortBy, "$sortArray requires 'sortBy' to be specified");
  }
  const inEv = compileExpression(input, ctx);
  const strCmp = ctx.strCmp;
  let cmp: (a: unknown, b: unknown) => number;
  if (isObj(sortBy)) {
    const docCmp = compileSort(sortBy, strCmp ? { strCmp } : {});
    cmp = (a, b) => docCmp(a as Record<string, unknown>, b as Record<string, unknown>);
  } else {
    const dir = numKind(sortBy) !== undefined ? toDouble(sortBy) : NaN;
    if (dir !== 1 && dir !== -1) {
      throw new CommandError(
        Location.SortArrayBadDirection,
        "The $sort element value must be either 1 or -1",
      );
    }
    cmp = (a, b) => compareValues(a, b, strCmp) * dir;
  }
  return (cur, vars) => {
    const v = inEv(cur, vars);
    if (isNullish(v)) return null;
    if (!Array.isArray(v)) {
      throw new CommandError(
        Location.SortArrayInputNotArray,
        `The input argument to $sortArray must be an array, but was of type: ${typeName(v)}`,
      );
    }
    return v.slice().sort(cmp); // Array.prototype.sort is stable
  };
}

function compileZip(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.ZipNotObject,
      `$zip only supports an object as an argument, found ${typeName(arg)}`,
    );
  }
  let inputs: unknown[] | undefined;
  let defaults: unknown[] | undefined;
  let longest = false;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "inputs") {
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.ZipInputsNotArray,
          `inputs must be an array of expressions, found ${typeName(v)}`,
        );
      }
      inputs = v;
    } else if (k === "defaults") {
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.ZipDefaultsNotArray,
          `defaults must be an array of expressions, found ${typeName(v)}`,
        );
      }
      defaults = v;
    } else if (k === "useLongestLength") {
      if (typeof v !== "boolean") {
        throw new CommandError(
          Location.ZipLongestNotBool,
          `useLongestLength must be a bool, found ${typeName(v)}`,
        );
      }
      longest = v;
    } else throw new CommandError(Location.ZipUnknownArgument, `$zip found an unknown argument: ${k}`);
  }
  if (!inputs || inputs.length === 0) {
    throw new CommandError(Location.ZipNoInputs, "$zip requires at least one input array");
  }
  if (defaults && !longest) {
    throw new CommandError(
      Location.ZipDefaultsWithoutLongest,
      "cannot specify defaults unless useLongestLength is true",
    );
  }
  if (defaults && defaults.length !== inputs.length) {
    throw new CommandError(Location.ZipDefaultsLength, "defaults and inputs must have the same length");
  }
  const ins = inputs.map((e) => compileExpression(e, ctx));
  const defs = (defaults ?? []).map((e) => compileExpression(e, ctx));
  return (cur, vars) => {
    const arrays: unknown[][] = [];
    for (const ev of ins) {
      const v = ev(cur, vars);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.ZipInputNotArray,
          `$zip found a non-array expression in input: ${describeValue(v)}`,
        );
      }
      arrays.push(v);
    }
    const lens = arrays.map((a) => a.length);
    const len = longest ? Math.max(...lens) : Math.min(...lens);
    const fill = arrays.map((_, i) => {
      const d = defs[i];
      const v = d ? d(cur, vars) : null;
      return v === undefined ? null : v;
    });
    const out: unknown[][] = [];
    for (let r = 0; r < len; r++) out.push(arrays.map((a, i) => (r < a.length ? a[r] : fill[i])));
    return out;
  };
}

registerOperators({
  $firstN: compileN,
  $lastN: compileN,
  $maxN: compileN,
  $minN: compileN,
  $median: compileQuantile,
  $percentile: compileQuantile,
  $sortArray: compileSortArray,
  $zip: compileZip,
});
