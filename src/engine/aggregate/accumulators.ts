/**
 * accumulators.ts — `$group` accumulators: `$sum $avg $min $max $first $last $push $addToSet
 * $count $mergeObjects $stdDevPop $stdDevSamp`. Each is a factory of per-group state objects with
 * `add(value)` and `result()`; the argument expression is evaluated by the caller.
 *
 * `$sum`/`$avg` follow mongod's widening: int sums overflow to long, long to double; any double makes
 * the result a double (compensated summation); any decimal makes it a decimal. Non-numeric values
 * are ignored. `$min`/`$max` ignore null and missing; `$push`/`$addToSet` skip missing.
 * `$push`/`$addToSet` count the approximate size of what they hold and refuse past mongod's 100 MiB
 * (146 ExceededMemoryLimit, mongod's wording) instead of growing until the process runs out of heap.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues, type StringComparator, valuesEqual } from "../../bson/compare.ts";
import { isDocument, isNullish } from "../../bson/values.ts";
import { Double } from "bson";
import { makeDouble, numKind, toDouble } from "../expression/numeric.ts";
import { NumericSum } from "../expression/numeric_sum.ts";
import { valueKey } from "./group_key.ts";
import { approxValueSize } from "./value_size.ts";
import { MAX_ADD_TO_SET_BYTES, MAX_PUSH_BYTES } from "../../limits.ts";

/** Adds `bytes` to a running total; throws mongod's 146 when it passes `limit`. */
function charge(op: string, used: number, bytes: number, limit: number): number {
  const total = used + bytes;
  if (total > limit) {
    throw new CommandError(
      "ExceededMemoryLimit",
      `${op} used too much memory and cannot spill to disk. Memory limit: ${limit} bytes`,
    );
  }
  return total;
}

export interface AccState {
  add(v: unknown): void;
  result(): unknown;
  /**
   * `$accumulator` with a deferrable host: folds the queued calls once they pass the queue's bound (a
   * call, so the stage runs it in rounds, js_defer.ts); `add` then never calls JavaScript itself.
   */
  settle?(): void;
  /**
   * The running state as a BSON value, exactly (a spilled `$group` writes it to a run and drops the
   * group); absent when the accumulator cannot be written out (the group then keeps its groups).
   */
  save?(): unknown;
  /** Continues from a `save()` (decoded from BSON) instead of the empty state: called once, first. */
  load?(saved: unknown): void;
}

/** A number saved as BSON (int32, a double or a `Double`) back as a JS number. */
export function savedNumber(v: unknown): number {
  return typeof v === "number" ? v : Number((v as { valueOf(): unknown }).valueOf());
}

export type AccFactory = () => AccState;

function minMax(sign: 1 | -1, strCmp: StringComparator | undefined): AccFactory {
  return () => {
    let best: unknown = undefined;
    return {
      add(v) {
        if (isNullish(v)) return;
        if (best === undefined || compareValues(v, best, strCmp) * sign > 0) best = v;
      },
      result: () => (best === undefined ? null : best),
      save: () => (best === undefined ? [] : [best]),
      load(saved) {
        const a = saved as unknown[];
        if (a.length > 0) best = a[0];
      },
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
      save: () => [n, new Double(mean), new Double(m2)],
      load(saved) {
        const a = saved as unknown[];
        [n, mean, m2] = [savedNumber(a[0]), savedNumber(a[1]), savedNumber(a[2])];
      },
    };
  };
}

/** Memory limits of the collecting accumulators, in approximate bytes (injectable for tests). */
export interface AccLimits {
  readonly pushBytes: number;
  readonly addToSetBytes: number;
}

const DEFAULT_LIMITS: AccLimits = { pushBytes: MAX_PUSH_BYTES, addToSetBytes: MAX_ADD_TO_SET_BYTES };

/** Builds the factory of an accumulator, validating its name. */
export function accumulatorFactory(
  op: string,
  strCmp: StringComparator | undefined,
  limits: AccLimits = DEFAULT_LIMITS,
): AccFactory {
  switch (op) {
    case "$sum":
    case "$count":
      return () => {
        let s = new NumericSum();
        return {
          add: (v) => s.add(v),
          result: () => s.result(),
          save: () => s.saveState(),
          load: (saved) => void (s = NumericSum.fromState(saved)),
        };
      };
    case "$avg":
      return () => {
        let s = new NumericSum();
        return {
          add: (v) => s.add(v),
          result: () => s.average(),
          save: () => s.saveState(),
          load: (saved) => void (s = NumericSum.fromState(saved)),
        };
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
          save: () => [seen, first],
          load(saved) {
            [seen, first] = saved as [boolean, unknown];
          },
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
          save: () => [last],
          load(saved) {
            last = (saved as unknown[])[0];
          },
        };
      };
    case "$push":
      return () => {
        let out: unknown[] = [];
        let used = 0;
        return {
          add(v) {
            if (v === undefined) return;
            used = charge("$push", used, approxValueSize(v), limits.pushBytes);
            out.push(v);
          },
          result: () => out,
          save: () => [used, out],
          load(saved) {
            const a = saved as unknown[];
            used = savedNumber(a[0]);
            out = a[1] as unknown[];
          },
        };
      };
    case "$addToSet":
      return () => {
        let out: unknown[] = [];
        const keys = new Set<string>();
        let used = 0;
        const keep = (v: unknown) => {
          used = charge("$addToSet", used, approxValueSize(v), limits.addToSetBytes);
          out.push(v);
        };
        return {
          add(v) {
            if (v === undefined) return;
            if (strCmp) {
              if (!out.some((x) => valuesEqual(x, v, strCmp))) keep(v);
              return;
            }
            const k = valueKey(v);
            if (!keys.has(k)) {
              keys.add(k);
              keep(v);
            }
          },
          result: () => out,
          save: () => [used, out],
          load(saved) {
            const a = saved as unknown[];
            used = savedNumber(a[0]);
            out = a[1] as unknown[];
            if (!strCmp) { for (const x of out) keys.add(valueKey(x)); }
          },
        };
      };
    case "$mergeObjects":
      return () => {
        let out: Record<string, unknown> = {};
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
          save: () => [out],
          load(saved) {
            out = (saved as unknown[])[0] as Record<string, unknown>;
          },
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
