/**
 * Random BSON values for fuzz bodies: every BSON type with its edge cases (NaN, ±Infinity, -0, huge and
 * negative Int32/Long/Double/Decimal128, empty and deep documents, out-of-range dates, BSON undefined,
 * MinKey/MaxKey, Code …), plus plausible-but-wrong shapes a client might send where a filter, update,
 * projection, sort, pipeline or index key is expected: unknown `$ops`, operators with the wrong arity or
 * types, expressions in odd places, odd paths ("a..b", "$a", "a.$", "a.0.b").
 */
import {
  Binary,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import type { Prng } from "./prng.ts";
import { BsonUndefined, RawDate } from "./encode.ts";

export const FIELD_PATHS = [
  "a",
  "b",
  "x",
  "_id",
  "a.b",
  "a.0.b",
  "a..b",
  "$a",
  "a.$",
  "a.$[]",
  "a.$[e]",
  "tags",
  "loc",
  "n",
  "",
  ".a",
  "a.",
  "a.b.c.d.e.f",
  "$$ROOT",
  "arr.1",
] as const;

const QUERY_OPS = [
  "$eq",
  "$ne",
  "$gt",
  "$gte",
  "$lt",
  "$lte",
  "$in",
  "$nin",
  "$exists",
  "$type",
  "$regex",
  "$options",
  "$mod",
  "$all",
  "$size",
  "$elemMatch",
  "$not",
  "$bitsAllSet",
  "$bitsAnyClear",
  "$near",
  "$geoWithin",
  "$geoIntersects",
  "$nearSphere",
  "$text",
  "$where",
  "$expr",
  "$jsonSchema",
  "$and",
  "$or",
  "$nor",
  "$comment",
  "$sampleRate",
  "$box",
  "$center",
  "$maxDistance",
  "$geometry",
  "$search",
  "$bogus",
] as const;

const UPDATE_OPS = [
  "$set",
  "$unset",
  "$inc",
  "$mul",
  "$min",
  "$max",
  "$rename",
  "$push",
  "$addToSet",
  "$pop",
  "$pull",
  "$pullAll",
  "$currentDate",
  "$setOnInsert",
  "$bit",
  "$each",
  "$slice",
  "$sort",
  "$position",
  "$bogus",
] as const;

const EXPR_OPS = [
  "$add",
  "$subtract",
  "$multiply",
  "$divide",
  "$mod",
  "$concat",
  "$substr",
  "$substrCP",
  "$toUpper",
  "$dateToString",
  "$dateFromString",
  "$dateAdd",
  "$dateDiff",
  "$dateTrunc",
  "$toDate",
  "$convert",
  "$cond",
  "$ifNull",
  "$switch",
  "$map",
  "$filter",
  "$reduce",
  "$let",
  "$literal",
  "$arrayElemAt",
  "$slice",
  "$range",
  "$zip",
  "$objectToArray",
  "$arrayToObject",
  "$mergeObjects",
  "$getField",
  "$setField",
  "$regexMatch",
  "$regexFind",
  "$split",
  "$trunc",
  "$round",
  "$pow",
  "$log",
  "$sqrt",
  "$exp",
  "$sortArray",
  "$first",
  "$last",
  "$top",
  "$topN",
  "$median",
  "$percentile",
  "$function",
  "$accumulator",
  "$toObjectId",
  "$toLong",
  "$toDecimal",
  "$rand",
  "$bsonSize",
  "$binarySize",
  "$strLenBytes",
  "$indexOfCP",
  "$replaceAll",
  "$trim",
  "$week",
  "$isoWeek",
  "$dayOfYear",
  "$bogus",
  "$sum",
  "$avg",
  "$stdDevPop",
  "$meta",
  "$in",
  "$size",
  "$isArray",
  "$type",
  "$hour",
] as const;

const STAGES = [
  "$match",
  "$project",
  "$addFields",
  "$set",
  "$unset",
  "$group",
  "$sort",
  "$limit",
  "$skip",
  "$unwind",
  "$lookup",
  "$graphLookup",
  "$facet",
  "$bucket",
  "$bucketAuto",
  "$sortByCount",
  "$count",
  "$sample",
  "$replaceRoot",
  "$replaceWith",
  "$redact",
  "$out",
  "$merge",
  "$geoNear",
  "$indexStats",
  "$collStats",
  "$currentOp",
  "$listSessions",
  "$listLocalSessions",
  "$changeStream",
  "$densify",
  "$fill",
  "$setWindowFields",
  "$unionWith",
  "$documents",
  "$planCacheStats",
  "$search",
  "$bogus",
] as const;

const TYPE_NAMES = ["double", "string", "object", "array", "int", "long", "bool", "date", "null", "xyz"];

/** A random scalar of some BSON type, biased to edge cases. */
export function scalar(r: Prng): unknown {
  switch (r.int(30)) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return -1;
    case 3:
      return r.pick([NaN, Infinity, -Infinity, -0]);
    case 4:
      return new Double(r.pick([NaN, Infinity, -Infinity, -0, 1.5, -2.5, 1e308, 5e-324]));
    case 5:
      return new Int32(r.pick([0, 1, -1, 2147483647, -2147483648, 3]));
    case 6:
      return Long.fromBigInt(r.pick([0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, 1n << 53n]));
    case 7:
      return Decimal128.fromString(
        r.pick([
          "0",
          "-0",
          "NaN",
          "Infinity",
          "-Infinity",
          "1.5",
          "1E+6144",
          "-1E-6143",
          "9999999999999999999999999999999999",
        ]),
      );
    case 8:
      return r.pick([
        "",
        "a",
        "x",
        "$a",
        "a\u0000b",
        "a.b",
        "$$ROOT",
        "$$NOW",
        "\u00e9\u{1F600}",
        "a".repeat(r.pick([100, 20000])),
      ]);
    case 9:
      return r.pick([true, false]);
    case 10:
      return null;
    case 11:
      return BsonUndefined.value;
    case 12:
      return new Date(r.pick([0, -1, 8.64e15, -8.64e15, 1700000000000]));
    case 13:
      return new RawDate(
        r.pick([
          9223372036854775807n,
          -9223372036854775808n,
          8640000000000001n,
          -8640000000000001n,
          253402300800000n,
        ]),
      );
    case 14:
      return new BSONRegExp(r.pick(["a", "^a", "(", "[", "a*", ""]), r.pick(["", "i", "imsx", "u", "s"]));
    case 15:
      return new Binary(new Uint8Array(r.int(20)), r.pick([0, 2, 3, 4, 5, 6, 7, 8, 128]));
    case 16:
      return new ObjectId();
    case 17:
      return new Timestamp({ t: r.pick([0, 1, 4294967295]), i: r.pick([0, 1, 4294967295]) });
    case 18:
      return new MinKey();
    case 19:
      return new MaxKey();
    case 20:
      return new Code(r.pick(["function(){return 1}", "this.a", "while(true){}", ")"]));
    case 21:
      return new Code("function(){return x}", { x: 1 });
    case 22:
      return r.pick([1.5, -1.5, 0.1, 1e300, -1e300, 2 ** 53, -(2 ** 31) - 1, 2 ** 31]);
    case 23:
      return r.pick(FIELD_PATHS);
    case 24:
      return "$" + r.pick(FIELD_PATHS);
    case 25:
      return r.pick(["fuzz_a", "fuzz_b", "fuzz_capped", "fuzz_view", "nosuch", "system.views", "fuzz.a"]);
    case 26:
      return r.pick(TYPE_NAMES);
    case 27:
      return r.pick([1e15, 123456789012, -123456789012, 4294967296]);
    case 28:
      return r.pick(["on", "off", "strict", "moderate", "error", "warn", "majority", "local", "snapshot"]);
    default:
      return r.int(100);
  }
}

