/**
 * window_functions.ts — the window functions of `$setWindowFields` that are not accumulators over a
 * window: `$derivative`, `$integral` (over a window, by the single `sortBy` field, optional time
 * `unit`), `$expMovingAvg` (`N` or `alpha`), `$linearFill`, `$locf`, and the window accumulators
 * `$covariancePop`/`$covarianceSamp` (not `$group` accumulators in mongod). Each computes the outputs
 * of one partition (`part` in sort order) from the argument values `ys` and sort keys `xs`. Pure.
 */
import { CommandError } from "../../errors/command_error.ts";
import { makeDouble, numKind, toDouble } from "../expression/numeric.ts";
import type { AccState } from "./accumulators.ts";

/** Fixed-length time units (ms). */
export const UNIT_MS: Readonly<Record<string, number>> = {
  week: 604_800_000,
  day: 86_400_000,
  hour: 3_600_000,
  minute: 60_000,
  second: 1000,
  millisecond: 1,
};

/** Calendar units allowed in range windows (beside the fixed ones). */
export const CALENDAR_UNITS: ReadonlySet<string> = new Set(["year", "quarter", "month"]);

const isNum = (v: unknown) => numKind(v) !== undefined;

/** The x value of a sort key for $derivative/$integral: a date needs a unit, a number must have none. */
export function xOf(v: unknown, unitMs: number | undefined, op: string): number {
  if (unitMs !== undefined) {
    if (!(v instanceof Date)) {
      throw new CommandError(
        "BadValue",
        `${op} with unit expects the sortBy field to be a Date, but it was ${
          typeof v === "object" ? "non-date" : typeof v
        }`,
      );
    }
    return v.getTime() / unitMs;
  }
  if (v instanceof Date) {
    throw new CommandError("BadValue", `${op} where the sortBy is a Date requires an 'unit'`);
  }
  if (!isNum(v)) throw new CommandError("BadValue", `${op} expects the sortBy field to be numeric or a date`);
  return toDouble(v);
}

/** `$derivative` over [from, to]: (y_last − y_first) / (x_last − x_first); null with fewer than 2 points. */
export function derivative(xs: number[], ys: unknown[], from: number, to: number): unknown {
  if (to <= from) return null;
  const y0 = ys[from];
  const y1 = ys[to];
  if (!isNum(y0) || !isNum(y1)) return null;
  const dx = (xs[to] as number) - (xs[from] as number);
  if (dx === 0) return null;
  return makeDouble((toDouble(y1) - toDouble(y0)) / dx);
}

/** `$integral` over [from, to] by the trapezoidal rule; 0 for one point, null for none. */
export function integral(xs: number[], ys: unknown[], from: number, to: number): unknown {
  if (to < from) return null;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const a = ys[i];
    const b = ys[i + 1];
    if (!isNum(a) || !isNum(b)) continue;
    sum += ((xs[i + 1] as number) - (xs[i] as number)) * (toDouble(a) + toDouble(b)) / 2;
  }
  return makeDouble(sum);
}

/** `$expMovingAvg`: the running average after each document (non-numeric inputs leave it as is). */
export function expMovingAvg(ys: unknown[], alpha: number): unknown[] {
  let avg: number | undefined;
  return ys.map((y) => {
    if (isNum(y)) {
      const v = toDouble(y);
      avg = avg === undefined ? v : alpha * v + (1 - alpha) * avg;
    }
    return avg === undefined ? null : makeDouble(avg);
  });
}

/** `$locf`: each null/missing value replaced by the last non-null one before it. */
export function locf(ys: unknown[]): unknown[] {
  let last: unknown = null;
  return ys.map((y) => {
    if (y !== null && y !== undefined) last = y;
    return last;
  });
}

/** `$linearFill`: nulls between two numbers interpolated along the (numeric or date) sort key. */
export function linearFill(xs: unknown[], ys: unknown[]): unknown[] {
  const out: unknown[] = ys.map((y) => (y === undefined ? null : y));
  const x = (i: number) => {
    const v = xs[i];
    if (v instanceof Date) return v.getTime();
    if (isNum(v)) return toDouble(v);
    throw new CommandError(
      "TypeMismatch",
      "$linearFill requires the sortBy field to be numeric or a date",
    );
  };
  let prev = -1;
  for (let i = 0; i < out.length; i++) {
    const y = out[i];
    if (y === null) continue;
    if (!isNum(y)) {
      throw new CommandError("TypeMismatch", "$linearFill only supports numeric types");
    }
    if (prev >= 0 && i - prev > 1) {
      const x0 = x(prev);
      const x1 = x(i);
      const y0 = toDouble(out[prev]);
      const y1 = toDouble(y);
      for (let j = prev + 1; j < i; j++) out[j] = makeDouble(y0 + (y1 - y0) * (x(j) - x0) / (x1 - x0));
    }
    prev = i;
  }
  return out;
}

/** `$covariancePop` / `$covarianceSamp` over `[x, y]` pairs (both numeric, else skipped). */
export function covarianceState(sample: boolean): AccState {
  let n = 0;
  let mx = 0;
  let my = 0;
  let c = 0;
  return {
    add(v) {
      if (!Array.isArray(v) || v.length !== 2 || !isNum(v[0]) || !isNum(v[1])) return;
      const x = toDouble(v[0]);
      const y = toDouble(v[1]);
      n++;
      const dx = x - mx;
      mx += dx / n;
      my += (y - my) / n;
      c += dx * (y - my);
    },
    result() {
      const d = sample ? n - 1 : n;
      return d <= 0 ? null : makeDouble(c / d);
    },
  };
}
