/**
 * accumulators.ts — `$group` accumulators: `$sum $avg $min $max $first $last $push $addToSet
 * $count $mergeObjects $stdDevPop $stdDevSamp`. Each is a factory of per-group state objects with
 * `add(value)` and `result()`; the argument expression is evaluated by the caller.
 *
 * `$sum`/`$avg` follow mongod's widening: int sums overflow to long, long to double; any double makes
 * the result a double (compensated summation); any decimal makes it a decimal. Non-numeric values
 * are ignored. `$min`/`$max` ignore null and missing; `$push`/`$addToSet` skip missing.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { compareValues, type StringComparator, valuesEqual } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { type Dec, decAdd, decDiv, fromDec, toDec } from "../expression/decimal.ts";
import { makeDouble, numKind, toBig, toDouble } from "../expression/numeric.ts";
import { valueKey } from "./group_key.ts";

export interface AccState {
  add(v: unknown): void;
  result(): unknown;
}

export type AccFactory = () => AccState;

/** Exact-ish running sum with mongod's result typing. */
export class NumericSum {
  count = 0;
  #kind: 0 | 1 | 2 | 3 = 0; // int, long, double, decimal
  #int = 0; // integer part while safe
  #big: bigint | undefined;
  #dbl = 0;
  #comp = 0;
  #dec: Dec | undefined;

  add(v: unknown): void {
    if (typeof v === "number") {
      this.count++;
      if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && !Object.is(v, -0)) {
        const s = this.#int + v;
        if (Number.isSafeInteger(s)) this.#int = s;
        else {
          this.#big = (this.#big ?? 0n) + BigInt(this.#int) + BigInt(v);
          this.#int = 0;
        }
      } else this.#addDouble(v);
      return;
    }
    const k = numKind(v);
    if (k === undefined) return;
    this.count++;
    switch (k) {
      case "int":
      case "long":
        if (k === "long" && this.#kind < 1) this.#kind = 1;
        this.#big = (this.#big ?? 0n) + toBig(v);
        return;
      case "double":
        this.#addDouble(toDouble(v));
        return;
      default:
        this.#kind = 3;
        this.#dec = this.#dec ? decAdd(this.#dec, toDec(v)) : toDec(v);
    }
  }

  #addDouble(v: number): void {
    if (this.#kind < 2) this.#kind = 2;
    const y = v - this.#comp;
    const t = this.#dbl + y;
    if (Number.isFinite(t)) {
      this.#comp = (t - this.#dbl) - y;
      this.#dbl = t;
    } else {
      this.#dbl += v;
      this.#comp = 0;
    }
  }

  #intTotal(): bigint {
    return (this.#big ?? 0n) + BigInt(this.#int);
  }

  /** The sum with mongod's type. */
  result(): unknown {
    switch (this.#kind) {
      case 0:
      case 1: {
        const t = this.#big === undefined ? this.#int : this.#intTotal();
        if (typeof t === "number") {
          if (this.#kind === 0 && t >= -2147483648 && t <= 2147483647) return t;
          return Long.fromNumber(t);
        }
        if (this.#kind === 0 && t >= -2147483648n && t <= 2147483647n) return Number(t);
        if (t >= -(2n ** 63n) && t < 2n ** 63n) return Long.fromBigInt(t);
        return makeDouble(Number(t));
      }
      case 2:
        return makeDouble(this.#double());
      default:
        return fromDec(this.decimal());
    }
  }

  #double(): number {
    return Number(this.#intTotal()) + this.#dbl;
  }

  /** The total as a decimal. */
  decimal(): Dec {
    let d = toDec(Long.fromBigInt(this.#intTotal()));
    if (this.#kind >= 2 && this.#dbl !== 0) d = decAdd(d, toDec(this.#dbl));
    return this.#dec ? decAdd(d, this.#dec) : d;
  }

  /** Mean of the added numbers (null if none). */
  average(): unknown {
    if (this.count === 0) return null;
    if (this.#kind === 3) return fromDec(decDiv(this.decimal(), toDec(this.count)));
    return makeDouble(this.#double() / this.count);
  }
}

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
                40400,
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
      throw new CommandError(15952, `unknown group operator '${op}'`);
  }
}
