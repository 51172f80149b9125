/**
 * ops_array.ts — array operators: `$size $arrayElemAt $first $last $in $concatArrays $isArray
 * $filter $map $reduce $slice $reverseArray $range $indexOfArray $arrayToObject $objectToArray
 * $allElementsTrue $anyElementTrue`. `$map`/`$filter` bind `as` (default `this`); `$reduce` binds
 * `value` and `this`.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { documentEntries } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { interruptTick } from "../../observability/interrupt.ts";
import {
  checkVariableName,
  compileExpression,
  fixedArgs,
  isNullish,
  isObj,
  rangeArgs,
  variadicArgs,
  withVariables,
} from "./compile.ts";
import { typeName } from "./coerce.ts";
import { numKind, toDouble, truthy } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function int32Arg(v: unknown, code: number, msg: string): number {
  if (!numKind(v)) throw new CommandError(code, msg);
  const n = toDouble(v);
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) throw new CommandError(code, msg);
  return n;
}

function elemAt(arr: unknown[], i: number): unknown {
  const idx = i < 0 ? arr.length + i : i;
  return idx >= 0 && idx < arr.length ? arr[idx] : undefined;
}

function named(
  arg: unknown,
  op: string,
  allowed: readonly string[],
  notObjectCode: number,
  unknownParameterCode: number,
): Record<string, unknown> {
  if (!isObj(arg)) throw new CommandError(notObjectCode, `${op} only supports an object as its argument`);
  for (const k of Object.keys(arg)) {
    if (!allowed.includes(k)) {
      throw new CommandError(unknownParameterCode, `Unrecognized parameter to ${op}: ${k}`);
    }
  }
  return arg;
}

function compileMapFilter(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const isMap = op === "$map";
  const spec = named(
    arg,
    op,
    isMap ? ["input", "as", "in"] : ["input", "as", "cond", "limit"],
    isMap ? Location.LetMissingVarsOrMapSpecNotObject : Location.FilterSpecNotObject,
    isMap ? Location.MapUnknownParameter : Location.FilterUnknownParameter,
  );
  if (!Object.hasOwn(spec, "input")) {
    throw new CommandError(
      isMap ? Location.MapMissingInput : Location.FilterMissingInput,
      `Missing 'input' parameter to ${op}`,
    );
  }
  const body = isMap ? "in" : "cond";
  if (!Object.hasOwn(spec, body)) {
    throw new CommandError(
      isMap ? Location.MapMissingIn : Location.FilterMissingCond,
      `Missing '${body}' parameter to ${op}`,
    );
  }
  const as = spec["as"] ?? "this";
  if (typeof as !== "string") {
    throw new CommandError(Location.VariableNameEmpty, "empty variable names are not allowed");
  }
  checkVariableName(as);
  const input = compileExpression(spec["input"], ctx);
  const limit = spec["limit"] === undefined ? undefined : compileExpression(spec["limit"], ctx);
  const inner = withVariables(ctx, [as]);
  const slot = inner.slots[0] as number;
  const fn = compileExpression(spec[body], inner.ctx);
  return (cur, vars) => {
    const arr = input(cur, vars);
    if (isNullish(arr)) return null;
    if (!Array.isArray(arr)) {
      throw new CommandError(
        isMap ? Location.MapInputNotArray : Location.FilterInputNotArray,
        `input to ${op} must be an array not ${typeName(arr)}`,
      );
    }
    let max = Infinity;
    if (limit) {
      const l = limit(cur, vars);
      if (!isNullish(l)) {
        max = int32Arg(
          l,
          Location.FilterLimitNotInt32,
          `$filter: limit must be represented as a 32-bit integral value: ${describeValue(l)}`,
        );
        if (max < 1) {
          throw new CommandError(
            Location.FilterLimitNotPositive,
            `$filter: limit must be greater than 0: ${max}`,
          );
        }
      }
    }
    const out: unknown[] = [];
    for (const el of arr) {
      interruptTick();
      vars.slots[slot] = el;
      if (isMap) {
        const v = fn(cur, vars);
        out.push(v === undefined ? null : v);
      } else if (truthy(fn(cur, vars))) {
        out.push(el);
        if (out.length >= max) break;
      }
    }
    return out;
  };
}

/** mongod's `$range` memory bound (internalQueryMaxRangeBytes) and its estimate's sizes (a vector, a Value). */
const MAX_RANGE_BYTES = 100 * 1024 * 1024;
const RANGE_VECTOR_BYTES = 24;
const RANGE_VALUE_BYTES = 16;

