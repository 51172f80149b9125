/**
 * stages_densify_fill.ts — `$densify` and `$fill`.
 *
 * `$densify {field, partitionByFields?, range: {step, unit?, bounds}}`: within each partition (documents
 * sorted by `field`) adds documents `{field: v, <partition fields>}` for every value on the grid
 * `lo, lo + step, …` that no document has: `bounds: [lo, hi]` (hi excluded; documents outside are
 * kept), `"full"` (lo/hi = the smallest/largest value of all documents) or `"partition"` (of each
 * partition). Numbers step without `unit`; dates need a `unit` (integral step, calendar units
 * included). Documents whose field is null or missing pass through first, unchanged. Output is sorted
 * by the partition fields then `field`, as mongod's desugaring sorts.
 *
 * `$fill {partitionBy? | partitionByFields?, sortBy?, output: {f: {value: expr} | {method: "locf" |
 * "linear"}}}` desugars as mongod does: a `$setWindowFields` with `$locf` / `$linearFill` for the
 * methods, then an `$addFields` with `$ifNull` for the values.
 */
import { CommandError } from "../../errors/command_error.ts";
import { compareValues } from "../../bson/compare.ts";
import { splitPath } from "../path/field_path.ts";
import { getPath } from "../path/mod.ts";
import { isObj, parseFieldPath } from "../expression/compile.ts";
import { typeName } from "../expression/coerce.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { dateAdd } from "../expression/ops_date_math.ts";
import { UTC } from "../expression/timezone.ts";
import { PAUSE } from "./pause.ts";
import { setPath } from "./set_path.ts";
import { CALENDAR_UNITS, UNIT_MS } from "./window_functions.ts";
import type { Document, Stage, StageContext } from "./types.ts";

interface DensifyRange {
  readonly step: number;
  readonly unit: string | undefined;
  readonly bounds: "full" | "partition" | [unknown, unknown];
}

function parseRange(v: unknown): DensifyRange {
  if (!isObj(v)) throw new CommandError("FailedToParse", "$densify 'range' must be an object");
  let step: number | undefined;
  let unit: string | undefined;
  let bounds: DensifyRange["bounds"] | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k === "step") {
      if (numKind(x) === undefined || !(toDouble(x) > 0)) {
        throw new CommandError(
          "FailedToParse",
          "the step parameter in a range statement must be a strictly positive numeric value",
        );
      }
      step = toDouble(x);
    } else if (k === "unit") {
      if (typeof x !== "string" || (UNIT_MS[x] === undefined && !CALENDAR_UNITS.has(x))) {
        throw new CommandError("FailedToParse", `unknown time unit value: ${String(x)}`);
      }
      unit = x;
    } else if (k === "bounds") {
      if (x === "full" || x === "partition") bounds = x;
      else if (Array.isArray(x) && x.length === 2) {
        const [lo, hi] = x;
        const numeric = numKind(lo) !== undefined && numKind(hi) !== undefined;
        const dates = lo instanceof Date && hi instanceof Date;
        if (!numeric && !dates) {
          throw new CommandError(
            "FailedToParse",
            "a bounding array in a range statement must contain two numerics or two dates",
          );
        }
        if (compareValues(lo, hi) > 0) {
          throw new CommandError(
            "FailedToParse",
            "the lower bound in a range statement must be less than or equal to the upper bound",
          );
        }
        bounds = [lo, hi];
      } else {
        throw new CommandError(
          "FailedToParse",
          "the bounds in a range statement must be the string 'full', 'partition', or an ascending array of two numbers or two dates",
        );
      }
    } else throw new CommandError("IDLUnknownField", `BSON field '$densify.range.${k}' is an unknown field.`);
  }
  if (step === undefined || bounds === undefined) {
    throw new CommandError("IDLFailedToParse", "BSON field '$densify.range.step' and 'bounds' are required");
  }
  if (unit !== undefined && !Number.isInteger(step)) {
    throw new CommandError(
      "FailedToParse",
      "The step parameter in a range statement must be a whole number when densifying a date range",
    );
  }
  if (Array.isArray(bounds)) {
    const isDate = bounds[0] instanceof Date;
    if (isDate !== (unit !== undefined)) {
      throw new CommandError(
        "FailedToParse",
        isDate
          ? "A bounding array of dates requires a 'unit'"
          : "A bounding array of numbers must not have a 'unit'",
      );
    }
  }
  return { step, unit, bounds };
}

