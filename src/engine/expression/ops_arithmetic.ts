/**
 * ops_arithmetic.ts — `$add $subtract $multiply $divide $mod $abs $ceil $floor $round $trunc $sqrt
 * $pow $exp $ln $log $log10` with mongod's type rules and error codes. Any null/missing operand
 * gives null (checked before type errors, as mongod does for most operators).
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { fixedArgs, isNullish, rangeArgs, variadicArgs } from "./compile.ts";
import { type Dec, decDiv, decMul, decSub, decTrunc, fromDec, toDec } from "./decimal.ts";
import { arith, divide, isZero, makeDouble, makeInteger, numKind, toBig, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function typeName(v: unknown): string {
  return v === undefined ? "missing" : bsonTypeAlias(v);
}

function compileAdd(arg: unknown, ctx: ExprContext): Evaluator {
  const args = variadicArgs(arg, ctx);
  if (args.length === 2) {
    const [a, b] = args as [Evaluator, Evaluator];
    return (cur, vars) => addValues([a(cur, vars), b(cur, vars)]);
  }
  return (cur, vars) => addValues(args.map((e) => e(cur, vars)));
}

function addValues(vals: unknown[]): unknown {
  let total: unknown = 0;
  let dateMs: number | undefined;
  for (const v of vals) {
    if (isNullish(v)) return null;
    if (v instanceof Date) {
      if (dateMs !== undefined) {
        throw new CommandError(Location.AddMultipleDates, "only one date allowed in an $add expression");
      }
      dateMs = v.getTime();
      continue;
    }
    if (numKind(v) === undefined) {
      throw new CommandError(
        Location.AddNotNumericOrDate,
        `$add only supports numeric or date types, not ${typeName(v)}`,
      );
    }
    total = arith("add", total, v);
  }
  if (dateMs === undefined) return total;
  const k = numKind(total);
  const ms = k === "decimal"
    ? Number(decTrunc(toDec(total) as Dec & { k: "fin" }))
    : Math.round(toDouble(total));
  return new Date(dateMs + ms);
}

function compileSubtract(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
  return (cur, vars) => {
    const x = a(cur, vars);
    const y = b(cur, vars);
    if (isNullish(x) || isNullish(y)) return null;
    const kx = numKind(x);
    const ky = numKind(y);
    if (kx && ky) return arith("sub", x, y);
    if (x instanceof Date) {
      if (y instanceof Date) return Long.fromNumber(x.getTime() - y.getTime());
      if (ky) return new Date(x.getTime() - Math.round(toDouble(y)));
      throw new CommandError(Location.SubtractFromDateBadType, `can't $subtract ${typeName(y)} from Date`);
    }
    throw new CommandError(Location.SubtractBadTypes, `can't $subtract ${typeName(y)} from ${typeName(x)}`);
  };
}

function compileMultiply(arg: unknown, ctx: ExprContext): Evaluator {
  const args = variadicArgs(arg, ctx);
  return (cur, vars) => {
    let total: unknown = 1;
    for (const e of args) {
      const v = e(cur, vars);
      if (isNullish(v)) return null;
      if (numKind(v) === undefined) {
        throw new CommandError(
          Location.MultiplyNotNumeric,
          `$multiply only supports numeric types, not ${typeName(v)}`,
        );
      }
      total = arith("mul", total, v);
    }
    return total;
  };
}

function binaryNumeric(
  op: string,
  code: number,
  zeroCode: number,
  fn: (x: unknown, y: unknown) => unknown,
): (arg: unknown, ctx: ExprContext) => Evaluator {
  return (arg, ctx) => {
    const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
    return (cur, vars) => {
      const x = a(cur, vars);
      const y = b(cur, vars);
      if (isNullish(x) || isNullish(y)) return null;
      if (!numKind(x) || !numKind(y)) {
        throw new CommandError(
          code,
          `${op} only supports numeric types, not ${typeName(x)} and ${typeName(y)}`,
        );
      }
      if (isZero(y)) throw new CommandError(zeroCode, `can't ${op} by zero`);
      return fn(x, y);
    };
  };
}

function modValues(x: unknown, y: unknown): unknown {
  const kx = numKind(x);
  const ky = numKind(y);
  if (kx === "decimal" || ky === "decimal") {
    const a = toDec(x);
    const b = toDec(y);
    const q = decDiv(a, b);
    if (q.k !== "fin") return fromDec(q);
    const t = decTrunc(q);
    return fromDec(decSub(a, decMul({ k: "fin", neg: t < 0n, coeff: t < 0n ? -t : t, exp: 0 }, b)));
  }
  if (kx === "double" || ky === "double") return makeDouble(toDouble(x) % toDouble(y));
  const r = toBig(x) % toBig(y);
  return makeInteger(r, kx === "long" || ky === "long" ? "long" : "int");
}

/** A unary numeric operator that keeps the argument's kind (int, long, double, decimal). */
function unary(
  op: string,
  onInt: (b: bigint) => bigint,
  onDouble: (d: number) => number,
  onDecimal: (d: Dec) => Dec,
): (arg: unknown, ctx: ExprContext) => Evaluator {
  return (arg, ctx) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const x = a(cur, vars);
      if (isNullish(x)) return null;
      const k = numKind(x);
      switch (k) {
        case undefined:
          throw new CommandError(
            Location.UnaryMathNotNumeric,
            `${op} only supports numeric types, not ${typeName(x)}`,
          );
        case "int":
        case "long": {
          const r = onInt(toBig(x));
          if (op === "$abs" && k === "long" && r > 2n ** 63n - 1n) {
            throw new CommandError(Location.AbsOfLongMin, "can't take $abs of long long min");
          }
          return makeInteger(r, k);
        }
        case "double":
          return makeDouble(onDouble(toDouble(x)));
        default:
          return fromDec(onDecimal(toDec(x)));
      }
    };
  };
}

