/**
 * stages_window.ts — `$setWindowFields`: `partitionBy`, `sortBy`, and `output` fields, each one window
 * function:
 * - the accumulators (`$sum $avg $min $max $count $push $addToSet $first $last $stdDevPop $stdDevSamp
 *   $firstN $lastN $maxN $minN $top $bottom $topN $bottomN $median $percentile`) and `$covariancePop`
 *   / `$covarianceSamp`, over a `window` of `documents: [lo, hi]` or `range: [lo, hi]` (numeric sort
 *   values, or dates with a `unit`, calendar units included); the default window is the partition;
 * - `$derivative` and `$integral` (`{input, unit?}`, over a window);
 * - `$rank $denseRank $documentNumber $shift $expMovingAvg $linearFill $locf` (no window).
 * `$mergeObjects` is not a window function (FailedToParse, as mongod). Output is sorted by partition
 * then `sortBy`, as mongod's desugaring does. The stage buffers its input (passing `PAUSE` markers
 * through while it does); an accumulator whose window starts at the partition's start is folded
 * incrementally, the whole-partition window once.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues } from "../../bson/compare.ts";
import { compileSort, parseSortSpec, sortKeyOf } from "../sort/sort.ts";
import { isObj } from "../expression/compile.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { typeName } from "../expression/coerce.ts";
import { dateAdd } from "../expression/ops_date_math.ts";
import { UTC } from "../expression/timezone.ts";
import type { Evaluator } from "../expression/types.ts";
import type { AccState } from "./accumulators.ts";
import { compileAccumulator } from "./accumulators_n.ts";
import {
  CALENDAR_UNITS,
  covarianceState,
  derivative,
  expMovingAvg,
  integral,
  linearFill,
  locf,
  UNIT_MS,
  xOf,
} from "./window_functions.ts";
import { PAUSE } from "./pause.ts";
import { evaluated, jsDeferralFor } from "./js_defer.ts";
import type { JsDeferral } from "../expression/types.ts";
import { budgetOf, externalSort, stageMemoryError } from "./memory.ts";
import type { SortKeyPart } from "../sort/sort.ts";
import { approxValueSize } from "./value_size.ts";
import type { Document, Stage, StageContext } from "./types.ts";

type Bound = "unbounded" | "current" | number;

interface Window {
  readonly type: "documents" | "range";
  readonly lo: Bound;
  readonly hi: Bound;
  /** The range unit (fixed or calendar), if any. */
  readonly unit: string | undefined;
}

type Kind =
  | "acc"
  | "rank"
  | "denseRank"
  | "documentNumber"
  | "shift"
  | "derivative"
  | "integral"
  | "expMovingAvg"
  | "linearFill"
  | "locf";

interface OutputSpec {
  readonly op: string;
  readonly parts: readonly string[];
  readonly kind: Kind;
  readonly make?: () => AccState;
  readonly arg?: Evaluator;
  readonly window?: Window | undefined;
  readonly by?: number;
  readonly def?: Evaluator;
  readonly unitMs?: number | undefined;
  readonly alpha?: number;
}

function parseBound(v: unknown, type: string): Bound {
  if (v === "unbounded" || v === "current") return v;
  if (numKind(v) && (type === "range" || Number.isInteger(toDouble(v)))) return toDouble(v);
  throw new CommandError(
    "FailedToParse",
    `Window bounds must be 'unbounded', 'current', or a number, but got ${typeName(v)}`,
  );
}

function parseWindow(v: unknown): Window {
  if (!isObj(v)) throw new CommandError("FailedToParse", "'window' field must be an object");
  let type: "documents" | "range" | undefined;
  let bounds: unknown;
  let unit: string | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k === "documents" || k === "range") {
      if (type) {
        throw new CommandError(
          "FailedToParse",
          "Window bounds can specify either 'documents' or 'range', not both.",
        );
      }
      type = k;
      bounds = x;
    } else if (k === "unit") {
      if (typeof x !== "string" || (UNIT_MS[x] === undefined && !CALENDAR_UNITS.has(x))) {
        throw new CommandError("FailedToParse", `unknown time unit value: ${String(x)}`);
      }
      unit = x;
    } else {
      throw new CommandError(
        "FailedToParse",
        `'window' field that specifies a window must be one of 'documents', 'range' or 'unit', but found '${k}'`,
      );
    }
  }
  if (!type || !Array.isArray(bounds) || bounds.length !== 2) {
    throw new CommandError("FailedToParse", "Window bounds must be a 2-element array");
  }
  if (unit !== undefined && type !== "range") {
    throw new CommandError(
      "FailedToParse",
      "Window bounds can specify either 'documents' or 'unit', not both.",
    );
  }
  return { type, lo: parseBound(bounds[0], type), hi: parseBound(bounds[1], type), unit };
}

