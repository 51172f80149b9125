/**
 * accumulators_n.ts — the accumulators that take an argument object rather than one expression:
 * `$firstN $lastN $maxN $minN` (`{input, n}`), `$top $bottom` (`{output, sortBy}`), `$topN $bottomN`
 * (`{output, sortBy, n}`), `$median` (`{input, method}`) and `$percentile` (`{input, p, method}`), plus
 * `compileAccumulator`, the one entry point `$group`, `$bucket`, `$bucketAuto` and `$setWindowFields`
 * use for every accumulator (the unary ones come from accumulators.ts).
 *
 * Semantics as mongod 8.0 (accumulator_multi.cpp, accumulator_percentile.cpp):
 * - `n` is evaluated once per group against the group's `_id` (a document `_id` is `$$ROOT`, so
 *   `n: {$cond: [{$eq: ["$k", 1]}, 1, 3]}` over `_id: {k: "$k"}` works); it must be a positive integral
 *   number (5787902 non-numeric, 5787903 fractional, 5787908 ≤ 0).
 * - `$firstN`/`$lastN` keep missing values as null; `$maxN`/`$minN` skip null and missing and answer in
 *   descending / ascending order.
 * - `$top`/`$bottom` order by `sortBy` over the document (multikey: min ascending, max descending);
 *   ties keep the first value seen; `$bottomN` answers in sort order (the last n).
 * - `$median`/`$percentile` ignore non-numeric input and answer doubles (null when no number came);
 *   `method` must be "approximate" (BadValue otherwise); the value is the discrete percentile, which is
 *   what mongod's t-digest answers for data sets that fit its centroids exactly.
 * - Each keeps an approximate byte count and refuses past 100 MiB (146, mongod's wording).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues, type StringComparator } from "../../bson/compare.ts";
import { isNullish, isObj } from "../expression/compile.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import type { ExpressionEnv } from "../expression/env.ts";
import type { Evaluator } from "../expression/types.ts";
import { describeValue } from "../path/describe.ts";
import { parseInputN, parseQuantile, percentilesOf, validateN } from "../expression/n_args.ts";
import { parseSortSpec, sortKeyOf, type SortKeyPart } from "../sort/sort.ts";
import { type AccFactory, type AccState, accumulatorFactory, savedNumber } from "./accumulators.ts";
import { Double } from "bson";
import { approxValueSize } from "./value_size.ts";
import { compileJsAccumulator } from "./accumulator_js.ts";

/** mongod's internalQueryTopNAccumulatorBytes. */
export const MAX_N_ACCUMULATOR_BYTES = 100 * 1024 * 1024;

/** A compiled accumulator: per-group state factory (given the group key) and its argument. */
export interface CompiledAccumulator {
  readonly make: (groupKey?: unknown) => AccState;
  readonly arg: Evaluator;
}

/** What compiling an accumulator needs from a stage. */
export interface AccCompileContext {
  readonly env: ExpressionEnv;
  readonly strCmp: StringComparator | undefined;
}

/** Names handled here (argument objects). */
export const N_ACCUMULATORS: ReadonlySet<string> = new Set([
  "$firstN",
  "$lastN",
  "$maxN",
  "$minN",
  "$top",
  "$bottom",
  "$topN",
  "$bottomN",
  "$median",
  "$percentile",
]);

function charger(op: string, limit: number) {
  let used = 0;
  return {
    add(bytes: number) {
      used += bytes;
      if (used >= limit) {
        throw new CommandError(
          "ExceededMemoryLimit",
          `${op} used too much memory and spilling to disk cannot reduce memory consumption any further. Memory limit: ${limit} bytes`,
        );
      }
    },
    sub(bytes: number) {
      used -= bytes;
    },
  };
}