function compileReduce(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      Location.ReduceSpecNotObject,
      `$reduce only supports an object as its argument, found: ${typeName(arg)}`,
    );
  }
  for (const k of Object.keys(arg)) {
    if (k !== "input" && k !== "initialValue" && k !== "in") {
      throw new CommandError(Location.ReduceUnknownArgument, `$reduce found an unknown argument: ${k}`);
    }
  }
  if (!Object.hasOwn(arg, "input")) {
    throw new CommandError(Location.ReduceMissingInput, "$reduce requires 'input' to be specified");
  }
  if (!Object.hasOwn(arg, "initialValue")) {
    throw new CommandError(
      Location.ReduceMissingInitialValue,
      "$reduce requires 'initialValue' to be specified",
    );
  }
  if (!Object.hasOwn(arg, "in")) {
    throw new CommandError(Location.ReduceMissingIn, "$reduce requires 'in' to be specified");
  }
  const input = compileExpression(arg["input"], ctx);
  const init = compileExpression(arg["initialValue"], ctx);
  const inner = withVariables(ctx, ["value", "this"]);
  const [vSlot, tSlot] = inner.slots as [number, number];
  const body = compileExpression(arg["in"], inner.ctx);
  return (cur, vars) => {
    const arr = input(cur, vars);
    if (isNullish(arr)) return null;
    if (!Array.isArray(arr)) {
      throw new CommandError(
        Location.ReduceInputNotArray,
        `$reduce requires that 'input' be an array, found: ${typeName(arr)}`,
      );
    }
    let acc = init(cur, vars);
    for (const el of arr) {
      interruptTick();
      vars.slots[vSlot] = acc;
      vars.slots[tSlot] = el;
      acc = body(cur, vars);
    }
    return acc;
  };
}

function compileSlice(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const args = rangeArgs(op, arg, 2, 3, ctx);
  return (cur, vars) => {
    const vals = args.map((e) => e(cur, vars));
    if (vals.some(isNullish)) return null;
    const arr = vals[0];
    if (!Array.isArray(arr)) {
      throw new CommandError(
        Location.SliceBadArgument,
        `First argument to $slice must be an array, but is of type: ${typeName(arr)}`,
      );
    }
    const a = int32Arg(
      vals[1],
      Location.SliceSecondArgNotInt32,
      `Second argument to $slice must be a numeric value, but is of type: ${typeName(vals[1])}`,
    );
    if (vals.length === 2) return a >= 0 ? arr.slice(0, a) : arr.slice(Math.max(0, arr.length + a));
    const n = int32Arg(
      vals[2],
      Location.SliceThirdArgNotInt32,
      `Third argument to $slice must be numeric, but is of type: ${typeName(vals[2])}`,
    );
    if (n <= 0) {
      throw new CommandError(
        Location.SliceCountNotPositive,
        `Third argument to $slice must be positive: ${n}`,
      );
    }
    const start = a >= 0 ? Math.min(a, arr.length) : Math.max(0, arr.length + a);
    return arr.slice(start, start + n);
  };
}

function unaryArray(fn: (arr: unknown[]) => unknown, code: number, what: string) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) throw new CommandError(code, `${op}${what}${typeName(v)}`);
      return fn(v);
    };
  };
}