export function compileDensify(spec: unknown, _ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      "FailedToParse",
      `The $densify stage specification must be an object, found ${typeName(spec)}`,
    );
  }
  let field: string | undefined;
  let partitionFields: string[] = [];
  let range: DensifyRange | undefined;
  for (const [k, v] of Object.entries(spec)) {
    if (k === "field") {
      if (typeof v !== "string") {
        throw new CommandError("TypeMismatch", "BSON field '$densify.field' is the wrong type");
      }
      parseFieldPath(v);
      field = v;
    } else if (k === "partitionByFields") {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
        throw new CommandError(
          "TypeMismatch",
          "BSON field '$densify.partitionByFields' must be an array of strings",
        );
      }
      v.forEach((x) => parseFieldPath(x as string));
      partitionFields = v as string[];
    } else if (k === "range") range = parseRange(v);
    else throw new CommandError("IDLUnknownField", `BSON field '$densify.${k}' is an unknown field.`);
  }
  if (field === undefined) {
    throw new CommandError("IDLFailedToParse", "BSON field '$densify.field' is missing but a required field");
  }
  if (range === undefined) {
    throw new CommandError("IDLFailedToParse", "BSON field '$densify.range' is missing but a required field");
  }
  if (partitionFields.includes(field)) {
    throw new CommandError("FailedToParse", "The densify field cannot be one of the partitionByFields");
  }
  const fieldParts = splitPath(field);
  const partParts = partitionFields.map(splitPath);
  const r = range;
  return {
    name,
    pauses: true,
    *run(input) {
      const unkeyed: Document[] = [];
      const rows: { d: Document; v: unknown; p: unknown[]; i: number }[] = [];
      for (const d of input) {
        if (d === PAUSE) {
          yield d;
          continue;
        }
        const v = getPath(d, fieldParts);
        if (v === null || v === undefined) {
          unkeyed.push(d);
          continue;
        }
        checkValue(v, r);
        rows.push({ d, v, p: partParts.map((pp) => getPath(d, pp) ?? null), i: rows.length });
      }
      yield* unkeyed;
      const cmpParts = (a: unknown[], b: unknown[]) => {
        for (let i = 0; i < a.length; i++) {
          const c = compareValues(a[i], b[i]);
          if (c !== 0) return c;
        }
        return 0;
      };
      rows.sort((a, b) => cmpParts(a.p, b.p) || compareValues(a.v, b.v) || a.i - b.i);
      const num = (v: unknown) => (v instanceof Date ? v.getTime() : toDouble(v));
      let fullLo: number | undefined;
      let fullHi: number | undefined;
      for (const row of rows) {
        const x = num(row.v);
        if (fullLo === undefined || x < fullLo) fullLo = x;
        if (fullHi === undefined || x > fullHi) fullHi = x;
      }
      const isDate = r.unit !== undefined;
      const next = (x: number) => (isDate ? dateAdd(x, r.unit as string, r.step, UTC) : x + r.step);
      const make = (x: number, p: unknown[]): Document => {
        const out: Document = {};
        partParts.forEach((pp, i) => setPath(out, pp, p[i]));
        setPath(out, fieldParts, isDate ? new Date(x) : x);
        return out;
      };
      let start = 0;
      while (start < rows.length) {
        let end = start + 1;
        while (end < rows.length && cmpParts(rows[end]!.p, rows[start]!.p) === 0) end++;
        const p = rows[start]!.p;
        let lo: number;
        let hi: number;
        let hiInclusive = false;
        if (r.bounds === "full") [lo, hi, hiInclusive] = [fullLo!, fullHi!, true];
        else if (r.bounds === "partition") {
          [lo, hi, hiInclusive] = [num(rows[start]!.v), num(rows[end - 1]!.v), true];
        } else [lo, hi] = [num(r.bounds[0]), num(r.bounds[1])];
        const inRange = (x: number) => x >= lo && (hiInclusive ? x <= hi : x < hi);
        let g = lo; // next grid value to emit
        for (let i = start; i < end; i++) {
          const row = rows[i]!;
          const x = num(row.v);
          while (inRange(g) && g < x) {
            yield make(g, p);
            g = next(g);
          }
          if (g === x) g = next(g);
          yield row.d;
        }
        while (inRange(g)) {
          yield make(g, p);
          g = next(g);
        }
        start = end;
      }
    },
  };
}