/** Per-group state of $firstN/$lastN/$maxN/$minN, fed one value at a time. */
export function nState(op: string, n: number, strCmp: StringComparator | undefined): AccState {
  const mem = charger(op, MAX_N_ACCUMULATOR_BYTES);
  const out: unknown[] = [];
  // the kept values in their order (a spilled `$group`'s partial state)
  const save = () => [out];
  const load = (saved: unknown) => {
    for (const x of (saved as unknown[][])[0]!) {
      mem.add(approxValueSize(x));
      out.push(x);
    }
  };
  switch (op) {
    case "$firstN":
      return {
        add(v) {
          if (out.length >= n) return;
          const x = v === undefined ? null : v;
          mem.add(approxValueSize(x));
          out.push(x);
        },
        result: () => out,
        save,
        load,
      };
    case "$lastN":
      return {
        add(v) {
          const x = v === undefined ? null : v;
          mem.add(approxValueSize(x));
          out.push(x);
          if (out.length > n) mem.sub(approxValueSize(out.shift()));
        },
        result: () => out,
        save,
        load,
      };
    default: {
      // $maxN: descending; $minN: ascending. `out` stays sorted best-first.
      const sign = op === "$maxN" ? -1 : 1;
      return {
        add(v) {
          if (isNullish(v)) return;
          if (out.length === n && compareValues(v, out[n - 1], strCmp) * sign >= 0) return;
          let lo = 0;
          let hi = out.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (compareValues(out[mid], v, strCmp) * sign <= 0) lo = mid + 1;
            else hi = mid;
          }
          mem.add(approxValueSize(v));
          out.splice(lo, 0, v);
          if (out.length > n) mem.sub(approxValueSize(out.pop()));
        },
        result: () => out,
        save,
        load,
      };
    }
  }
}

/** The `n` initializer: a constant, or an expression over the group key. */
function nInitializer(nSpec: unknown, ctx: AccCompileContext): (groupKey: unknown) => number {
  const ev = ctx.env.compile(nSpec);
  return (key) => {
    const root = isObj(key) ? key : {};
    return validateN(ev(root, ctx.env.newVars(root)));
  };
}

interface KeyedValue {
  readonly key: unknown[];
  readonly out: unknown;
}

function parseTopBottom(op: string, spec: unknown): { output: unknown; sortBy: unknown; n: unknown } {
  const single = op === "$top" || op === "$bottom";
  if (!isObj(spec)) {
    throw new CommandError(
      Location.TopBottomSpecNotObject,
      `specification must be an object; found ${describeValue(spec)}`,
    );
  }
  let output: unknown;
  let sortBy: unknown;
  let n: unknown = 1;
  let hasOutput = false;
  let hasN = single;
  for (const [k, v] of Object.entries(spec)) {
    if (k === "n" && !single) [n, hasN] = [v, true];
    else if (k === "output") [output, hasOutput] = [v, true];
    else if (k === "sortBy") {
      if (!isObj(v)) {
        throw new CommandError("TypeMismatch", `expected an object for 'sortBy', found ${describeValue(v)}`);
      }
      sortBy = v;
    } else throw new CommandError(Location.TopBottomUnknownArgument, `Unknown argument to ${op} '${k}'`);
  }
  if (!hasN) throw new CommandError(Location.TopBottomMissingN, "Missing value for 'n'");
  if (!hasOutput) throw new CommandError(Location.TopBottomMissingOutput, "Missing value for 'output'");
  if (sortBy === undefined) {
    throw new CommandError(Location.TopBottomMissingSortBy, "Missing value for 'sortBy'");
  }
  return { output, sortBy, n };
}

function compareKeys(a: unknown[], b: unknown[], parts: readonly SortKeyPart[], strCmp?: StringComparator) {
  for (let i = 0; i < parts.length; i++) {
    const c = compareValues(a[i], b[i], strCmp);
    if (c !== 0) return c * (parts[i] as SortKeyPart).direction;
  }
  return 0;
}

/**
 * How a state keeps an output value and gives it back: `own` makes a kept value independent of the
 * input (a stored document's bytes copied, group_root.ts), `resolve` turns it into the result.
 */
export interface KeepHooks {
  /** (`reuse`: a kept value about to be dropped, whose storage the new one may take over) */
  own(v: unknown, reuse?: unknown): unknown;
  resolve(v: unknown): unknown;
}

