/**
 * ops_bson.ts — operators over BSON representations: `$bsonSize` (bytes of a document), `$binarySize`
 * (UTF-8 bytes of a string, bytes of a BinData), `$tsSecond`/`$tsIncrement` (the halves of a
 * Timestamp, as longs), `$toUUID` (a canonical UUID string → BinData subtype 4) and `$sampleRate`.
 * Null/missing inputs answer null; wrong types get mongod's codes. (`$meta` is ops_meta.ts,
 * `$toHashedIndexKey` ops_hash.ts.)
 */
import { Binary, BSON, Long, Timestamp, UUID } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { binaryBytes, isDocument, kindOf } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { fixedArgs, isNullish } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext } from "./types.ts";

function one(op: string, arg: unknown, ctx: ExprContext): Evaluator {
  return (fixedArgs(op, arg, 1, ctx) as [Evaluator])[0];
}

function compileBsonSize(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = one(op, arg, ctx);
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    if (!isDocument(v)) {
      throw new CommandError(
        Location.BsonSizeNotObject,
        `$bsonSize requires a document input, found: ${typeName(v)}`,
      );
    }
    return BSON.calculateObjectSize(v);
  };
}

const encoder = new TextEncoder();

function compileBinarySize(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = one(op, arg, ctx);
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    if (typeof v === "string") return encoder.encode(v).length;
    if (kindOf(v) === "binData") return binaryBytes(v).length;
    throw new CommandError(
      Location.BinarySizeBadType,
      `$binarySize requires a string or BinData argument, found: ${typeName(v)}`,
    );
  };
}

function compileTsPart(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = one(op, arg, ctx);
  const second = op === "$tsSecond";
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    if (kindOf(v) !== "timestamp") {
      throw new CommandError(
        second ? Location.TsSecondNotTimestamp : Location.TsIncrementNotTimestamp,
        `Argument to ${op} must be a timestamp, but is ${typeName(v)}`,
      );
    }
    const ts = v as Timestamp;
    return Long.fromNumber(second ? ts.t : ts.i);
  };
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function compileToUUID(arg: unknown, ctx: ExprContext, op: string): Evaluator {
  const a = one(op, arg, ctx);
  return (cur, vars) => {
    const v = a(cur, vars);
    if (isNullish(v)) return null;
    if (kindOf(v) === "binData" && (v as Binary).sub_type === Binary.SUBTYPE_UUID) return v;
    if (typeof v !== "string") {
      throw new CommandError(
        "ConversionFailure",
        `Unsupported conversion from ${typeName(v)} to binData in $convert with no onError value`,
      );
    }
    if (!UUID_RE.test(v)) {
      throw new CommandError(
        "ConversionFailure",
        `Failed to parse string to BinData in $convert with no onError value: Invalid UUID string: ${v}`,
      );
    }
    return new UUID(v).toBinary();
  };
}

registerOperators({
  $bsonSize: compileBsonSize,
  $binarySize: compileBinarySize,
  $tsSecond: compileTsPart,
  $tsIncrement: compileTsPart,
  $toUUID: compileToUUID,
});

/**
 * `$sampleRate: <rate>` — true for about `rate` of the documents (a constant in [0, 1]). Server-side
 * JavaScript (`$function`, `$accumulator`) is refused until the sandboxed worker exists.
 */
function compileSampleRate(arg: unknown): Evaluator {
  const rate = numKind(arg) !== undefined ? toDouble(arg) : NaN;
  if (!(rate >= 0 && rate <= 1)) {
    throw new CommandError(
      "BadValue",
      `$sampleRate expects a numeric value between 0 and 1, but found: ${describeValue(arg)}`,
    );
  }
  return () => Math.random() < rate;
}

function refuseJavaScript(_arg: unknown, _ctx: ExprContext, op: string): Evaluator {
  throw new CommandError(
    "NotImplemented",
    `${op} (server-side JavaScript) is not implemented yet in SecantusDB`,
  );
}

registerOperators({
  $sampleRate: compileSampleRate,
  $function: refuseJavaScript,
  $accumulator: refuseJavaScript,
});
