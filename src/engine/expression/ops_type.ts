/**
 * ops_type.ts — `$type $isNumber $convert $toInt $toLong $toDouble $toDecimal $toString $toBool
 * $toDate $toObjectId`, following mongod's conversion table: numbers convert between kinds with
 * range checks (doubles truncate toward zero), strings parse strictly (base 10, whole string),
 * dates convert to and from milliseconds (not from int), ObjectId ↔ 24-hex strings, any value → bool
 * by truthiness, and (8.0) strings ↔ BinData in a `format`, `to` as `{type, subtype}`
 * (convert_bindata.ts). Failures are 241 ConversionFailure unless `onError` is given; a null or missing
 * input yields `onNull` (default null).
 */
import { type Binary, Decimal128, Long, ObjectId } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { BSON_TYPE_ALIASES } from "../../bson/compare.ts";
import { kindOf } from "../../bson/values.ts";
import { compileExpression, fixedArgs, isNullish, isObj } from "./compile.ts";
import { coerceToString, typeName } from "./coerce.ts";
import { decTrunc, fromDec, isDecString, parseDec, toDec } from "./decimal.ts";
import { makeDouble, numKind, toDouble, truthy } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";
import { ConvertError, fail } from "./convert_error.ts";
import {
  type BinDataFormat,
  binDataSubtype,
  binDataToBinData,
  binDataToString,
  parseFormat,
  stringToBinData,
} from "./convert_bindata.ts";

const TARGETS = new Map<number, string>([
  [1, "double"],
  [2, "string"],
  [5, "binData"],
  [7, "objectId"],
  [8, "bool"],
  [9, "date"],
  [16, "int"],
  [18, "long"],
  [19, "decimal"],
]);

function unsupported(v: unknown, to: string): never {
  fail(`Unsupported conversion from ${typeName(v)} to ${to} in $convert with no onError value`);
}

function parseIntegerString(s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) {
    fail(`Failed to parse number '${s}' in $convert with no onError value: Did not consume whole string.`);
  }
  return BigInt(s);
}

function integralOf(v: unknown, to: "int" | "long"): bigint {
  const k = kindOf(v);
  switch (k) {
    case "bool":
      return v ? 1n : 0n;
    case "int":
    case "long":
      return k === "long" ? (v as Long).toBigInt() : BigInt(toDouble(v));
    case "double": {
      const d = toDouble(v);
      if (!Number.isFinite(d)) {
        fail(
          `Attempt to convert ${
            Number.isNaN(d) ? "NaN" : "infinity"
          } value to integer type in $convert with no onError value`,
        );
      }
      return BigInt(Math.trunc(d));
    }
    case "decimal": {
      const d = toDec(v);
      if (d.k !== "fin") {
        fail(
          `Attempt to convert ${
            d.k === "nan" ? "NaN" : "infinity"
          } value to integer type in $convert with no onError value`,
        );
      }
      return decTrunc(d);
    }
    case "string":
      return parseIntegerString(v as string);
    case "date":
      if (to === "long") return BigInt((v as Date).getTime());
      return unsupported(v, to);
    default:
      return unsupported(v, to);
  }
}

function toDoubleValue(v: unknown): number {
  switch (kindOf(v)) {
    case "bool":
      return v ? 1 : 0;
    case "int":
    case "long":
    case "double":
      return toDouble(v);
    case "decimal": {
      const d = toDouble(v);
      const dv = toDec(v);
      if (!Number.isFinite(d) && dv.k === "fin") {
        fail(`Conversion would overflow target type in $convert with no onError value: ${String(v)}`);
      }
      return d;
    }
    case "string": {
      const s = (v as string).trim() === v ? (v as string) : "";
      const lower = s.toLowerCase();
      if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
      if (/^[+-]?nan$/.test(lower)) return NaN;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
        fail(
          `Failed to parse number '${v as string}' in $convert with no onError value: Did not consume whole string.`,
        );
      }
      return Number(s);
    }
    case "date":
      return (v as Date).getTime();
    default:
      return unsupported(v, "double");
  }
}

function parseDateString(s: string): Date {
  const t = Date.parse(s);
  if (Number.isNaN(t)) {
    fail(
      `Error parsing date string '${s}'; 0: passing a time zone identifier as part of the string is not allowed in $convert with no onError value`,
    );
  }
  return new Date(t);
}