/** Per-group state of $top/$bottom/$topN/$bottomN, fed `KeyedValue`s (`keep`: kept outputs owned). */
export function topBottomState(
  op: string,
  n: number,
  parts: readonly SortKeyPart[],
  strCmp: StringComparator | undefined,
  keep?: KeepHooks,
): AccState {
  const mem = charger(op, MAX_N_ACCUMULATOR_BYTES);
  const top = op === "$top" || op === "$topN";
  const kept: KeyedValue[] = []; // ascending sort order; ties in arrival order
  const size = (x: KeyedValue) => approxValueSize(x.key) + approxValueSize(x.out);
  return {
    add(v) {
      const x = v as KeyedValue;
      if (kept.length === n) {
        // $top keeps the n smallest (a tie with the largest kept loses); $bottom the n largest
        // (a tie with the smallest kept loses).
        const c = top
          ? compareKeys(kept[n - 1]!.key, x.key, parts, strCmp)
          : compareKeys(x.key, kept[0]!.key, parts, strCmp);
        if (c <= 0) return;
      }
      let lo = 0;
      let hi = kept.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compareKeys(kept[mid]!.key, x.key, parts, strCmp) <= 0) lo = mid + 1;
        else hi = mid;
      }
      // (the kept value the new one drops lends it its storage)
      const dropped = kept.length === n ? (top ? kept[n - 1] : kept[0]) : undefined;
      const k = keep ? { key: x.key, out: keep.own(x.out, dropped?.out) } : x;
      mem.add(size(k));
      kept.splice(lo, 0, k);
      if (kept.length > n) mem.sub(size((top ? kept.pop() : kept.shift())!));
    },
    result() {
      const outs = kept.map((x) => keep ? keep.resolve(x.out) : x.out);
      if (op === "$top" || op === "$bottom") return outs.length === 0 ? null : outs[0];
      return outs;
    },
  };
}

function quantileState(op: string, ps: readonly number[]): AccState {
  const mem = charger(op, MAX_N_ACCUMULATOR_BYTES);
  const nums: number[] = [];
  return {
    add(v) {
      if (numKind(v) === undefined) return;
      const d = toDouble(v);
      if (Number.isNaN(d)) return;
      mem.add(16);
      nums.push(d);
    },
    result() {
      const r = percentilesOf(nums, ps);
      return op === "$median" ? r[0] : r;
    },
    save: () => [nums.map((d) => new Double(d))],
    load(saved) {
      for (const x of (saved as unknown[][])[0]!) {
        mem.add(16);
        nums.push(savedNumber(x));
      }
    },
  };
}

/**
 * Compiles one accumulator `{op: spec}` with mongod's validation (unknown → 15952; an array argument of
 * a unary accumulator → 40237; `$count` takes `{}`).
 */
export function compileAccumulator(op: string, spec: unknown, ctx: AccCompileContext): CompiledAccumulator {
  const strCmp = ctx.strCmp;
  switch (op) {
    case "$firstN":
    case "$lastN":
    case "$maxN":
    case "$minN": {
      const { input, n } = parseInputN(op, spec);
      const nOf = nInitializer(n, ctx);
      return { make: (key) => nState(op, nOf(key), strCmp), arg: ctx.env.compile(input) };
    }
    case "$top":
    case "$bottom":
    case "$topN":
    case "$bottomN": {
      const { output, sortBy, n } = parseTopBottom(op, spec);
      const parts = parseSortSpec(sortBy);
      const nOf = nInitializer(n, ctx);
      const out = ctx.env.compile(output);
      const arg: Evaluator = (cur, vars) => {
        const o = out(cur, vars);
        return {
          out: o === undefined ? null : o,
          key: parts.map((p) => sortKeyOf(cur, p.parts, p.direction, strCmp)),
        } satisfies KeyedValue;
      };
      return { make: (key) => topBottomState(op, nOf(key), parts, strCmp), arg };
    }
    case "$median":
    case "$percentile": {
      const { input, ps } = parseQuantile(op, spec);
      return { make: () => quantileState(op, ps ?? [0.5]), arg: ctx.env.compile(input) };
    }
  }
  if (op === "$accumulator") return compileJsAccumulator(spec, ctx);
  const make: AccFactory = accumulatorFactory(op, strCmp);
  if (Array.isArray(spec)) {
    throw new CommandError(Location.AccumulatorBadArgument, `The ${op} accumulator is a unary operator`);
  }
  if (op === "$count") {
    if (!isObj(spec) || Object.keys(spec).length !== 0) {
      throw new CommandError(Location.AccumulatorBadArgument, "$count takes no arguments, i.e. $count:{}");
    }
    return { make, arg: () => 1 };
  }
  return { make, arg: ctx.env.compile(spec) };
}