function firstLast(first: boolean) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (isNullish(v)) return null;
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.ArrayElementOpNotArray,
          `${op}'s argument must be an array, but is ${typeName(v)}`,
        );
      }
      return first ? v[0] : v[v.length - 1];
    };
  };
}

function compileArrayToObject(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    if (!Array.isArray(v)) {
      throw new CommandError(
        Location.ArrayToObjectInputNotArray,
        `$arrayToObject requires an array input, found: ${typeName(v)}`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const el of v) {
      let k: unknown;
      let x: unknown;
      if (Array.isArray(el)) {
        if (el.length !== 2) {
          throw new CommandError(
            Location.ArrayToObjectPairNotSize2,
            "$arrayToObject requires an array of size 2 arrays",
          );
        }
        [k, x] = el;
      } else if (isObj(el)) {
        if (Object.keys(el).length !== 2 || !Object.hasOwn(el, "k") || !Object.hasOwn(el, "v")) {
          throw new CommandError(
            Location.ArrayToObjectMissingKV,
            "$arrayToObject requires an object keys of 'k' and 'v'",
          );
        }
        k = el["k"];
        x = el["v"];
      } else {throw new CommandError(
          Location.ArrayToObjectBadElement,
          `Unrecognised input type format for $arrayToObject: ${typeName(el)}`,
        );}
      if (typeof k !== "string") {
        throw new CommandError(
          Location.ArrayToObjectKeyNotString,
          `$arrayToObject requires a string as the key, found: ${typeName(k)}`,
        );
      }
      if (k.includes("\0")) {
        throw new CommandError(
          Location.ArrayToObjectKeyHasNullByte,
          "Key field cannot contain an embedded null byte",
        );
      }
      out[k] = x;
    }
    return out;
  };
}