function toDecimalValue(v: unknown, k: string): unknown {
  switch (k) {
    case "bool":
      return Decimal128.fromString(v ? "1" : "0");
    case "int":
    case "long":
    case "double":
      return fromDec(toDec(v));
    case "decimal":
      return v;
    case "string":
      if (!isDecString(v as string)) {
        fail(
          `Failed to parse number '${v as string}' in $convert with no onError value: Failed to parse string to decimal`,
        );
      }
      return fromDec(parseDec(v as string));
    case "date":
      return Decimal128.fromString(String((v as Date).getTime()));
    default:
      return unsupported(v, "decimal");
  }
}

function toStringValue(v: unknown, k: string, format?: BinDataFormat): unknown {
  switch (k) {
    case "binData":
      return binDataToString(v as Binary, format);
    case "bool":
      return v ? "true" : "false";
    case "objectId":
      return (v as ObjectId).toHexString();
    case "string":
    case "int":
    case "long":
    case "double":
    case "decimal":
    case "date":
      return coerceToString(v, "$convert");
    default:
      return unsupported(v, "string");
  }
}

function toDateValue(v: unknown, k: string): unknown {
  switch (k) {
    case "long":
    case "double":
    case "decimal": {
      const d = toDouble(v);
      if (!Number.isFinite(d)) {
        fail(`Conversion would overflow target type in $convert with no onError value: ${String(v)}`);
      }
      return new Date(Math.trunc(d));
    }
    case "string":
      return parseDateString(v as string);
    case "date":
      return v;
    case "objectId":
      return (v as ObjectId).getTimestamp();
    case "timestamp":
      return new Date((v as { t: number }).t * 1000);
    default:
      return unsupported(v, "date");
  }
}
/** `$convert`'s `format` and `to.subtype` (BinData conversions). */
interface ConvertOptions {
  readonly format?: BinDataFormat | undefined;
  /** `to.subtype` as given (checked where a conversion to BinData needs it); 0 by default. */
  readonly subtype?: unknown;
}

/** Converts `v` (not nullish) to the named type; throws ConvertError on failure. */
export function convertValue(v: unknown, to: string, opts: ConvertOptions = {}): unknown {
  const k = kindOf(v);
  switch (to) {
    case "double":
      return makeDouble(toDoubleValue(v));
    case "int": {
      const b = integralOf(v, "int");
      if (b < -2147483648n || b > 2147483647n) {
        fail(`Conversion would overflow target type in $convert with no onError value: ${String(v)}`);
      }
      return Number(b);
    }
    case "long": {
      if (k === "double" && Math.abs(toDouble(v)) >= 2 ** 63) {
        fail(`Conversion would overflow target type in $convert with no onError value: ${String(v)}`);
      }
      const b = integralOf(v, "long");
      if (b < -(2n ** 63n) || b >= 2n ** 63n) {
        fail(`Conversion would overflow target type in $convert with no onError value: ${String(v)}`);
      }
      return Long.fromBigInt(b);
    }
    case "decimal":
      return toDecimalValue(v, k);
    case "string":
      return toStringValue(v, k, opts.format);
    case "binData": {
      if (k !== "string" && k !== "binData") return unsupported(v, "binData");
      const subtype = binDataSubtype(opts.subtype ?? 0);
      return k === "string"
        ? stringToBinData(v as string, opts.format, subtype)
        : binDataToBinData(v as Binary, subtype);
    }
    case "bool":
      return truthy(v);
    case "date":
      return toDateValue(v, k);
    case "objectId":
      if (k === "objectId") return v;
      if (k === "string") {
        if (!/^[0-9a-fA-F]{24}$/.test(v as string)) {
          fail(
            `Failed to parse objectId '${v as string}' in $convert with no onError value: Invalid string length for parsing to OID, expected 24 but found ${
              (v as string).length
            }`,
          );
        }
        return ObjectId.createFromHexString(v as string);
      }
      return unsupported(v, "objectId");
    default:
      return unsupported(v, to);
  }
}