const same = (b: bigint) => b;

function decRoundTo(d: Dec, mode: "floor" | "ceil"): Dec {
  if (d.k !== "fin" || d.exp >= 0) return d;
  const t = decTrunc(d);
  const exact = t * 10n ** BigInt(-d.exp) === (d.neg ? -d.coeff : d.coeff);
  let r = t;
  if (!exact) r += mode === "floor" ? (d.neg ? -1n : 0n) : (d.neg ? 0n : 1n);
  return { k: "fin", neg: r < 0n || (r === 0n && d.neg), coeff: r < 0n ? -r : r, exp: 0 };
}

/** A unary operator returning double (decimal for decimal input), with a domain check. */
function unaryDouble(
  op: string,
  fn: (d: number) => number,
  /** The refusal (code and message) for an argument outside the operator's domain. */
  domain?: (d: number) => [code: number, message: string] | undefined,
): (arg: unknown, ctx: ExprContext) => Evaluator {
  return (arg, ctx) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const x = a(cur, vars);
      if (isNullish(x)) return null;
      const k = numKind(x);
      if (!k) {
        throw new CommandError(
          Location.UnaryMathNotNumeric,
          `${op} only supports numeric types, not ${typeName(x)}`,
        );
      }
      const d = toDouble(x);
      const bad = domain?.(d);
      if (bad) throw new CommandError(bad[0], bad[1]);
      const r = fn(d);
      return k === "decimal" ? fromDec(toDec(r)) : makeDouble(r);
    };
  };
}

function compileLog(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
  return (cur, vars) => {
    const x = a(cur, vars);
    const base = b(cur, vars);
    if (isNullish(x) || isNullish(base)) return null;
    if (!numKind(x)) {
      throw new CommandError(
        Location.LogArgNotNumeric,
        `$log's argument must be numeric, not ${typeName(x)}`,
      );
    }
    if (!numKind(base)) {
      throw new CommandError(
        Location.LogBaseNotNumeric,
        `$log's base must be numeric, not ${typeName(base)}`,
      );
    }
    const dx = toDouble(x);
    const db = toDouble(base);
    if (!(dx > 0) && !Number.isNaN(dx)) {
      throw new CommandError(
        Location.LogArgNotPositive,
        `$log's argument must be a positive number, but is ${dx}`,
      );
    }
    if ((!(db > 0) || db === 1) && !Number.isNaN(db)) {
      throw new CommandError(
        Location.LogBaseInvalid,
        `$log's base must be a positive number not equal to 1, but is ${db}`,
      );
    }
    const r = Math.log(dx) / Math.log(db);
    return numKind(x) === "decimal" || numKind(base) === "decimal" ? fromDec(toDec(r)) : makeDouble(r);
  };
}

function compilePow(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
  return (cur, vars) => {
    const x = a(cur, vars);
    const y = b(cur, vars);
    if (isNullish(x) || isNullish(y)) return null;
    const kx = numKind(x);
    const ky = numKind(y);
    if (!kx) {
      throw new CommandError(Location.PowBaseNotNumeric, `$pow's base must be numeric, not ${typeName(x)}`);
    }
    if (!ky) {
      throw new CommandError(
        Location.PowExponentNotNumeric,
        `$pow's exponent must be numeric, not ${typeName(y)}`,
      );
    }
    if (isZero(x) && toDouble(y) < 0) {
      throw new CommandError(
        Location.PowZeroToNegative,
        "$pow cannot take a base of 0 and a negative exponent",
      );
    }
    if (kx === "decimal" || ky === "decimal") return fromDec(toDec(Math.pow(toDouble(x), toDouble(y))));
    if (kx === "double" || ky === "double") return makeDouble(Math.pow(toDouble(x), toDouble(y)));
    const base = toBig(x);
    const exp = toBig(y);
    if (exp < 0n) {
      if (base === 1n) return makeInteger(1n, kx === "long" || ky === "long" ? "long" : "int");
      if (base === -1n) {
        return makeInteger(exp % 2n === 0n ? 1n : -1n, kx === "long" || ky === "long" ? "long" : "int");
      }
      return makeDouble(Math.pow(Number(base), Number(exp)));
    }
    const big = exp > 200n && base !== 0n && base !== 1n && base !== -1n ? undefined : base ** exp;
    if (big === undefined || big > 2n ** 63n - 1n || big < -(2n ** 63n)) {
      return makeDouble(Math.pow(Number(base), Number(exp)));
    }
    return makeInteger(big, kx === "long" || ky === "long" ? "long" : "int");
  };
}

