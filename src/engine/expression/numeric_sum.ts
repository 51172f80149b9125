/**
 * numeric_sum.ts — `NumericSum`, the running total behind `$sum`/`$avg` (accumulators and the
 * array-form expressions): int sums overflow to long, long to double; any double makes the result a
 * double (compensated summation); any decimal makes it a decimal. Non-numeric values are ignored.
 */
import { Double, Long } from "bson";
import { type Dec, decAdd, decDiv, fromDec, toDec } from "./decimal.ts";
import { makeDouble, numKind, toBig, toDouble } from "./numeric.ts";

/** Exact-ish running sum with mongod's result typing. */
export class NumericSum {
  count = 0;
  #kind: 0 | 1 | 2 | 3 = 0; // int, long, double, decimal
  #int = 0; // integer part while safe
  #big: bigint | undefined;
  #dbl = 0;
  #comp = 0;
  #dec: Dec | undefined;

  /**
   * A sum folded elsewhere (the storage engine's `$group`, storage/api.ts `GroupSumParts`): the exact
   * total of its int32/int64 summands, the widest kind seen (0 int, 1 long, 2 double), the compensated
   * double sum and its compensation after adding the same doubles in the same order as `add`, and
   * the count of numeric summands. Its `result()`/`average()` are those of `add` over the same values.
   */
  static fromParts(p: {
    readonly intTotal: bigint;
    readonly kind: 0 | 1 | 2;
    readonly dbl: number;
    readonly comp: number;
    readonly count: number;
  }): NumericSum {
    const s = new NumericSum();
    s.count = p.count;
    s.#kind = p.kind;
    const n = Number(p.intTotal);
    if (Number.isSafeInteger(n)) s.#int = n;
    else s.#big = p.intTotal;
    s.#dbl = p.dbl;
    s.#comp = p.comp;
    return s;
  }

  /**
   * The running state as BSON values (a spilled `$group` writes it and folds on after `fromState`):
   * `[count, kind, integer total (decimal string), double sum, compensation, decimal or null]`, doubles
   * as `Double` so their bits (-0 too) survive the round trip; a sum of ints and longs within 2^53,
   * the common case, as `[count, total]` (ints) or `[count, total, 1]` (a long among them).
   */
  saveState(): unknown[] {
    if (this.#kind <= 1 && this.#big === undefined) {
      return this.#kind === 0 ? [this.count, this.#int] : [this.count, this.#int, 1];
    }
    const d = this.#dec;
    return [
      this.count,
      this.#kind,
      this.#intTotal().toString(),
      new Double(this.#dbl),
      new Double(this.#comp),
      d === undefined
        ? null
        : d.k === "fin"
        ? [d.neg, d.coeff.toString(), d.exp]
        : d.k === "inf"
        ? [d.neg]
        : [],
    ];
  }

  /** A sum continuing from `saveState()` (decoded from BSON). */
  static fromState(state: unknown): NumericSum {
    const a = state as unknown[];
    const num = (v: unknown) => typeof v === "number" ? v : Number((v as { valueOf(): unknown }).valueOf());
    if (a.length <= 3) {
      const kind = a.length === 3 ? 1 : 0;
      return NumericSum.fromParts({ intTotal: BigInt(num(a[1])), kind, dbl: 0, comp: 0, count: num(a[0]) });
    }
    const s = NumericSum.fromParts({
      intTotal: BigInt(a[2] as string),
      kind: 0,
      dbl: num(a[3]),
      comp: num(a[4]),
      count: num(a[0]),
    });
    s.#kind = num(a[1]) as 0 | 1 | 2 | 3;
    const d = a[5] as unknown[] | null;
    if (d !== null && d !== undefined) {
      s.#dec = d.length === 3
        ? { k: "fin", neg: d[0] as boolean, coeff: BigInt(d[1] as string), exp: num(d[2]) }
        : d.length === 1
        ? { k: "inf", neg: d[0] as boolean }
        : { k: "nan" };
    }
    return s;
  }

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
      case "long": {
        if (k === "long" && this.#kind < 1) this.#kind = 1;
        const n = k === "long" ? (v as Long).toNumber() : NaN;
        const s = this.#int + n;
        if (Number.isSafeInteger(n) && Number.isSafeInteger(s)) this.#int = s;
        else this.#big = (this.#big ?? 0n) + toBig(v);
        return;
      }
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