/** A random value: a scalar, an array or a document (nesting bounded by `depth`). */
export function anyValue(r: Prng, depth = 3): unknown {
  if (depth <= 0) return scalar(r);
  switch (r.int(12)) {
    case 0:
      return [];
    case 1:
      return {};
    case 2:
      return Array.from({ length: 1 + r.int(4) }, () => anyValue(r, depth - 1));
    case 3:
      return randomDoc(r, depth - 1);
    case 4:
      return operatorDoc(r, depth - 1);
    case 5:
      return r.chance(0.2) ? deepDoc(r.pick([20, 100, 180, 250])) : randomDoc(r, depth - 1);
    default:
      return scalar(r);
  }
}

/** A document `{a: {a: … 1}}` nested `n` levels. */
export function deepDoc(n: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

export function randomDoc(r: Prng, depth = 2): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const n = r.int(4);
  for (let i = 0; i < n; i++) d[r.pick(FIELD_PATHS)] = anyValue(r, depth - 1);
  return d;
}

/** An operator's argument: right shape, wrong arity or wrong type. */
function operand(r: Prng, depth: number): unknown {
  switch (r.int(6)) {
    case 0:
      return Array.from(
        { length: r.int(5) },
        () => (r.chance(0.5) ? scalar(r) : "$" + r.pick(["a", "b", "n", "x"])),
      );
    case 1:
      return operatorDoc(r, depth - 1);
    default:
      return anyValue(r, depth - 1);
  }
}

