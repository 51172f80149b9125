/**
 * stages_window.ts — `$setWindowFields` (basic): `partitionBy`, `sortBy`, and `output` fields using
 * the accumulators (`$sum $avg $min $max $count $push $addToSet $first $last $stdDevPop
 * $stdDevSamp $mergeObjects`) over a `window` of `documents: [lo, hi]` or `range: [lo, hi]` (numeric
 * sort values, or dates with a fixed-length `unit`), plus `$rank`, `$denseRank`, `$documentNumber`
 * and `$shift`. The default window is the whole partition. Output is sorted by partition then
 * `sortBy`, as mongod's desugaring does. Not implemented: `$derivative`, `$integral`,
 * `$expMovingAvg`, `$linearFill`, `$locf`, calendar range units.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues } from "../../bson/compare.ts";
import { compileSort, parseSortSpec, sortKeyOf } from "../sort/sort.ts";
import { isObj } from "../expression/compile.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { typeName } from "../expression/coerce.ts";
import type { Evaluator } from "../expression/types.ts";
import { type AccFactory, type AccState, accumulatorFactory } from "./accumulators.ts";
import type { Document, Stage, StageContext } from "./types.ts";

type Bound = "unbounded" | "current" | number;

interface Window {
  readonly type: "documents" | "range";
  readonly lo: Bound;
  readonly hi: Bound;
  readonly unitMs: number;
}

interface OutputSpec {
  readonly parts: readonly string[];
  readonly kind: "acc" | "rank" | "denseRank" | "documentNumber" | "shift";
  readonly make?: AccFactory;
  readonly arg?: Evaluator;
  readonly window?: Window | undefined;
  readonly by?: number;
  readonly def?: Evaluator;
}

const UNIT_MS: Record<string, number> = {
  week: 604_800_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
};

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
  let unitMs = 1;
  for (const [k, x] of Object.entries(v)) {
    if (k === "documents" || k === "range") {
      if (type) {
        throw new CommandError(
          "FailedToParse",
          "Window bounds can specify either 'documents' or 'unit', not both.",
        );
      }
      type = k;
      bounds = x;
    } else if (k === "unit") {
      const ms = typeof x === "string" ? UNIT_MS[x] : undefined;
      if (ms === undefined) {
        throw new CommandError(
          "NotImplemented",
          `range window unit ${String(x)} is not implemented yet in SecantusDB`,
        );
      }
      unitMs = ms;
    } else {throw new CommandError(
        "FailedToParse",
        `'window' field that specifies a window must be one of 'documents', 'range' or 'unit', but found '${k}'`,
      );}
  }
  if (!type || !Array.isArray(bounds) || bounds.length !== 2) {
    throw new CommandError("FailedToParse", "Window bounds must be a 2-element array");
  }
  return { type, lo: parseBound(bounds[0], type), hi: parseBound(bounds[1], type), unitMs };
}

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
      if (window) {
        throw new CommandError(
          Location.WindowFunctionTakesNoWindow,
          `${op} does not accept a 'window' field`,
        );
      }
      return { parts, kind: op.slice(1) as OutputSpec["kind"] };
    case "$shift": {
      if (
        !isObj(arg) || !Object.hasOwn(arg, "output") || !numKind(arg["by"]) ||
        !Number.isInteger(toDouble(arg["by"]))
      ) {
        throw new CommandError("FailedToParse", "$shift requires 'output' and an integral 'by'");
      }
      return {
        parts,
        kind: "shift",
        arg: ctx.env.compile(arg["output"]),
        by: toDouble(arg["by"]),
        def: ctx.env.compile(Object.hasOwn(arg, "default") ? arg["default"] : null),
      };
    }
    case "$count":
      return { parts, kind: "acc", make: accumulatorFactory("$sum", ctx.strCmp), arg: () => 1, window };
    case "$derivative":
    case "$integral":
    case "$expMovingAvg":
    case "$linearFill":
    case "$locf":
    case "$covariancePop":
    case "$covarianceSamp":
      throw new CommandError("NotImplemented", `${op} is not implemented yet in SecantusDB`);
    default: {
      let make: AccFactory;
      try {
        make = accumulatorFactory(op, ctx.strCmp);
      } catch {
        throw new CommandError("FailedToParse", `Unrecognized window function, ${op}`);
      }
      return { parts, kind: "acc", make, arg: ctx.env.compile(arg), window };
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
    } else {throw new CommandError(
        "IDLUnknownField",
        `BSON field '$setWindowFields.${k}' is an unknown field.`,
      );}
  }
  if (!outputs) {
    throw new CommandError(
      "IDLFailedToParse",
      "BSON field '$setWindowFields.output' is missing but a required field",
    );
  }
  const sortKeys = sortBy ? parseSortSpec(sortBy) : [];
  for (const o of outputs) {
    if ((o.kind === "rank" || o.kind === "denseRank") && sortKeys.length !== 1) {
      throw new CommandError(
        Location.WindowFunctionNeedsOneSortByField,
        `$${o.kind} must be specified with a top level sortBy expression with exactly one element`,
      );
    }
    if (o.window?.type === "range" && sortKeys.length !== 1) {
      throw new CommandError(
        Location.WindowRangeNeedsOneSortByField,
        "Range-based window require sortBy a single field",
      );
    }
    if (
      (o.kind === "shift" || o.kind === "documentNumber" || o.window?.type === "documents") &&
      sortKeys.length === 0
    ) {
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
  return {
    name,
    *run(input) {
      const vars = ctx.env.newVars();
      const rows = [...input].map((d, i) => {
        vars.root = d;
        const p = partition ? partition(d, vars) : null;
        return { d, i, p: p === undefined ? null : p };
      });
      rows.sort((a, b) => compareValues(a.p, b.p, strCmp) || cmp(a.d, b.d) || a.i - b.i);
      let start = 0;
      while (start < rows.length) {
        let end = start + 1;
        while (end < rows.length && compareValues(rows[end]?.p, rows[start]?.p, strCmp) === 0) end++;
        const part = rows.slice(start, end).map((r) => r.d);
        const out = part.map((d) => ({ ...d }));
        for (const o of outs) computeOutput(o, part, out, sortKeys[0], ctx, strCmp);
        yield* out;
        start = end;
      }
    },
  };
}

function computeOutput(
  o: OutputSpec,
  part: Document[],
  out: Document[],
  key: { parts: readonly string[]; direction: 1 | -1 } | undefined,
  ctx: StageContext,
  strCmp: StageContext["strCmp"],
): void {
  const vars = ctx.env.newVars();
  const keyOf = (d: Document) => (key ? sortKeyOf(d, key.parts, key.direction, strCmp) : null);
  const n = part.length;
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
      setNested(
        out[i] as Document,
        o.parts,
        0,
        o.kind === "documentNumber" ? i + 1 : o.kind === "rank" ? rank : dense,
      );
    }
    return;
  }
  if (o.kind === "shift") {
    for (let i = 0; i < n; i++) {
      const j = i + (o.by as number);
      const src = part[j];
      let v: unknown;
      if (src) {
        vars.root = src;
        v = (o.arg as Evaluator)(src, vars);
      } else {
        vars.root = part[i];
        v = (o.def as Evaluator)(part[i], vars);
      }
      setNested(out[i] as Document, o.parts, 0, v === undefined ? null : v);
    }
    return;
  }
  const vals = part.map((d) => {
    vars.root = d;
    return (o.arg as Evaluator)(d, vars);
  });
  const w = o.window;
  const numKey = (d: Document) => {
    const v = keyOf(d);
    if (v instanceof Date) return v.getTime();
    if (numKind(v)) return toDouble(v);
    throw new CommandError(
      Location.WindowRangeSortByNotNumber,
      `Invalid range: Expected the sortBy field to be a number, but it was ${typeName(v)}`,
    );
  };
  const keys = w?.type === "range" ? part.map(numKey) : [];
  for (let i = 0; i < n; i++) {
    let from = 0;
    let to = n - 1;
    if (w?.type === "documents") {
      from = w.lo === "unbounded" ? 0 : w.lo === "current" ? i : i + w.lo;
      to = w.hi === "unbounded" ? n - 1 : w.hi === "current" ? i : i + w.hi;
    } else if (w?.type === "range") {
      const k = keys[i] as number;
      const lo = w.lo === "unbounded" ? -Infinity : w.lo === "current" ? k : k + w.lo * w.unitMs;
      const hi = w.hi === "unbounded" ? Infinity : w.hi === "current" ? k : k + w.hi * w.unitMs;
      from = n;
      to = -1;
      for (let j = 0; j < n; j++) {
        const x = keys[j] as number;
        if (x >= lo && x <= hi) {
          from = Math.min(from, j);
          to = Math.max(to, j);
        }
      }
    }
    const st: AccState = (o.make as AccFactory)();
    for (let j = Math.max(0, from); j <= Math.min(n - 1, to); j++) st.add(vals[j]);
    setNested(out[i] as Document, o.parts, 0, st.result());
  }
}
