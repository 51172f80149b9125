/**
 * n_args.ts — argument parsing shared by the accumulator and expression forms of `$firstN $lastN
 * $maxN $minN` (`{input, n}`) and `$median $percentile` (`{input, p, method}`), with mongod's codes,
 * and the discrete percentile both forms answer. Pure.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isObj } from "./compile.ts";
import { makeDouble, numKind, toDouble } from "./numeric.ts";
import { describeValue } from "../path/describe.ts";
import type { Evaluator } from "./types.ts";

/** Validates a value of `n` (mongod's AccumulatorN::validateN). */
export function validateN(v: unknown): number {
  if (numKind(v) === undefined) {
    throw new CommandError(
      Location.NMustBeIntegral,
      `Value for 'n' must be of integral type, but found ${describeValue(v)}`,
    );
  }
  const d = toDouble(v);
  const n = Math.trunc(d);
  if (n !== d) {
    throw new CommandError(
      Location.NMustBeIntegralNumber,
      `Value for 'n' must be of integral type, but found ${describeValue(v)}`,
    );
  }
  if (n <= 0) throw new CommandError(Location.NMustBePositive, `'n' must be greater than 0, found ${n}`);
  return n;
}

/** `{input, n}` of $firstN/$lastN/$maxN/$minN (also their expression forms). */
export function parseInputN(op: string, spec: unknown): { input: unknown; n: unknown } {
  const first = op === "$firstN" || op === "$lastN";
  if (!isObj(spec)) {
    throw new CommandError(
      first ? Location.FirstLastNSpecNotObject : Location.MinMaxNSpecNotObject,
      `specification must be an object; found ${describeValue(spec)}`,
    );
  }
  let input: unknown;
  let n: unknown;
  let hasInput = false;
  let hasN = false;
  for (const [k, v] of Object.entries(spec)) {
    if (k === "input") [input, hasInput] = [v, true];
    else if (k === "n") [n, hasN] = [v, true];
    else throw new CommandError(Location.NUnknownArgument, `Unknown argument for 'n' operator: ${k}`);
  }
  if (!hasN) throw new CommandError(Location.NMissingN, "Missing value for 'n'");
  if (!hasInput) throw new CommandError(Location.NMissingInput, "Missing value for 'input'");
  return { input, n };
}

/** Validates `p` of $percentile (7750301 unless an array of numbers in [0, 1]). */
function parseP(v: unknown): number[] | Evaluator {
  const bad = () =>
    new CommandError(
      Location.PercentilePNotArray,
      `The $percentile 'p' field must be an array of numbers from [0.0, 1.0], but found: ${describeValue(v)}`,
    );
  if (!Array.isArray(v) || v.length === 0) throw bad();
  return v.map((x) => {
    if (numKind(x) === undefined) throw bad();
    const d = toDouble(x);
    if (!(d >= 0 && d <= 1)) throw bad();
    return d;
  });
}

/** `{input, p?, method}` of $median/$percentile (also their expression forms). */
export function parseQuantile(op: string, spec: unknown): { input: unknown; ps: number[] | undefined } {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.QuantileSpecNotObject,
      `specification must be an object; found ${op}: ${describeValue(spec)}`,
    );
  }
  const allowed = op === "$median" ? ["input", "method"] : ["input", "p", "method"];
  for (const k of Object.keys(spec)) {
    if (!allowed.includes(k)) {
      throw new CommandError("IDLUnknownField", `BSON field '${op}.${k}' is an unknown field.`);
    }
  }
  for (const k of allowed) {
    if (!Object.hasOwn(spec, k)) {
      throw new CommandError("IDLFailedToParse", `BSON field '${op}.${k}' is missing but a required field`);
    }
  }
  const ps = op === "$percentile" ? parseP(spec["p"]) as number[] : undefined;
  const method = spec["method"];
  if (typeof method !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field '${op}.method' is the wrong type, expected type 'string'`,
    );
  }
  if (method !== "approximate") {
    throw new CommandError("BadValue", "Currently only 'approximate' can be used as a percentile 'method'.");
  }
  return { input: spec["input"], ps };
}

/** Discrete percentiles of numbers (sorted copy), as doubles; null for each p when empty. */
export function percentilesOf(nums: number[], ps: readonly number[]): unknown[] {
  if (nums.length === 0) return ps.map(() => null);
  const sorted = Float64Array.from(nums).sort();
  const n = sorted.length;
  return ps.map((p) => {
    const i = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    return makeDouble(sorted[i] as number);
  });
}