/** `to` as a type name and, from `{type, subtype}`, the subtype as given. */
function target(to: unknown): { name: string; subtype?: unknown } {
  if (isObj(to)) {
    for (const k of Object.keys(to)) {
      if (k !== "type" && k !== "subtype") {
        throw new CommandError("FailedToParse", `$convert's 'to' argument has an unknown field: ${k}`);
      }
    }
    if (!("type" in to)) {
      throw new CommandError("FailedToParse", "$convert's 'to' argument requires a 'type' field");
    }
    return { name: targetName(to["type"]), subtype: to["subtype"] };
  }
  return { name: targetName(to) };
}

function targetName(to: unknown): string {
  if (typeof to === "string") {
    if (!BSON_TYPE_ALIASES.has(to)) throw new CommandError("BadValue", `Unknown type name: ${to}`);
    if (![...TARGETS.values()].includes(to)) {
      fail(`Unsupported conversion to ${to} in $convert with no onError value`);
    }
    return to;
  }
  if (numKind(to)) {
    const n = toDouble(to);
    const name = TARGETS.get(n);
    if (!name) {
      if (!Number.isInteger(n)) {
        throw new CommandError("FailedToParse", `In $convert, numeric 'to' argument is not an integer`);
      }
      if (![...BSON_TYPE_ALIASES.values()].includes(n)) {
        throw new CommandError(
          "FailedToParse",
          `In $convert, numeric value for 'to' does not correspond to a BSON type: ${n}`,
        );
      }
      fail(`Unsupported conversion to type ${n} in $convert with no onError value`);
    }
    return name;
  }
  throw new CommandError(
    "FailedToParse",
    `$convert's 'to' argument must be a string or number, but is ${typeName(to)}`,
  );
}

function compileConvert(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isObj(arg)) {
    throw new CommandError(
      "FailedToParse",
      `$convert expects an object of named arguments but found: ${typeName(arg)}`,
    );
  }
  const parts: Record<string, Evaluator> = {};
  for (const [k, v] of Object.entries(arg)) {
    // (`byteOrder` came in 8.1, `base` in 8.3: unknown to 8.0, as to mongod 8.0)
    if (!["input", "to", "onError", "onNull", "format"].includes(k)) {
      throw new CommandError("FailedToParse", `$convert found an unknown argument: ${k}`);
    }
    parts[k] = compileExpression(v, ctx);
  }
  if (!parts["input"]) throw new CommandError("FailedToParse", "Missing 'input' parameter to $convert");
  if (!parts["to"]) throw new CommandError("FailedToParse", "Missing 'to' parameter to $convert");
  const input = parts["input"];
  const toEv = parts["to"];
  const onError = parts["onError"];
  const onNull = parts["onNull"];
  const formatEv = parts["format"];
  return (cur, vars) => {
    const to = toEv(cur, vars);
    const v = input(cur, vars);
    if (isNullish(v)) return onNull ? onNull(cur, vars) : null;
    if (isNullish(to)) return null;
    const format = formatEv ? parseFormat(formatEv(cur, vars)) : undefined;
    try {
      const t = target(to);
      return convertValue(v, t.name, { format, subtype: t.subtype });
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
      if (onError) return onError(cur, vars);
      throw new CommandError("ConversionFailure", e.message);
    }
  };
}

/** `$toInt` … `$toObjectId`: `$convert` to `to` with no `onError` (`$toString` of BinData: the `auto` format). */
function shorthand(to: string, opts: ConvertOptions = {}) {
  return (arg: unknown, ctx: ExprContext, op: string): Evaluator => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => {
      const v = a(cur, vars);
      if (isNullish(v)) return null;
      try {
        return convertValue(v, to, opts);
      } catch (e) {
        if (e instanceof ConvertError) throw new CommandError("ConversionFailure", e.message);
        throw e;
      }
    };
  };
}

registerOperators({
  $type: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => typeName(a(cur, vars));
  },
  $isNumber: (arg, ctx, op) => {
    const [a] = fixedArgs(op, arg, 1, ctx) as [Evaluator];
    return (cur, vars) => numKind(a(cur, vars)) !== undefined;
  },
  $convert: compileConvert,
  $toInt: shorthand("int"),
  $toLong: shorthand("long"),
  $toDouble: shorthand("double"),
  $toDecimal: shorthand("decimal"),
  $toString: shorthand("string", { format: "auto" }),
  $toBool: shorthand("bool"),
  $toDate: shorthand("date"),
  $toObjectId: shorthand("objectId"),
});