function roundHalfEven(d: number): number {
  const r = Math.round(d);
  return Math.abs(d % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function compileRoundTrunc(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const args = rangeArgs(op, arg, 1, 2, ctx);
  const [a, p] = args as [Evaluator, Evaluator | undefined];
  const isRound = op === "$round";
  return (cur, vars) => {
    const x = a(cur, vars);
    const pv = p ? p(cur, vars) : 0;
    if (isNullish(x) || isNullish(pv)) return null;
    const k = numKind(x);
    if (!k) {
      throw new CommandError(
        Location.RoundNotNumeric,
        `${op} only supports numeric types, not ${typeName(x)}`,
      );
    }
    if (!numKind(pv) || !Number.isInteger(toDouble(pv))) {
      throw new CommandError(
        Location.RoundPrecisionNotIntegral,
        `precision argument to ${op} must be a integral value`,
      );
    }
    const place = toDouble(pv);
    if (place < -20 || place > 100) {
      throw new CommandError(
        Location.RoundPrecisionOutOfRange,
        `cannot apply ${op} with precision value ${place} value must be in [-20, 100]`,
      );
    }
    if (k === "decimal") {
      const d = toDec(x);
      if (d.k !== "fin" || d.exp >= -place) return x;
      const drop = -place - d.exp;
      const p10 = 10n ** BigInt(drop);
      let q = d.coeff / p10;
      const r = d.coeff % p10;
      if (isRound && (r * 2n > p10 || (r * 2n === p10 && q % 2n === 1n))) q += 1n;
      return fromDec({ k: "fin", neg: d.neg, coeff: q, exp: -place });
    }
    if (k === "double") {
      const d = toDouble(x);
      if (!Number.isFinite(d)) return x;
      const f = Math.pow(10, place);
      const scaled = d * f;
      const r = isRound ? roundHalfEven(scaled) : Math.trunc(scaled);
      return makeDouble(place >= 0 ? r / f : r * Math.pow(10, -place) / 1);
    }
    if (place >= 0) return x;
    const b = toBig(x);
    const p10 = 10n ** BigInt(-place);
    let q = b / p10;
    const r = b % p10;
    const absR = r < 0n ? -r : r;
    if (isRound && (absR * 2n > p10 || (absR * 2n === p10 && (q % 2n !== 0n)))) q += b < 0n ? -1n : 1n;
    return makeInteger(q * p10, k);
  };
}

registerOperators({
  $add: compileAdd,
  $subtract: compileSubtract,
  $multiply: compileMultiply,
  $divide: binaryNumeric("$divide", Location.DivideNotNumeric, Location.DivideByZero, divide),
  $mod: binaryNumeric("$mod", Location.ModNotNumeric, Location.ModByZero, modValues),
  $abs: unary("$abs", (b) => (b < 0n ? -b : b), Math.abs, (d) => (d.k === "nan" ? d : { ...d, neg: false })),
  $ceil: unary("$ceil", same, Math.ceil, (d) => decRoundTo(d, "ceil")),
  $floor: unary("$floor", same, Math.floor, (d) => decRoundTo(d, "floor")),
  $sqrt: unaryDouble(
    "$sqrt",
    Math.sqrt,
    (d) => d < 0 ? [Location.SqrtNegative, "$sqrt's argument must be greater than or equal to 0"] : undefined,
  ),
  $exp: unaryDouble("$exp", Math.exp),
  $ln: unaryDouble(
    "$ln",
    Math.log,
    (d) =>
      d > 0 || Number.isNaN(d) // (NaN gives NaN, as mongod)
        ? undefined
        : [Location.LnArgNotPositive, `$ln's argument must be a positive number, but is ${d}`],
  ),
  $log10: unaryDouble(
    "$log10",
    Math.log10,
    (d) =>
      d > 0 || Number.isNaN(d) // (NaN gives NaN, as mongod)
        ? undefined
        : [Location.Log10ArgNotPositive, `$log10's argument must be a positive number, but is ${d}`],
  ),
  $log: compileLog,
  $pow: compilePow,
  $round: compileRoundTrunc,
  $trunc: compileRoundTrunc,
});
