/**
 * decimal.ts — Decimal128 arithmetic for expressions (npm:bson's Decimal128 only stores values).
 *
 * Values are `{neg, coeff, exp}` (value = ±coeff · 10^exp) or NaN / ±Infinity. Results round
 * half-to-even to 34 significant digits like IEEE 754-2008 decimal128 and keep the preferred
 * exponent of exact results (so 1.0 + 2.00 = 3.00, as mongod prints). A double operand is first
 * converted with 15 significant digits, which is what mongod's `Value::coerceToDecimal` does.
 */
import { Decimal128, type Long } from "bson";
import { isInt32Number, kindOf } from "../../bson/values.ts";

export type Dec =
  | { readonly k: "nan" }
  | { readonly k: "inf"; readonly neg: boolean }
  | { readonly k: "fin"; readonly neg: boolean; readonly coeff: bigint; readonly exp: number };

const NAN: Dec = { k: "nan" };
const DEC_RE = /^(-)?(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i;

/** Any BSON number as a Dec (doubles rounded to 15 significant digits). */
export function toDec(v: unknown): Dec {
  if (typeof v === "number") {
    if (isInt32Number(v)) return { k: "fin", neg: v < 0, coeff: BigInt(Math.abs(v)), exp: 0 };
    return doubleToDec(v);
  }
  switch (kindOf(v)) {
    case "decimal":
      return parseDec((v as Decimal128).toString());
    case "long": {
      const b = (v as Long).toBigInt();
      return { k: "fin", neg: b < 0n, coeff: b < 0n ? -b : b, exp: 0 };
    }
    default:
      return doubleToDec(Number((v as { valueOf(): unknown }).valueOf()));
  }
}

/** Parses a decimal string (as Decimal128.toString prints, or user input for $toDecimal). */
export function parseDec(s: string): Dec {
  const t = s.trim();
  const lower = t.toLowerCase();
  if (lower === "nan" || lower === "-nan" || lower === "+nan") return NAN;
  if (/^[+]?inf(inity)?$/.test(lower)) return { k: "inf", neg: false };
  if (/^-inf(inity)?$/.test(lower)) return { k: "inf", neg: true };
  const m = DEC_RE.exec(t.startsWith("+") ? t.slice(1) : t);
  if (!m) return NAN;
  const frac = m[3] ?? "";
  return {
    k: "fin",
    neg: m[1] === "-",
    coeff: BigInt((m[2] ?? "0") + frac),
    exp: Number(m[4] ?? "0") - frac.length,
  };
}

/** True if `s` is a valid decimal literal (for $convert). */
export function isDecString(s: string): boolean {
  const t = s.trim().toLowerCase();
  return /^[+-]?(nan|inf|infinity)$/.test(t) || DEC_RE.test(t.replace(/^\+/, ""));
}

function doubleToDec(d: number): Dec {
  if (Number.isNaN(d)) return NAN;
  if (!Number.isFinite(d)) return { k: "inf", neg: d < 0 };
  if (d === 0) return { k: "fin", neg: Object.is(d, -0), coeff: 0n, exp: 0 };
  const [mant, e] = Math.abs(d).toExponential(14).split("e") as [string, string];
  return { k: "fin", neg: d < 0, coeff: BigInt(mant.replace(".", "")), exp: Number(e) - 14 };
}

function digitsOf(b: bigint): number {
  return b === 0n ? 1 : b.toString().length;
}

/** Rounds to 34 digits half-even; `sticky` says a nonzero remainder was already dropped. */
function round34(neg: boolean, coeff: bigint, exp: number, sticky = false): Dec {
  const n = digitsOf(coeff);
  if (n <= 34 && !sticky) return { k: "fin", neg, coeff, exp };
  if (n <= 34) return { k: "fin", neg, coeff, exp };
  const drop = n - 34;
  const p = 10n ** BigInt(drop);
  let q = coeff / p;
  const r = coeff % p;
  const half = p / 2n;
  if (r > half || (r === half && (sticky || q % 2n === 1n))) q += 1n;
  let e = exp + drop;
  if (digitsOf(q) > 34) {
    q /= 10n;
    e += 1;
  }
  return { k: "fin", neg, coeff: q, exp: e };
}

/** Builds the Decimal128 (clamping the exponent to decimal128's range). */
export function fromDec(d: Dec): Decimal128 {
  if (d.k === "nan") return Decimal128.fromString("NaN");
  if (d.k === "inf") return Decimal128.fromString(d.neg ? "-Infinity" : "Infinity");
  const r = round34(d.neg, d.coeff, d.exp);
  if (r.k !== "fin") return fromDec(r);
  let { coeff, exp } = r;
  if (exp > 6111) {
    const room = 34 - digitsOf(coeff);
    if (coeff === 0n) exp = 6111;
    else if (exp - 6111 <= room) {
      coeff *= 10n ** BigInt(exp - 6111);
      exp = 6111;
    } else return Decimal128.fromString(r.neg ? "-Infinity" : "Infinity");
  }
  if (exp < -6176) {
    const drop = -6176 - exp;
    coeff = drop > 40 ? 0n : coeff / 10n ** BigInt(drop);
    exp = -6176;
  }
  return Decimal128.fromString(`${r.neg ? "-" : ""}${coeff}E${exp}`);
}

/** Decimal → double (nearest). */
export function decToNumber(d: Dec): number {
  if (d.k === "nan") return NaN;
  if (d.k === "inf") return d.neg ? -Infinity : Infinity;
  const v = Number(`${d.coeff}e${d.exp}`);
  return d.neg ? -v : v;
}

function signed(d: Dec & { k: "fin" }): bigint {
  return d.neg ? -d.coeff : d.coeff;
}

function fin(x: bigint, exp: number, negZero = false): Dec {
  return round34(x < 0n || (x === 0n && negZero), x < 0n ? -x : x, exp);
}

function special(a: Dec, b: Dec, op: "add" | "sub" | "mul" | "div"): Dec | undefined {
  if (a.k === "fin" && b.k === "fin") return undefined;
  if (a.k === "nan" || b.k === "nan") return NAN;
  const sa = a.k === "fin" ? (a.coeff === 0n ? 0 : a.neg ? -1 : 1) : a.neg ? -Infinity : Infinity;
  const sb = b.k === "fin" ? (b.coeff === 0n ? 0 : b.neg ? -1 : 1) : b.neg ? -Infinity : Infinity;
  const r = op === "add" ? sa + sb : op === "sub" ? sa - sb : op === "mul" ? sa * sb : sa / sb;
  if (Number.isNaN(r)) return NAN;
  if (op === "div" && b.k === "inf") {
    return { k: "fin", neg: (a.k === "fin" ? a.neg : false) !== b.neg, coeff: 0n, exp: 0 };
  }
  return { k: "inf", neg: r < 0 };
}

/** a + b. */
export function decAdd(a: Dec, b: Dec): Dec {
  const s = special(a, b, "add");
  if (s) return s;
  const x = a as Dec & { k: "fin" };
  const y = b as Dec & { k: "fin" };
  const exp = Math.min(x.exp, y.exp);
  const sum = signed(x) * 10n ** BigInt(x.exp - exp) + signed(y) * 10n ** BigInt(y.exp - exp);
  return fin(sum, exp, x.neg && y.neg);
}

/** a − b. */
export function decSub(a: Dec, b: Dec): Dec {
  if (b.k === "nan") return NAN;
  return decAdd(a, b.k === "inf" ? { k: "inf", neg: !b.neg } : { ...b, neg: !b.neg });
}

/** a × b. */
export function decMul(a: Dec, b: Dec): Dec {
  const s = special(a, b, "mul");
  if (s) return s;
  const x = a as Dec & { k: "fin" };
  const y = b as Dec & { k: "fin" };
  return round34(x.neg !== y.neg, x.coeff * y.coeff, x.exp + y.exp);
}

/** a ÷ b (b must not be zero; callers raise mongod's divide-by-zero errors). */
export function decDiv(a: Dec, b: Dec): Dec {
  const s = special(a, b, "div");
  if (s) return s;
  const x = a as Dec & { k: "fin" };
  const y = b as Dec & { k: "fin" };
  const neg = x.neg !== y.neg;
  const preferred = x.exp - y.exp;
  if (x.coeff === 0n) return { k: "fin", neg, coeff: 0n, exp: preferred };
  const shift = Math.max(0, 36 + digitsOf(y.coeff) - digitsOf(x.coeff));
  const n = x.coeff * 10n ** BigInt(shift);
  let q = n / y.coeff;
  const r = n % y.coeff;
  let exp = preferred - shift;
  if (r !== 0n) return round34(neg, q, exp, true);
  while (exp < preferred && q % 10n === 0n) {
    q /= 10n;
    exp++;
  }
  return round34(neg, q, exp);
}

/** True if the decimal is zero. */
export function decIsZero(d: Dec): boolean {
  return d.k === "fin" && d.coeff === 0n;
}

/** Integer part toward zero, as a bigint (finite values only). */
export function decTrunc(d: Dec & { k: "fin" }): bigint {
  const v = d.exp >= 0 ? d.coeff * 10n ** BigInt(d.exp) : d.coeff / 10n ** BigInt(-d.exp);
  return d.neg ? -v : v;
}