function noWindow(op: string, window: Window | undefined): void {
  if (window) {
    throw new CommandError(Location.WindowFunctionTakesNoWindow, `${op} does not accept a 'window' field`);
  }
}

function fixedUnit(op: string, unit: unknown): number | undefined {
  if (unit === undefined) return undefined;
  const ms = typeof unit === "string" ? UNIT_MS[unit] : undefined;
  if (ms === undefined) {
    throw new CommandError(
      "BadValue",
      `${op} 'unit' must be one of 'week', 'day', 'hour', 'minute', 'second', 'millisecond', found ${
        String(unit)
      }`,
    );
  }
  return ms;
}

function inputAndUnit(op: string, arg: unknown): { input: unknown; unit: unknown } {
  if (!isObj(arg) || !Object.hasOwn(arg, "input")) {
    throw new CommandError("FailedToParse", `${op} requires an object with an 'input' field`);
  }
  for (const k of Object.keys(arg)) {
    if (k !== "input" && k !== "unit") {
      throw new CommandError("FailedToParse", `${op} got unexpected argument: ${k}`);
    }
  }
  return { input: arg["input"], unit: arg["unit"] };
}

const NOT_WINDOW_FUNCTIONS = new Set(["$mergeObjects", "$accumulator"]);

function parseOutput(field: string, spec: unknown, ctx: StageContext): OutputSpec {
  if (!isObj(spec)) throw new CommandError("FailedToParse", `The field '${field}' must be an object`);
  const parts = field.split(".");
  let op: string | undefined;
  let window: Window | undefined;
  for (const k of Object.keys(spec)) {
    if (k === "window") window = parseWindow(spec[k]);
    else if (op) {
      throw new CommandError("FailedToParse", `Expected a single window function, found '${op}' and '${k}'`);
    } else op = k;
  }
  if (!op) throw new CommandError("FailedToParse", `Expected a window function in the field '${field}'`);
  const arg = spec[op];
  switch (op) {
    case "$rank":
    case "$denseRank":
    case "$documentNumber":
      noWindow(op, window);
      return { op, parts, kind: op.slice(1) as Kind };
    case "$shift": {
      noWindow(op, window);
      if (
        !isObj(arg) || !Object.hasOwn(arg, "output") || !numKind(arg["by"]) ||
        !Number.isInteger(toDouble(arg["by"]))
      ) {
        throw new CommandError("FailedToParse", "$shift requires 'output' and an integral 'by'");
      }
      return {
        op,
        parts,
        kind: "shift",
        arg: ctx.env.compile(arg["output"]),
        by: toDouble(arg["by"]),
        def: ctx.env.compile(Object.hasOwn(arg, "default") ? arg["default"] : null),
      };
    }
    case "$count":
      return { op, parts, kind: "acc", make: compileAccumulator("$sum", 1, ctx).make, arg: () => 1, window };
    case "$covariancePop":
    case "$covarianceSamp": {
      if (!Array.isArray(arg) || arg.length !== 2) {
        throw new CommandError("FailedToParse", `${op} requires an array of two expressions`);
      }
      const sample = op === "$covarianceSamp";
      return {
        op,
        parts,
        kind: "acc",
        make: () => covarianceState(sample),
        arg: ctx.env.compile(arg),
        window,
      };
    }
    case "$derivative":
    case "$integral": {
      const { input, unit } = inputAndUnit(op, arg);
      if (op === "$derivative" && !window) {
        throw new CommandError("FailedToParse", "$derivative requires explicit window bounds");
      }
      return {
        op,
        parts,
        kind: op.slice(1) as Kind,
        arg: ctx.env.compile(input),
        window,
        unitMs: fixedUnit(op, unit),
      };
    }
    case "$expMovingAvg": {
      noWindow(op, window);
      if (!isObj(arg) || !Object.hasOwn(arg, "input")) {
        throw new CommandError("FailedToParse", "$expMovingAvg requires an 'input' expression");
      }
      const hasN = Object.hasOwn(arg, "N");
      const hasAlpha = Object.hasOwn(arg, "alpha");
      if (hasN === hasAlpha) {
        throw new CommandError("FailedToParse", "$expMovingAvg requires exactly one of 'N' and 'alpha'");
      }
      for (const k of Object.keys(arg)) {
        if (k !== "input" && k !== "N" && k !== "alpha") {
          throw new CommandError("FailedToParse", `Got unrecognized field in $expMovingAvg: ${k}`);
        }
      }
      let alpha: number;
      if (hasN) {
        const n = arg["N"];
        if (!numKind(n) || !Number.isInteger(toDouble(n)) || toDouble(n) <= 0) {
          throw new CommandError("FailedToParse", "'N' field must be an integer greater than zero");
        }
        alpha = 2 / (toDouble(n) + 1);
      } else {
        const a = arg["alpha"];
        if (!numKind(a) || !(toDouble(a) > 0 && toDouble(a) < 1)) {
          throw new CommandError("FailedToParse", "'alpha' must be between 0 and 1 (exclusive)");
        }
        alpha = toDouble(a);
      }
      return { op, parts, kind: "expMovingAvg", arg: ctx.env.compile(arg["input"]), alpha };
    }
    case "$linearFill":
    case "$locf":
      noWindow(op, window);
      return { op, parts, kind: op.slice(1) as Kind, arg: ctx.env.compile(arg) };
    default: {
      if (NOT_WINDOW_FUNCTIONS.has(op)) {
        throw new CommandError("FailedToParse", `Unrecognized window function, ${op}`);
      }
      let compiled;
      try {
        compiled = compileAccumulator(op, arg, ctx);
      } catch (e) {
        if (e instanceof CommandError && e.code === Location.UnknownGroupOperator) {
          throw new CommandError("FailedToParse", `Unrecognized window function, ${op}`);
        }
        throw e;
      }
      return { op, parts, kind: "acc", make: () => compiled.make(), arg: compiled.arg, window };
    }
  }
}

