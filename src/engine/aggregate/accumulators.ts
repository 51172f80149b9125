/**
 * accumulators.ts — `$group` accumulators: `$sum $avg $min $max $first $last $push $addToSet
 * $count $mergeObjects $stdDevPop $stdDevSamp`. Each is a factory of per-group state objects with
 * `add(value)` and `result()`; the argument expression is evaluated by the caller.
 *
 * `$sum`/`$avg` follow mongod's widening: int sums overflow to long, long to double; any double makes
 * the result a double (compensated summation); any decimal makes it a decimal. Non-numeric values
 * are ignored. `$min`/`$max` ignore null and missing; `$push`/`$addToSet` skip missing.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues, type StringComparator, valuesEqual } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { makeDouble, numKind, toDouble } from "../expression/numeric.ts";
import { NumericSum } from "../expression/numeric_sum.ts";
import { valueKey } from "./group_key.ts";

export interface AccState {
  add(v: unknown): void;
  result(): unknown;
}

export type AccFactory = () => AccState;

function minMax(sign: 1 | -1, strCmp: StringComparator | undefined): AccFactory {
  return () => {
    let best: unknown = undefined;
    return {
      add(v) {
        if (v === undefined || v === null) return;
        if (best === undefined || compareValues(v, best, strCmp) * sign > 0) best = v;
      },
      result: () => (best === undefined ? null : best),
    };
  };
}

function stdDev(sample: boolean): AccFactory {
  return () => {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    return {
      add(v) {
        if (numKind(v) === undefined) return;
        const x = toDouble(v);
        n++;
        const d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
      },
      result() {
        const denom = sample ? n - 1 : n;
        if (denom <= 0) return null;
        return makeDouble(Math.sqrt(m2 / denom));
      },
    };
  };
}

/** Builds the factory of an accumulator, validating its name. */
export function accumulatorFactory(op: string, strCmp: StringComparator | undefined): AccFactory {
  switch (op) {
    case "$sum":
    case "$count":
      return () => {
        const s = new NumericSum();
        return { add: (v) => s.add(v), result: () => s.result() };
      };
    case "$avg":
      return () => {
        const s = new NumericSum();
        return { add: (v) => s.add(v), result: () => s.average() };
      };
    case "$min":
      return minMax(-1, strCmp);
    case "$max":
      return minMax(1, strCmp);
    case "$first":
      return () => {
        let seen = false;
        let first: unknown = null;
        return {
          add(v) {
            if (!seen) {
              seen = true;
              first = v === undefined ? null : v;
            }
          },
          result: () => first,
        };
      };
    case "$last":
      return () => {
        let last: unknown = null;
        return {
          add(v) {
            last = v === undefined ? null : v;
          },
          result: () => last,
        };
      };
    case "$push":
      return () => {
        const out: unknown[] = [];
        return {
          add(v) {
            if (v !== undefined) out.push(v);
          },
          result: () => out,
        };
      };
    case "$addToSet":
      return () => {
        const out: unknown[] = [];
        const keys = new Set<string>();
        return {
          add(v) {
            if (v === undefined) return;
            if (strCmp) {
              if (!out.some((x) => valuesEqual(x, v, strCmp))) out.push(v);
              return;
            }
            const k = valueKey(v);
            if (!keys.has(k)) {
              keys.add(k);
              out.push(v);
            }
          },
          result: () => out,
        };
      };
    case "$mergeObjects":
      return () => {
        const out: Record<string, unknown> = {};
        return {
          add(v) {
            if (v === undefined || v === null) return;
            if (!isDocument(v)) {
              throw new CommandError(
                Location.MergeObjectsInputNotObject,
                `$mergeObjects requires object inputs, but input ${String(v)} is of type ${
                  numKind(v) ?? typeof v
                }`,
              );
            }
            for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = x;
          },
          result: () => out,
        };
      };
    case "$stdDevPop":
      return stdDev(false);
    case "$stdDevSamp":
      return stdDev(true);
    default:
      throw new CommandError(Location.UnknownGroupOperator, `unknown group operator '${op}'`);
  }
}