function checkValue(v: unknown, r: DensifyRange): void {
  if (r.unit !== undefined) {
    if (!(v instanceof Date)) {
      throw new CommandError(
        "TypeMismatch",
        `Densify field type must be a date when 'unit' is given, found ${typeName(v)}`,
      );
    }
    return;
  }
  if (numKind(v) === undefined) {
    throw new CommandError(
      "TypeMismatch",
      v instanceof Date
        ? "Encountered date field value but no unit was given for $densify"
        : `Densify field type must be numeric, found ${typeName(v)}`,
    );
  }
}

export function compileFill(spec: unknown, ctx: StageContext, name: string): Stage[] {
  if (!isObj(spec)) {
    throw new CommandError("FailedToParse", `$fill specification must be an object, found ${typeName(spec)}`);
  }
  let partitionBy: unknown;
  let sortBy: unknown;
  let output: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(spec)) {
    if (k === "partitionBy") partitionBy = v;
    else if (k === "partitionByFields") {
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
        throw new CommandError(
          "TypeMismatch",
          "BSON field '$fill.partitionByFields' must be an array of strings",
        );
      }
      const p: Record<string, unknown> = {};
      for (const f of v as string[]) {
        parseFieldPath(f);
        p[f.replaceAll(".", "_")] = `$${f}`;
      }
      if (partitionBy !== undefined) {
        throw new CommandError(
          "FailedToParse",
          "Only one of 'partitionBy' and 'partitionByFields' can be specified",
        );
      }
      partitionBy = p;
    } else if (k === "sortBy") sortBy = v;
    else if (k === "output") {
      if (!isObj(v)) throw new CommandError("TypeMismatch", "BSON field '$fill.output' must be an object");
      output = v;
    } else throw new CommandError("IDLUnknownField", `BSON field '$fill.${k}' is an unknown field.`);
  }
  if (!output) {
    throw new CommandError("IDLFailedToParse", "BSON field '$fill.output' is missing but a required field");
  }
  const windowOut: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const [f, o] of Object.entries(output)) {
    if (!isObj(o) || Object.keys(o).length !== 1) {
      throw new CommandError(
        "FailedToParse",
        "Exactly one of 'value' or 'method' must be specified in a $fill output field",
      );
    }
    if (Object.hasOwn(o, "value")) values[f] = { $ifNull: [`$${f}`, o["value"]] };
    else if (Object.hasOwn(o, "method")) {
      const m = o["method"];
      if (m === "locf") windowOut[f] = { $locf: `$${f}` };
      else if (m === "linear") {
        if (!isObj(sortBy) || Object.keys(sortBy).length !== 1) {
          throw new CommandError("FailedToParse", "Linear fill requires a single sort field");
        }
        windowOut[f] = { $linearFill: `$${f}` };
      } else {
        throw new CommandError(
          "FailedToParse",
          `Method must be either 'locf' or 'linear', found ${String(m)}`,
        );
      }
    } else {
      throw new CommandError(
        "FailedToParse",
        "Exactly one of 'value' or 'method' must be specified in a $fill output field",
      );
    }
  }
  const stages: unknown[] = [];
  if (Object.keys(windowOut).length > 0) {
    stages.push({
      $setWindowFields: {
        ...(partitionBy !== undefined ? { partitionBy } : {}),
        ...(sortBy !== undefined ? { sortBy } : {}),
        output: windowOut,
      },
    });
  } else if (sortBy !== undefined) stages.push({ $sort: sortBy });
  if (Object.keys(values).length > 0) stages.push({ $addFields: values });
  return ctx.subPipeline(stages).map((s) => ({ ...s, name }));
}