function setNested(doc: Document, parts: readonly string[], i: number, value: unknown): void {
  const k = parts[i] as string;
  if (i === parts.length - 1) {
    doc[k] = value;
    return;
  }
  const child = isObj(doc[k]) ? { ...(doc[k] as Document) } : {};
  doc[k] = child;
  setNested(child, parts, i + 1, value);
}

const NEEDS_SORT: ReadonlySet<Kind> = new Set([
  "shift",
  "documentNumber",
  "derivative",
  "integral",
  "expMovingAvg",
  "linearFill",
]);

export function compileSetWindowFields(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) throw new CommandError("FailedToParse", "$setWindowFields must be an object");
  let partition: Evaluator | undefined;
  let sortBy: Document | undefined;
  let outputs: OutputSpec[] | undefined;
  for (const [k, v] of Object.entries(spec)) {
    if (k === "partitionBy") partition = ctx.env.compile(v);
    else if (k === "sortBy") {
      parseSortSpec(v);
      sortBy = v as Document;
    } else if (k === "output") {
      if (!isObj(v)) {
        throw new CommandError("FailedToParse", "$setWindowFields 'output' field must be an object");
      }
      outputs = Object.entries(v).map(([f, s]) => parseOutput(f, s, ctx));
    } else {
      throw new CommandError("IDLUnknownField", `BSON field '$setWindowFields.${k}' is an unknown field.`);
    }
  }
  if (!outputs) {
    throw new CommandError(
      "IDLFailedToParse",
      "BSON field '$setWindowFields.output' is missing but a required field",
    );
  }
  const sortKeys = sortBy ? parseSortSpec(sortBy) : [];
  for (const o of outputs) {
    const oneKey = o.kind === "rank" || o.kind === "denseRank" || o.kind === "derivative" ||
      o.kind === "integral" || o.kind === "linearFill";
    if (oneKey && sortKeys.length !== 1) {
      throw new CommandError(
        Location.WindowFunctionNeedsOneSortByField,
        `${o.op} must be specified with a top level sortBy expression with exactly one element`,
      );
    }
    if (o.window?.type === "range" && sortKeys.length !== 1) {
      throw new CommandError(
        Location.WindowRangeNeedsOneSortByField,
        "Range-based window require sortBy a single field",
      );
    }
    if ((NEEDS_SORT.has(o.kind) || o.window?.type === "documents") && sortKeys.length === 0) {
      if (o.kind !== "acc" || (o.window && (o.window.lo !== "unbounded" || o.window.hi !== "unbounded"))) {
        throw new CommandError(
          Location.WindowDocumentBoundsNeedSortBy,
          "Document-based bounds require a sortBy",
        );
      }
    }
  }
  const cmp = sortBy ? compileSort(sortBy, ctx.strCmp ? { strCmp: ctx.strCmp } : {}) : () => 0;
  const strCmp = ctx.strCmp;
  const outs = outputs;
  const defer = jsDeferralFor(ctx, spec);
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      const partitionOf = (d: Document) =>
        evaluated(defer, () => {
          vars.root = d;
          return (partition as Evaluator)(d, vars);
        });
      const rows: { d: Document; i: number; p: unknown }[] = [];
      const budget = budgetOf(ctx.options);
      if (budget.spill) {
        // sorted by (partition, sortBy) through sorted runs on disk; one partition in memory at a time
        let pausing = false; // the caller handles PAUSE markers (it sent some)
        const keyed = function* (): Generator<Document> {
          for (const d of input) {
            if (d === PAUSE) {
              pausing = true;
              yield d;
              continue;
            }
            const p = partition ? yield* partitionOf(d) : null;
            yield { p: { v: p === undefined ? null : p }, d };
          }
        };
        const keys: SortKeyPart[] = [
          { path: "p", parts: ["p"], direction: 1 },
          ...sortKeys.map((k) => ({ path: `d.${k.path}`, parts: ["d", ...k.parts], direction: k.direction })),
        ];
        let part: Document[] = [];
        let current: unknown;
        let held = 0;
        const flush = function* (): Generator<Document> {
          const out = part.map((d) => ({ ...d }));
          for (const o of outs) yield* computeOutput(o, part, out, sortKeys[0], ctx, defer);
          part = [];
          held = 0;
          yield* out;
        };
        for (const row of externalSort(keyed(), keys, strCmp, budget)) {
          if (row === PAUSE) {
            yield row;
            continue;
          }
          const p = (row["p"] as { v: unknown }).v;
          const d = row["d"] as Document;
          if (part.length > 0 && compareValues(p, current, strCmp) !== 0) {
            yield* flush();
            if (pausing) yield PAUSE; // between partitions: the caller may check its deadline and yield
          }
          current = p;
          held += approxValueSize(d);
          if (held > budget.limit) {
            throw new CommandError(
              "ExceededMemoryLimit",
              `$setWindowFields: one partition exceeds the memory limit of ${budget.limit} bytes ` +
                "(input is sorted on disk, but a partition must fit in memory)",
            );
          }
          part.push(d);
        }
        if (part.length > 0) yield* flush();
        return;
      }
      let held = 0;
      let pausing = false; // the caller handles PAUSE markers (it sent some)
      for (const d of input) {
        if (d === PAUSE) {
          pausing = true;
          yield d;
          continue;
        }
        const size = approxValueSize(d);
        held += size;
        budget.meter(size);
        if (held > budget.limit) throw stageMemoryError("$setWindowFields", budget.limit);
        const p = partition ? yield* partitionOf(d) : null;
        rows.push({ d, i: rows.length, p: p === undefined ? null : p });
      }
      rows.sort((a, b) => compareValues(a.p, b.p, strCmp) || cmp(a.d, b.d) || a.i - b.i);
      let start = 0;
      while (start < rows.length) {
        let end = start + 1;
        while (end < rows.length && compareValues(rows[end]?.p, rows[start]?.p, strCmp) === 0) end++;
        const part = rows.slice(start, end).map((r) => r.d);
        const out = part.map((d) => ({ ...d }));
        for (const o of outs) yield* computeOutput(o, part, out, sortKeys[0], ctx, defer);
        for (let i = start; i < end; i++) rows[i] = undefined as never; // release as we go
        yield* out;
        if (pausing) yield PAUSE; // between partitions: the caller may check its deadline and yield
        start = end;
      }
    },
  };
}

