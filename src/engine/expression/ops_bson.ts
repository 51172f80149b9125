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
import { compileExpression, fixedArgs, isNullish } from "./compile.ts";
import { typeName } from "./coerce.ts";
import { numKind, toDouble } from "./numeric.ts";
import { registerOperators } from "./registry.ts";
import type { Evaluator, ExprContext, JsHost } from "./types.ts";

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

/** `$sampleRate: <rate>` — true for about `rate` of the documents (a constant in [0, 1]). */
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

/** A `$function` body or an `$accumulator` function: a constant string or Code (not a field path). */
export function jsFunctionSource(v: unknown): string | undefined {
  if (typeof v === "string" && !v.startsWith("$")) return v;
  const code = v as { _bsontype?: string; code?: unknown };
  if (code?._bsontype === "Code" && typeof code.code === "string") return code.code;
  return undefined;
}

/** The JavaScript host, or mongod's 31264 when there is none / it is disabled. */
export function requireJs(ctx: ExprContext): JsHost {
  if (!ctx.js?.enabled) {
    throw new CommandError(
      Location.JsNoScriptEngine,
      "Cannot run server-side javascript without the javascript engine enabled",
    );
  }
  return ctx.js;
}

/**
 * `$function: {body, args, lang: "js"}` — calls `body` (a function or expression, string or Code)
 * with the evaluated `args` array in the JavaScript sandbox (engine/js/), mongod's checks in order.
 */
function compileFunction(arg: unknown, ctx: ExprContext): Evaluator {
  if (!isDocument(arg)) {
    throw new CommandError(
      Location.FunctionNotObject,
      `$function requires an object as an argument, found: ${describeValue(arg)}`,
    );
  }
  if (!("body" in arg)) {
    throw new CommandError(Location.FunctionBodyMissing, "The body function must be specified.");
  }
  const body = arg.body;
  if (typeof body === "string" && body.startsWith("$") || isDocument(body) || Array.isArray(body)) {
    throw new CommandError(
      Location.FunctionBodyNotConstant,
      "The body function must be a constant expression",
    );
  }
  const src = jsFunctionSource(body);
  if (src === undefined) {
    throw new CommandError(
      Location.FunctionBodyNotStringOrCode,
      "The body function must evaluate to type string or code",
    );
  }
  if (!("args" in arg)) {
    throw new CommandError(Location.FunctionArgsMissing, "The args field must be specified.");
  }
  const args = compileExpression(arg.args, ctx);
  if (!("lang" in arg)) {
    throw new CommandError(Location.FunctionLangMissing, "The lang field must be specified.");
  }
  if (arg.lang !== "js") {
    throw new CommandError(
      Location.FunctionLangNotJs,
      "Currently the only supported language specifier is 'js'.",
    );
  }
  const js = requireJs(ctx);
  return (cur, vars) => {
    const a = args(cur, vars);
    if (!Array.isArray(a)) {
      throw new CommandError(Location.FunctionArgsNotArray, "The args field must be of type array");
    }
    const r = js.call(src, a);
    return r === undefined ? null : r;
  };
}

registerOperators({
  $sampleRate: compileSampleRate,
  $function: compileFunction,
  $accumulator: (_arg: unknown, ctx: ExprContext): Evaluator => {
    requireJs(ctx);
    throw new CommandError(
      "InvalidPipelineOperator",
      "Unrecognized expression '$accumulator' ($accumulator is an accumulator: $group, $bucket, $setWindowFields)",
    );
  },
});
