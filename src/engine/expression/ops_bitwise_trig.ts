/**
 * ops_bitwise_trig.ts — `$bitAnd $bitOr $bitXor $bitNot` (int and long operands; an int result when
 * every operand is an int, else a long; null/missing → null; other types 14 TypeMismatch) and the
 * trigonometric operators `$sin $cos $tan $asin $acos $atan $atan2 $sinh $cosh $tanh $asinh $acosh
 * $atanh $degreesToRadians $radiansToDegrees` (numeric operands, double results — decimal inputs are
 * computed in double precision and answered as decimals; null/missing → null; non-numeric 28765;
 * outside the domain 50989, as mongod).
 */
import { Decimal128, Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { fixedArgs, isNullish, variadicArgs } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { makeDouble, numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext, OperatorCompiler } from "./types.ts";

function intOperand(op: string, v: unknown): bigint | number {
  if (typeof v === "number" && numKind(v) === "int") return v;
  if (v instanceof Long) return v.toBigInt();
  throw new CommandError("TypeMismatch", `${op} only supports int and long operands.`);
}

function bitwise(fold: (a: bigint, b: bigint) => bigint, init: bigint): OperatorCompiler {
  return (arg, ctx, op) => {
    const args = variadicArgs(arg, ctx);
    return (cur, vars) => {
      let acc = init;
      let allInt = true;
      for (const a of args) {
        const v = a(cur, vars);
        if (isNullish(v)) return null;
        const x = intOperand(op, v);
        if (typeof x !== "number") allInt = false;
        acc = fold(acc, BigInt(x));
      }
      return allInt ? Number(BigInt.asIntN(32, acc)) : Long.fromBigInt(BigInt.asIntN(64, acc));
    };
  };
}

function compileBitNot(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    const x = intOperand(op, v);
    return typeof x === "number" ? ~x : Long.fromBigInt(BigInt.asIntN(64, ~x));
  };
}

/** Domains: [lo, hi] inclusive (open ends as ±Infinity), with mongod's wording of the interval. */
interface Domain {
  readonly ok: (x: number) => boolean;
  readonly text: string;
}

const ANY: Domain = { ok: (x) => !Number.isNaN(x) || true, text: "" };
const FINITE: Domain = { ok: (x) => Number.isFinite(x) || Number.isNaN(x), text: "(-inf,inf)" };
const UNIT: Domain = { ok: (x) => (x >= -1 && x <= 1) || Number.isNaN(x), text: "[-1,1]" };
const GE1: Domain = { ok: (x) => x >= 1 || Number.isNaN(x), text: "[1,inf]" };

function trig(fn: (x: number) => number, domain: Domain): OperatorCompiler {
  return (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (isNullish(v)) return null;
      const kind = numKind(v);
      if (kind === undefined) {
        throw new CommandError(
          Location.UnaryMathNotNumeric,
          `${op} only supports numeric types, not ${typeName(v)}`,
        );
      }
      const x = toDouble(v);
      if (!domain.ok(x)) {
        throw new CommandError(
          Location.TrigOutOfDomain,
          `cannot apply ${op} to ${String(x)}, value must be in ${domain.text}`,
        );
      }
      const r = fn(x);
      return kind === "decimal" ? Decimal128.fromString(String(r)) : makeDouble(r);
    };
  };
}

function compileAtan2(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const [a, b] = fixedArgs(op, arg, 2, ctx) as [Evaluator, Evaluator];
  return (cur, vars) => {
    const y = a(cur, vars);
    const x = b(cur, vars);
    if (isNullish(y) || isNullish(x)) return null;
    if (numKind(y) === undefined || numKind(x) === undefined) {
      throw new CommandError(
        Location.BinaryMathNotNumeric,
        `${op} only supports numeric types, not ${typeName(y)} and ${typeName(x)}`,
      );
    }
    const r = Math.atan2(toDouble(y), toDouble(x));
    return numKind(y) === "decimal" || numKind(x) === "decimal"
      ? Decimal128.fromString(String(r))
      : makeDouble(r);
  };
}

registerOperators({
  $bitAnd: bitwise((a, b) => a & b, -1n),
  $bitOr: bitwise((a, b) => a | b, 0n),
  $bitXor: bitwise((a, b) => a ^ b, 0n),
  $bitNot: compileBitNot,
  $sin: trig(Math.sin, FINITE),
  $cos: trig(Math.cos, FINITE),
  $tan: trig(Math.tan, FINITE),
  $asin: trig(Math.asin, UNIT),
  $acos: trig(Math.acos, UNIT),
  $atan: trig(Math.atan, ANY),
  $atan2: compileAtan2,
  $sinh: trig(Math.sinh, ANY),
  $cosh: trig(Math.cosh, ANY),
  $tanh: trig(Math.tanh, ANY),
  $asinh: trig(Math.asinh, ANY),
  $acosh: trig(Math.acosh, GE1),
  $atanh: trig(Math.atanh, UNIT),
  $degreesToRadians: trig((x) => x * Math.PI / 180, ANY),
  $radiansToDegrees: trig((x) => x * 180 / Math.PI, ANY),
});