/** A result that later window steps must not mutate (accumulators may hand out their own arrays). */
function snapshot(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v;
}

function* computeOutput(
  o: OutputSpec,
  part: Document[],
  out: Document[],
  key: { parts: readonly string[]; direction: 1 | -1 } | undefined,
  ctx: StageContext,
  /** Server-side JavaScript in the stage: each document's value is evaluated in rounds (js_defer.ts). */
  defer: JsDeferral | undefined,
): Generator<Document> {
  const strCmp = ctx.strCmp;
  const vars = ctx.env.newVars();
  const keyOf = (d: Document) => (key ? sortKeyOf(d, key.parts, key.direction, strCmp) : null);
  const n = part.length;
  const set = (i: number, v: unknown) =>
    setNested(out[i] as Document, o.parts, 0, v === undefined ? null : v);
  if (o.kind === "documentNumber" || o.kind === "rank" || o.kind === "denseRank") {
    let rank = 0;
    let dense = 0;
    for (let i = 0; i < n; i++) {
      const same = i > 0 &&
        compareValues(keyOf(part[i] as Document), keyOf(part[i - 1] as Document), strCmp) === 0;
      if (!same) {
        rank = i + 1;
        dense++;
      }
      set(i, o.kind === "documentNumber" ? i + 1 : o.kind === "rank" ? rank : dense);
    }
    return;
  }
  if (o.kind === "shift") {
    for (let i = 0; i < n; i++) {
      const src = part[i + (o.by as number)];
      set(
        i,
        yield* evaluated(defer, () => {
          vars.root = src ?? part[i];
          return src ? (o.arg as Evaluator)(src, vars) : (o.def as Evaluator)(part[i], vars);
        }),
      );
    }
    return;
  }
  const ys: unknown[] = [];
  for (const d of part) {
    ys.push(
      yield* evaluated(defer, () => {
        vars.root = d;
        return (o.arg as Evaluator)(d, vars);
      }),
    );
  }
  const resultOf = (st: AccState) => evaluated(defer, () => st.result());
  if (o.kind === "expMovingAvg" || o.kind === "locf" || o.kind === "linearFill") {
    const r = o.kind === "expMovingAvg"
      ? expMovingAvg(ys, o.alpha as number)
      : o.kind === "locf"
      ? locf(ys)
      : linearFill(part.map(keyOf), ys);
    r.forEach((v, i) => set(i, v));
    return;
  }
  const w = o.window;
  const ranges = windowRanges(w, part, keyOf, n);
  if (o.kind === "derivative" || o.kind === "integral") {
    const xs = part.map((d) => xOf(keyOf(d), o.unitMs, o.op));
    for (let i = 0; i < n; i++) {
      const [from, to] = ranges(i);
      set(i, o.kind === "derivative" ? derivative(xs, ys, from, to) : integral(xs, ys, from, to));
    }
    return;
  }
  const make = o.make as () => AccState;
  if (!w || (w.lo === "unbounded" && w.hi === "unbounded")) {
    const st = make();
    for (const y of ys) st.add(y);
    const r = yield* resultOf(st);
    for (let i = 0; i < n; i++) set(i, snapshot(r));
    return;
  }
  if (w.lo === "unbounded" && (w.type === "documents" || key?.direction === 1)) {
    // Windows that all start at the partition's start end at non-decreasing positions: fold once.
    const st = make();
    let added = 0;
    let empty = true;
    for (let i = 0; i < n; i++) {
      const [, to] = ranges(i);
      while (added <= Math.min(n - 1, to)) {
        st.add(ys[added]);
        added++;
        empty = false;
      }
      set(i, empty ? yield* resultOf(make()) : snapshot(yield* resultOf(st)));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const [from, to] = ranges(i);
    const st = make();
    for (let j = Math.max(0, from); j <= Math.min(n - 1, to); j++) st.add(ys[j]);
    set(i, yield* resultOf(st));
  }
}

/** The [from, to] positions (inclusive; empty when to < from) of each document's window. */
function windowRanges(
  w: Window | undefined,
  part: Document[],
  keyOf: (d: Document) => unknown,
  n: number,
): (i: number) => [number, number] {
  if (!w) return () => [0, n - 1];
  if (w.type === "documents") {
    return (i) => [
      w.lo === "unbounded" ? 0 : w.lo === "current" ? i : Math.max(0, i + w.lo),
      w.hi === "unbounded" ? n - 1 : w.hi === "current" ? i : Math.min(n - 1, i + w.hi),
    ];
  }
  const unit = w.unit;
  const keys = part.map((d) => {
    const v = keyOf(d);
    if (unit !== undefined) {
      if (v instanceof Date) return v.getTime();
      throw new CommandError(
        Location.WindowRangeSortByNotNumber,
        `Invalid range: Expected the sortBy field to be a Date, but it was ${typeName(v)}`,
      );
    }
    if (numKind(v)) return toDouble(v);
    throw new CommandError(
      Location.WindowRangeSortByNotNumber,
      `Invalid range: Expected the sortBy field to be a number, but it was ${typeName(v)}`,
    );
  });
  const shift = (k: number, by: number) => (unit === undefined ? k + by : dateAdd(k, unit, by, UTC));
  // Keys are sorted (ascending or descending by the sortBy direction): find bounds by scanning.
  return (i) => {
    const k = keys[i] as number;
    const lo = w.lo === "unbounded" ? -Infinity : w.lo === "current" ? k : shift(k, w.lo);
    const hi = w.hi === "unbounded" ? Infinity : w.hi === "current" ? k : shift(k, w.hi);
    let from = n;
    let to = -1;
    for (let j = 0; j < n; j++) {
      const x = keys[j] as number;
      if (x >= lo && x <= hi) {
        if (j < from) from = j;
        to = j;
      }
    }
    return [from, to];
  };
}
