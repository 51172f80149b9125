/**
 * arith.ts — `$inc` / `$mul` arithmetic with mongod's numeric type promotion.
 *
 * Result type = the wider operand type (int < long < double < decimal), except that int32 overflow
 * promotes to long and long overflow promotes to double. Because JS numbers hold both int32 and
 * double, a double result that happens to be an integer in int32 range is returned as a bson
 * `Double` wrapper so it is still serialised as a double (see src/bson/values.ts for the read rule).
 * Decimal results are computed exactly and rounded (half-even) to 34 significant digits.
 */
import { Decimal128, Double, Long } from "bson";
import { type ExactNumber, exactOf, isInt32Number, kindOf } from "../../bson/values.ts";

export type NumKind = "int" | "long" | "double" | "decimal";

/** Numeric kind of a value, or undefined for non-numbers. */
export function numKind(v: unknown): NumKind | undefined {
  const k = kindOf(v);
  return k === "int" || k === "long" || k === "double" || k === "decimal" ? k : undefined;
}

const RANK: Record<NumKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toBig(v: unknown): bigint {
  if (typeof v === "number") return BigInt(v);
  if (kindOf(v) === "long") return (v as Long).toBigInt();
  return BigInt(Number((v as { valueOf(): number }).valueOf()));
}

function toNum(v: unknown): number {
  if (typeof v === "number") return v;
  if (kindOf(v) === "long") return (v as Long).toNumber();
  return Number((v as { valueOf(): unknown }).valueOf());
}

/** Wraps a double result so it keeps its BSON type. */
export function asDouble(n: number): unknown {
  return isInt32Number(n) ? new Double(n) : n;
}

/** a + b or a × b with type promotion; both must be numeric. */
export function arith(op: "add" | "mul", a: unknown, b: unknown): unknown {
  const ka = numKind(a) as NumKind;
  const kb = numKind(b) as NumKind;
  const kind = RANK[ka] >= RANK[kb] ? ka : kb;
  switch (kind) {
    case "decimal":
      return decimalArith(op, a, b);
    case "double": {
      const x = toNum(a);
      const y = toNum(b);
      return asDouble(op === "add" ? x + y : x * y);
    }
    default: {
      const x = toBig(a);
      const y = toBig(b);
      const r = op === "add" ? x + y : x * y;
      if (kind === "int" && r >= -2147483648n && r <= 2147483647n) return Number(r);
      if (r >= INT64_MIN && r <= INT64_MAX) return Long.fromBigInt(r);
      return asDouble(Number(r));
    }
  }
}

/** Zero of the same numeric type as `v` (what `$mul` writes to a missing field). */
export function zeroLike(v: unknown): unknown {
  switch (numKind(v)) {
    case "long":
      return Long.fromInt(0);
    case "double":
      return new Double(0);
    case "decimal":
      return Decimal128.fromString("0");
    default:
      return 0;
  }
}

interface Dec {
  num: bigint;
  exp: number;
}

function toDec(e: ExactNumber & { t: "fin" }): Dec {
  let num = e.num;
  let exp = e.p10;
  if (e.p2 > 0) num <<= BigInt(e.p2);
  else if (e.p2 < 0) {
    num *= 5n ** BigInt(-e.p2);
    exp += e.p2;
  }
  return { num, exp };
}

function decimalArith(op: "add" | "mul", a: unknown, b: unknown): Decimal128 {
  const ea = exactOf(a) as ExactNumber;
  const eb = exactOf(b) as ExactNumber;
  if (ea.t !== "fin" || eb.t !== "fin") {
    const x = ea.t === "nan" ? NaN : ea.t === "inf" ? ea.sign * Infinity : 1;
    const y = eb.t === "nan" ? NaN : eb.t === "inf" ? eb.sign * Infinity : 1;
    const xs = ea.t === "fin" ? (ea.num < 0n ? -1 : ea.num > 0n ? 1 : 0) : x;
    const ys = eb.t === "fin" ? (eb.num < 0n ? -1 : eb.num > 0n ? 1 : 0) : y;
    const r = op === "add" ? (ea.t === "fin" ? y : eb.t === "fin" ? x : x + y) : xs * ys;
    return Decimal128.fromString(Number.isNaN(r) ? "NaN" : r > 0 ? "Infinity" : "-Infinity");
  }
  const x = toDec(ea);
  const y = toDec(eb);
  let r: Dec;
  if (op === "mul") r = { num: x.num * y.num, exp: x.exp + y.exp };
  else {
    const exp = Math.min(x.exp, y.exp);
    r = { num: x.num * 10n ** BigInt(x.exp - exp) + y.num * 10n ** BigInt(y.exp - exp), exp };
  }
  return Decimal128.fromString(formatDecimal(r));
}

function formatDecimal(d: Dec): string {
  const neg = d.num < 0n;
  let digits = (neg ? -d.num : d.num).toString();
  let exp = d.exp;
  if (digits.length > 34) {
    const drop = digits.length - 34;
    const kept = BigInt(digits.slice(0, 34));
    const rest = digits.slice(34);
    const half = "5" + "0".repeat(drop - 1);
    let q = kept;
    if (rest > half || (rest === half && kept % 2n === 1n)) q += 1n;
    digits = q.toString();
    exp += drop;
    if (digits.length > 34) {
      digits = digits.slice(0, 34);
      exp += 1;
    }
  }
  return `${neg ? "-" : ""}${digits}E${exp >= 0 ? "+" : ""}${exp}`;
}
