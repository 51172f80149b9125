/**
 * bitwise.ts — `$bitsAllSet $bitsAnySet $bitsAllClear $bitsAnyClear`.
 *
 * The argument is a non-negative integral number (a 64-bit mask), an array of non-negative bit
 * positions, or BinData (its bytes, little-endian, as the mask). Candidates: integral numbers
 * representable as int64 (negative ones in two's complement, sign-extended past bit 63) and BinData
 * (bits past its end are 0). Anything else — strings, fractional doubles, NaN — never matches.
 * Argument errors are 2 BadValue with mongod's wording.
 */
import { CommandError } from "../../errors/command_error.ts";
import { binaryBytes, isNumeric, kindOf } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import type { ValueTest } from "./predicates.ts";
import { truncToBigInt } from "./value_tests.ts";

export type BitOp = "$bitsAllSet" | "$bitsAnySet" | "$bitsAllClear" | "$bitsAnyClear";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The integral value of a number if it is representable as int64, else undefined. */
function integral(v: unknown): bigint | undefined {
  if (!isNumeric(v)) return undefined;
  const t = truncToBigInt(v);
  if (t === undefined || t < INT64_MIN || t > INT64_MAX) return undefined;
  if (kindOf(v) === "double" || kindOf(v) === "decimal" || typeof v === "number") {
    const n = typeof v === "number" ? v : Number((v as { valueOf(): unknown }).valueOf());
    if (kindOf(v) !== "decimal" && Number(t) !== n) return undefined;
  }
  return t;
}

function parsePositions(op: BitOp, arg: unknown): number[] {
  if (Array.isArray(arg)) {
    return arg.map((p) => {
      if (!isNumeric(p)) {
        throw new CommandError(
          "BadValue",
          `bit positions must be an integer but got: ${describeValue(p)}`,
        );
      }
      const n = integral(p);
      if (n === undefined) {
        throw new CommandError("BadValue", `bit positions must be an integer but got: ${describeValue(p)}`);
      }
      if (n < 0n) {
        throw new CommandError("BadValue", `bit positions must be >= 0 but got: ${describeValue(p)}`);
      }
      return Number(n);
    });
  }
  if (isNumeric(arg)) {
    const n = integral(arg);
    if (n === undefined) {
      throw new CommandError(
        "BadValue",
        `${op} cannot represent value as a 64-bit integer: ${describeValue(arg)}`,
      );
    }
    if (n < 0n) {
      throw new CommandError("BadValue", `${op} cannot take a negative number: ${describeValue(arg)}`);
    }
    const out: number[] = [];
    for (let i = 0; i < 64; i++) if ((n >> BigInt(i)) & 1n) out.push(i);
    return out;
  }
  if (kindOf(arg) === "binData") {
    const bytes = binaryBytes(arg);
    const out: number[] = [];
    bytes.forEach((b, i) => {
      for (let j = 0; j < 8; j++) if (b & (1 << j)) out.push(i * 8 + j);
    });
    return out;
  }
  throw new CommandError(
    "BadValue",
    `${op} takes an Array, a number, or a BinData but received: ${op}: ${describeValue(arg)}`,
  );
}

/** Compiles one bitwise operator into a candidate test. */
export function bitsTest(op: BitOp, arg: unknown): ValueTest {
  const positions = parsePositions(op, arg);
  const wantSet = op === "$bitsAllSet" || op === "$bitsAnySet";
  const all = op === "$bitsAllSet" || op === "$bitsAllClear";
  const check = (bit: (p: number) => boolean): boolean => {
    if (all) return positions.every((p) => bit(p) === wantSet);
    return positions.some((p) => bit(p) === wantSet);
  };
  return (v) => {
    if (kindOf(v) === "binData") {
      const bytes = binaryBytes(v);
      return check((p) => {
        const b = bytes[p >> 3];
        return b !== undefined && (b & (1 << (p & 7))) !== 0;
      });
    }
    const n = integral(v);
    if (n === undefined) return false;
    const u = BigInt.asUintN(64, n);
    return check((p) => (p >= 64 ? n < 0n : ((u >> BigInt(p)) & 1n) === 1n));
  };
}