/** `{<op>: <operand>}` for a query, update, expression or stage operator (sometimes several). */
export function operatorDoc(r: Prng, depth = 2): Record<string, unknown> {
  const pool = r.pick([QUERY_OPS, UPDATE_OPS, EXPR_OPS, STAGES] as readonly (readonly string[])[]);
  const d: Record<string, unknown> = {};
  const n = 1 + (r.chance(0.2) ? 1 : 0);
  for (let i = 0; i < n; i++) d[r.pick(pool)] = depth > 0 ? operand(r, depth) : scalar(r);
  return d;
}

/** A query filter: mostly path → value/operators, sometimes logical operators, `$expr`, `$where`. */
export function filter(r: Prng, depth = 2): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const n = r.int(3) + (r.chance(0.2) ? 0 : 1);
  for (let i = 0; i < n; i++) {
    const k = r.chance(0.75) ? r.pick(FIELD_PATHS) : r.pick(QUERY_OPS);
    if (k === "$and" || k === "$or" || k === "$nor") {
      d[k] = r.chance(0.7)
        ? Array.from({ length: r.int(3) }, () => (depth > 0 ? filter(r, depth - 1) : scalar(r)))
        : anyValue(r, 1);
    } else if (k === "$expr") d[k] = expression(r, depth);
    else if (r.chance(0.5)) {
      const op: Record<string, unknown> = {};
      op[r.pick(QUERY_OPS)] = depth > 0 ? operand(r, depth) : scalar(r);
      d[k] = op;
    } else d[k] = anyValue(r, depth);
  }
  return d;
}

/** An aggregation expression. */
export function expression(r: Prng, depth = 2): unknown {
  if (depth <= 0 || r.chance(0.3)) return r.chance(0.5) ? "$" + r.pick(FIELD_PATHS) : scalar(r);
  const op = r.pick(EXPR_OPS);
  const arity = r.int(4);
  if (r.chance(0.3)) return { [op]: anyValue(r, depth - 1) };
  return { [op]: Array.from({ length: arity }, () => expression(r, depth - 1)) };
}

/** An update document (operators) or a replacement or a pipeline. */
export function update(r: Prng, depth = 2): unknown {
  if (r.chance(0.15)) return pipeline(r, depth);
  if (r.chance(0.15)) return randomDoc(r, depth);
  const d: Record<string, unknown> = {};
  const n = 1 + r.int(2);
  for (let i = 0; i < n; i++) {
    const fields: Record<string, unknown> = {};
    const m = r.int(3);
    for (let j = 0; j < m; j++) {
      fields[r.pick(FIELD_PATHS)] = r.chance(0.3) ? operatorDoc(r, depth - 1) : anyValue(r, depth - 1);
    }
    d[r.pick(UPDATE_OPS)] = r.chance(0.85) ? fields : anyValue(r, 1);
  }
  return d;
}

/** A projection or sort or index key pattern. */
export function keyPattern(r: Prng): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  const n = r.int(3) + 1;
  for (let i = 0; i < n; i++) {
    d[r.pick(FIELD_PATHS)] = r.pick<unknown>([
      1,
      -1,
      0,
      true,
      false,
      "text",
      "2dsphere",
      "2d",
      "hashed",
      "geoHaystack",
      "bogus",
      1.5,
      -0,
      { $meta: "textScore" },
      { $meta: r.pick(["searchScore", "bogus", "indexKey", "recordId", "sortKey"]) },
      { $slice: r.pick<unknown>([1, -1, [1, 2], [1], "x"]) },
      { $elemMatch: filter(r, 1) },
      expression(r, 1),
      new Long(1),
      new Decimal128("1"),
      null,
      [],
      {},
    ]);
  }
  return d;
}

/** A pipeline: an array of stages (or, rarely, something that is not one). */
export function pipeline(r: Prng, depth = 2): unknown {
  if (r.chance(0.05)) return anyValue(r, 1);
  const n = r.int(4);
  return Array.from({ length: n }, () => stage(r, depth));
}