registerOperators({
  $size: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.SizeNotArray,
          `The argument to $size must be an array. Type of value is: ${typeName(v)}`,
        );
      }
      return v.length;
    };
  },
  $arrayElemAt: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const arr = a(cur, vars);
      const i = b(cur, vars);
      if (isNullish(arr) || isNullish(i)) return null;
      if (!Array.isArray(arr)) {
        throw new CommandError(
          Location.ArrayElementOpNotArray,
          `$arrayElemAt's first argument must be an array, but is ${typeName(arr)}`,
        );
      }
      if (!numKind(i)) {
        throw new CommandError(
          Location.ArrayElemAtIndexNotNumeric,
          `$arrayElemAt's second argument must be a numeric value, but is ${typeName(i)}`,
        );
      }
      const n = int32Arg(
        i,
        Location.ArrayElemAtIndexNotInt32,
        `$arrayElemAt's second argument must be representable as a 32-bit integer: ${describeValue(i)}`,
      );
      return elemAt(arr, n);
    };
  },
  $first: firstLast(true),
  $last: firstLast(false),
  $in: (arg, ctx, op) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    const strCmp = ctx.strCmp;
    return (cur, vars) => {
      const x = a(cur, vars);
      const arr = b(cur, vars);
      if (!Array.isArray(arr)) {
        throw new CommandError(
          Location.InSecondArgNotArray,
          `$in requires an array as a second argument, found: ${typeName(arr)}`,
        );
      }
      return arr.some((el) => valuesEqual(el, x, strCmp));
    };
  },
  $concatArrays: (arg, ctx) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      const out: unknown[] = [];
      for (const e of args) {
        const v = e(cur, vars);
        if (isNullish(v)) return null;
        if (!Array.isArray(v)) {
          throw new CommandError(
            Location.ConcatArraysNotArray,
            `$concatArrays only supports arrays, not ${typeName(v)}`,
          );
        }
        for (const x of v) out.push(x);
      }
      return out;
    };
  },
  $isArray: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => Array.isArray(a(cur, vars));
  },
  $filter: compileMapFilter,
  $map: compileMapFilter,
  $reduce: compileReduce,
  $slice: compileSlice,
  $reverseArray: unaryArray(
    (a) => [...a].reverse(),
    Location.ReverseArrayNotArray,
    " argument must be an array, but was of type: ",
  ),
  $allElementsTrue: unaryArray(
    (a) => a.every(truthy),
    Location.AllElementsTrueNotArray,
    "'s argument must be an array, but is ",
  ),
  $anyElementTrue: unaryArray(
    (a) => a.some(truthy),
    Location.AnyElementTrueNotArray,
    "'s argument must be an array, but is ",
  ),
  $range: (arg, ctx, op) => {
    const args = rangeArgs(op, arg, 2, 3, ctx);
    return (cur, vars) => {
      const [s, e, st] = args.map((x) => x(cur, vars));
      const start = int32Arg(
        s,
        Location.RangeStartNotInt32,
        `$range requires a starting value that can be represented as a 32-bit integer, found value: ${
          describeValue(s)
        }`,
      );
      const end = int32Arg(
        e,
        Location.RangeEndNotInt32,
        `$range requires an ending value that can be represented as a 32-bit integer, found value: ${
          describeValue(e)
        }`,
      );
      const step = st === undefined ? 1 : int32Arg(
        st,
        Location.RangeStepNotInt32,
        `$range requires a step value that can be represented as a 32-bit integer, found value: ${
          describeValue(st)
        }`,
      );
      if (step === 0) throw new CommandError(Location.RangeStepZero, "$range requires a non-zero step value");
      // mongod's bound (internalQueryMaxRangeBytes, 100 MiB; its length estimate counts one extra step)
      const steps = Math.trunc((end - start) / step);
      const bytes = RANGE_VECTOR_BYTES + (steps >= 0 ? 1 + steps : 0) * RANGE_VALUE_BYTES;
      if (bytes >= MAX_RANGE_BYTES) {
        throw new CommandError(
          "ExceededMemoryLimit",
          `$range would use too much memory (${bytes} bytes) and cannot spill to disk. Memory limit: ${MAX_RANGE_BYTES} bytes`,
        );
      }
      const out: number[] = [];
      for (let i = start; step > 0 ? i < end : i > end; i += step) {
        interruptTick();
        out.push(i);
      }
      return out;
    };
  },
  $indexOfArray: (arg, ctx, op) => {
    const args = rangeArgs(op, arg, 2, 4, ctx);
    const strCmp = ctx.strCmp;
    return (cur, vars) => {
      const [arr, x, s, e] = args.map((a) => a(cur, vars));
      if (isNullish(arr)) return null;
      if (!Array.isArray(arr)) {
        throw new CommandError(
          Location.IndexOfArrayInputNotArray,
          `$indexOfArray requires an array as a first argument, found: ${typeName(arr)}`,
        );
      }
      const start = s === undefined ? 0 : int32Arg(
        s,
        Location.IndexOfIndexNotIntegral,
        `$indexOfArray requires an integral starting index, found a value of type: ${typeName(s)}`,
      );
      const end = e === undefined ? arr.length : int32Arg(
        e,
        Location.IndexOfIndexNotIntegral,
        `$indexOfArray requires an integral ending index, found a value of type: ${typeName(e)}`,
      );
      if (start < 0 || end < 0) {
        throw new CommandError(Location.IndexOfIndexNegative, "$indexOfArray requires a nonnegative index");
      }
      for (let i = start; i < Math.min(end, arr.length); i++) if (valuesEqual(arr[i], x, strCmp)) return i;
      return -1;
    };
  },
  $arrayToObject: compileArrayToObject,
  $objectToArray: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (isNullish(v)) return null;
      if (!isObj(v)) {
        throw new CommandError(
          Location.ObjectToArrayInputNotObject,
          `$objectToArray requires a document input, found: ${typeName(v)}`,
        );
      }
      return documentEntries(v).map(([k, x]) => ({ k, v: x }));
    };
  },
});