export function stage(r: Prng, depth = 2): unknown {
  const s = r.pick(STAGES);
  let arg: unknown;
  switch (s) {
    case "$match":
      arg = filter(r, depth);
      break;
    case "$project":
    case "$sort":
      arg = keyPattern(r);
      break;
    case "$addFields":
    case "$set":
    case "$replaceRoot":
      arg = { [r.pick(["newRoot", "a", "b"])]: expression(r, depth) };
      break;
    case "$group":
      arg = { _id: expression(r, 1), [r.pick(["n", "a"])]: { [r.pick(EXPR_OPS)]: expression(r, 1) } };
      break;
    case "$lookup":
      arg = {
        from: r.pick(["fuzz_a", "fuzz_b", "fuzz_view", 1]),
        localField: r.pick(FIELD_PATHS),
        foreignField: r.pick(FIELD_PATHS),
        as: r.pick(FIELD_PATHS),
        ...(r.chance(0.4) ? { pipeline: pipeline(r, depth - 1), let: randomDoc(r, 1) } : {}),
      };
      break;
    case "$facet":
      arg = { [r.pick(["f", "g", "$x"])]: depth > 0 ? pipeline(r, depth - 1) : [] };
      break;
    case "$unionWith":
      arg = r.chance(0.5)
        ? r.pick(["fuzz_a", "fuzz_b"])
        : { coll: r.pick(["fuzz_a", "fuzz_view"]), pipeline: depth > 0 ? pipeline(r, depth - 1) : [] };
      break;
    case "$limit":
    case "$skip":
    case "$sample":
      arg = r.chance(0.5) ? scalar(r) : { size: scalar(r) };
      break;
    case "$unwind":
      arg = r.chance(0.5) ? "$" + r.pick(FIELD_PATHS) : {
        path: anyValue(r, 0),
        includeArrayIndex: anyValue(r, 0),
        preserveNullAndEmptyArrays: anyValue(r, 0),
      };
      break;
    case "$bucket":
      arg = {
        groupBy: expression(r, 1),
        boundaries: anyValue(r, 1),
        default: scalar(r),
        output: randomDoc(r, 1),
      };
      break;
    case "$bucketAuto":
      arg = { groupBy: expression(r, 1), buckets: scalar(r), granularity: scalar(r) };
      break;
    case "$densify":
      arg = {
        field: r.pick(FIELD_PATHS),
        range: { step: scalar(r), bounds: anyValue(r, 1), unit: scalar(r) },
      };
      break;
    case "$setWindowFields":
      arg = {
        partitionBy: expression(r, 1),
        sortBy: keyPattern(r),
        output: {
          w: {
            [r.pick(EXPR_OPS)]: expression(r, 1),
            window: { documents: anyValue(r, 1), range: anyValue(r, 1), unit: scalar(r) },
          },
        },
      };
      break;
    case "$graphLookup":
      arg = {
        from: "fuzz_a",
        startWith: expression(r, 1),
        connectFromField: r.pick(FIELD_PATHS),
        connectToField: r.pick(FIELD_PATHS),
        as: "g",
        maxDepth: scalar(r),
        depthField: scalar(r),
        restrictSearchWithMatch: filter(r, 1),
      };
      break;
    case "$geoNear":
      arg = {
        near: anyValue(r, 1),
        distanceField: r.pick<unknown>(["d", 1, ""]),
        spherical: scalar(r),
        maxDistance: scalar(r),
        query: filter(r, 1),
        key: r.pick<unknown>(["loc", "x", 1]),
      };
      break;
    case "$merge":
    case "$out":
      arg = r.chance(0.5) ? r.pick<unknown>(["fuzz_out", "fuzz_capped", "fuzz_view", "", 1, "system.x"]) : {
        into: anyValue(r, 1),
        on: anyValue(r, 0),
        whenMatched: anyValue(r, 1),
        whenNotMatched: scalar(r),
        db: scalar(r),
        coll: scalar(r),
      };
      break;
    case "$documents":
      arg = r.chance(0.6) ? Array.from({ length: r.int(3) }, () => randomDoc(r, 1)) : expression(r, 1);
      break;
    default:
      arg = anyValue(r, depth - 1);
  }
  return r.chance(0.05) ? { [s]: arg, $extra: 1 } : { [s]: arg };
}
