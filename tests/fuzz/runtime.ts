/**
 * Bodies that get past parsing and fail, if at all, per document: aggregation expressions with the
 * arity and argument names their operators take, over the seeded documents' fields (numbers, strings,
 * dates, decimals, arrays, nested documents, binary, GeoJSON) and odd constants; update operators on
 * those fields and odd paths. Where a TypeError hides, it is in the evaluation of one of these.
 */
import type { Prng } from "./prng.ts";
import { scalar } from "./values.ts";

/** Field references into the seeded documents (seed.ts), some missing, some through arrays. */
export const REFS = [
  "$a",
  "$b",
  "$b.c",
  "$b.d",
  "$b.d.e",
  "$x",
  "$tags",
  "$arr",
  "$arr.b",
  "$n",
  "$t",
  "$loc",
  "$loc.coordinates",
  "$body",
  "$bin",
  "$_id",
  "$missing",
  "$sparse",
  "$$ROOT",
  "$$CURRENT",
  "$$NOW",
  "$$REMOVE",
  "$$this",
  "$$value",
];

/** Operators taking an array of 1..3 arguments. */
const ARRAY_OPS = [
  "$add",
  "$subtract",
  "$multiply",
  "$divide",
  "$mod",
  "$pow",
  "$log",
  "$abs",
  "$ceil",
  "$floor",
  "$exp",
  "$ln",
  "$log10",
  "$sqrt",
  "$trunc",
  "$round",
  "$concat",
  "$substr",
  "$substrCP",
  "$substrBytes",
  "$toUpper",
  "$toLower",
  "$strLenCP",
  "$strLenBytes",
  "$indexOfCP",
  "$indexOfBytes",
  "$split",
  "$strcasecmp",
  "$cmp",
  "$eq",
  "$gt",
  "$lt",
  "$ne",
  "$and",
  "$or",
  "$not",
  "$in",
  "$arrayElemAt",
  "$concatArrays",
  "$isArray",
  "$size",
  "$slice",
  "$range",
  "$reverseArray",
  "$indexOfArray",
  "$setUnion",
  "$setIntersection",
  "$setDifference",
  "$setEquals",
  "$setIsSubset",
  "$allElementsTrue",
  "$anyElementTrue",
  "$objectToArray",
  "$arrayToObject",
  "$mergeObjects",
  "$first",
  "$last",
  "$toString",
  "$toInt",
  "$toLong",
  "$toDouble",
  "$toDecimal",
  "$toDate",
  "$toObjectId",
  "$toBool",
  "$type",
  "$isNumber",
  "$ifNull",
  "$cond",
  "$year",
  "$month",
  "$dayOfWeek",
  "$week",
  "$isoWeek",
  "$isoWeekYear",
  "$hour",
  "$millisecond",
  "$bsonSize",
  "$binarySize",
  "$sum",
  "$avg",
  "$max",
  "$min",
  "$stdDevPop",
  "$stdDevSamp",
  "$sin",
  "$atan2",
  "$degreesToRadians",
  "$bitAnd",
  "$bitOr",
  "$bitNot",
  "$bitXor",
  "$tsSecond",
  "$tsIncrement",
  "$literal",
  "$rand",
  "$toHashedIndexKey",
  "$meta",
];

/** Operators taking a document: their argument names. */
const DOC_OPS: Readonly<Record<string, readonly string[]>> = {
  $dateToString: ["date", "format", "timezone", "onNull"],
  $dateFromString: ["dateString", "format", "timezone", "onError", "onNull"],
  $dateToParts: ["date", "timezone", "iso8601"],
  $dateFromParts: ["year", "month", "day", "hour", "isoWeekYear", "isoWeek", "timezone"],
  $dateAdd: ["startDate", "unit", "amount", "timezone"],
  $dateSubtract: ["startDate", "unit", "amount", "timezone"],
  $dateDiff: ["startDate", "endDate", "unit", "timezone", "startOfWeek"],
  $dateTrunc: ["date", "unit", "binSize", "timezone", "startOfWeek"],
  $convert: ["input", "to", "onError", "onNull", "format", "subtype"],
  $map: ["input", "as", "in"],
  $filter: ["input", "as", "cond", "limit"],
  $reduce: ["input", "initialValue", "in"],
  $let: ["vars", "in"],
  $switch: ["branches", "default"],
  $regexMatch: ["input", "regex", "options"],
  $regexFind: ["input", "regex", "options"],
  $regexFindAll: ["input", "regex", "options"],
  $replaceOne: ["input", "find", "replacement"],
  $replaceAll: ["input", "find", "replacement"],
  $trim: ["input", "chars"],
  $ltrim: ["input", "chars"],
  $getField: ["field", "input"],
  $setField: ["field", "input", "value"],
  $unsetField: ["field", "input"],
  $sortArray: ["input", "sortBy"],
  $zip: ["inputs", "useLongestLength", "defaults"],
  $firstN: ["input", "n"],
  $lastN: ["input", "n"],
  $maxN: ["input", "n"],
  $minN: ["input", "n"],
  $median: ["input", "method"],
  $percentile: ["input", "p", "method"],
  $function: ["body", "args", "lang"],
  $cond: ["if", "then", "else"],
};

const UNITS = ["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "bogus"];
const TYPES = [
  "double",
  "string",
  "objectId",
  "bool",
  "date",
  "int",
  "long",
  "decimal",
  "binData",
  1,
  2,
  16,
  18,
  19,
  99,
];

function leaf(r: Prng): unknown {
  if (r.chance(0.55)) return r.pick(REFS);
  return scalar(r);
}

/** An argument for a named slot of a document-form operator. */
function slot(r: Prng, name: string, depth: number): unknown {
  if (r.chance(0.25)) return leaf(r);
  switch (name) {
    case "unit":
      return r.pick(UNITS);
    case "to":
      return r.pick(TYPES);
    case "as":
      return r.pick(["this", "x", "", "$x", "ROOT", "1a"]);
    case "timezone":
      return r.pick(["UTC", "+01:00", "America/New_York", "bogus", "+99:99", "-00:30", ""]);
    case "format":
      return r.pick(["%Y-%m-%d", "%H:%M:%S.%L", "%z%Z", "%%", "%", "%q", "%G-W%V-%u", "", "uuid", "hex"]);
    case "vars":
      return { v: expr(r, depth - 1), [r.pick(["w", "$x", "ROOT", "CURRENT"])]: leaf(r) };
    case "branches":
      return Array.from({ length: r.int(3) }, () => ({ case: expr(r, depth - 1), then: expr(r, depth - 1) }));
    case "sortBy":
      return r.pick<unknown>([1, -1, { a: 1 }, { b: -1, x: 1 }, 0, "a"]);
    case "method":
      return r.pick(["approximate", "continuous", "discrete", "bogus"]);
    case "p":
      return r.pick<unknown>([[0.5], [0, 1], [1.5], [], "$n", [NaN]]);
    case "n":
      return r.pick<unknown>([1, 0, -1, 2.5, "$n", 1e10, NaN]);
    case "body":
      return r.pick(["function(x){return x}", "function(){throw 1}", "function(){return this}", "x"]);
    case "args":
      return Array.from({ length: r.int(3) }, () => leaf(r));
    case "lang":
      return r.pick(["js", "py"]);
    case "regex":
      return r.pick<unknown>(["a", "^s", "(", "\\d+", new RegExp("s\\d", "i"), ""]);
    default:
      return expr(r, depth - 1);
  }
}

/** An aggregation expression likely to parse, over seeded fields. */
export function expr(r: Prng, depth = 3): unknown {
  if (depth <= 0 || r.chance(0.2)) return leaf(r);
  if (r.chance(0.35)) {
    const op = r.pick(Object.keys(DOC_OPS));
    const d: Record<string, unknown> = {};
    for (const k of DOC_OPS[op]!) if (r.chance(0.75)) d[k] = slot(r, k, depth);
    return { [op]: d };
  }
  const op = r.pick(ARRAY_OPS);
  const n = r.pick([1, 1, 2, 2, 2, 3]);
  const args = Array.from({ length: n }, () => expr(r, depth - 1));
  return { [op]: n === 1 && r.chance(0.5) ? args[0] : args };
}

/** A pipeline evaluating expressions per document (sometimes grouped or windowed). */
export function runtimePipeline(r: Prng): unknown[] {
  const out: unknown[] = [];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    switch (r.int(9)) {
      case 0:
        out.push({
          $group: {
            _id: expr(r, 1),
            v: {
              [
                r.pick([
                  "$sum",
                  "$avg",
                  "$push",
                  "$addToSet",
                  "$first",
                  "$max",
                  "$stdDevSamp",
                  "$mergeObjects",
                ])
              ]: expr(r, 2),
            },
          },
        });
        break;
      case 1:
        out.push({ $match: { $expr: expr(r, 3) } });
        break;
      case 2:
        out.push({ $sort: { [r.pick(["a", "x", "b", "t", "tags", "v"])]: r.pick([1, -1]) } });
        break;
      case 3:
        out.push({ $unwind: r.pick(["$tags", "$arr", "$a", "$b.d", "$v"]) });
        break;
      case 4:
        out.push({
          $setWindowFields: {
            sortBy: { n: 1 },
            output: {
              w: {
                [
                  r.pick([
                    "$sum",
                    "$avg",
                    "$shift",
                    "$rank",
                    "$derivative",
                    "$integral",
                    "$expMovingAvg",
                    "$covariancePop",
                    "$locf",
                    "$linearFill",
                  ])
                ]: r.chance(0.5)
                  ? expr(r, 1)
                  : { input: expr(r, 1), by: r.int(3), N: r.int(3), alpha: scalar(r), default: scalar(r) },
                ...(r.chance(0.5)
                  ? {
                    window: {
                      documents: r.pick<unknown>([[-1, 1], ["unbounded", "current"], [1, -1], [0, 0]]),
                    },
                  }
                  : {}),
              },
            },
          },
        });
        break;
      case 5:
        out.push({
          $bucketAuto: {
            groupBy: expr(r, 1),
            buckets: r.pick([1, 2, 5]),
            ...(r.chance(0.3) ? { granularity: r.pick(["R5", "E6", "POWERSOF2", "1-2-5"]) } : {}),
          },
        });
        break;
      case 6:
        out.push({
          $replaceWith: r.chance(0.5) ? { $mergeObjects: ["$$ROOT", { v: expr(r, 2) }] } : expr(r, 2),
        });
        break;
      default:
        out.push({
          [r.pick(["$project", "$addFields", "$set"])]: {
            v: expr(r, 3),
            ...(r.chance(0.3) ? { w: expr(r, 2) } : {}),
          },
        });
    }
  }
  return out;
}

const UPDATE_PATHS = [
  "a",
  "b.c",
  "b.d",
  "b.d.0",
  "b.d.2.e",
  "tags",
  "tags.1",
  "tags.$[]",
  "arr.$[].b",
  "arr.0.b",
  "x",
  "n",
  "t",
  "loc.coordinates",
  "bin",
  "new.f",
  "arr.$[el].b",
  "tags.$",
];

/** An update (operators on seeded paths, or a pipeline of runtime expressions). */
export function runtimeUpdate(r: Prng): unknown {
  if (r.chance(0.3)) return [{ $set: { [r.pick(["a", "v", "b.c"])]: expr(r, 3) } }];
  const op = r.pick([
    "$set",
    "$inc",
    "$mul",
    "$min",
    "$max",
    "$push",
    "$addToSet",
    "$pop",
    "$pull",
    "$pullAll",
    "$rename",
    "$unset",
    "$bit",
    "$currentDate",
    "$setOnInsert",
  ]);
  const path = r.pick(UPDATE_PATHS);
  let v: unknown = scalar(r);
  if (op === "$push" || op === "$addToSet") {
    v = r.chance(0.6)
      ? {
        $each: [scalar(r), scalar(r)],
        ...(r.chance(0.5) ? { $slice: r.pick([0, -1, 2, -5]) } : {}),
        ...(r.chance(0.5) ? { $sort: r.pick<unknown>([1, -1, { b: 1 }]) } : {}),
        ...(r.chance(0.3) ? { $position: r.pick([0, -1, 10]) } : {}),
      }
      : scalar(r);
  } else if (op === "$bit") v = { [r.pick(["and", "or", "xor"])]: r.pick<unknown>([1, -1, 2 ** 40, 1.5]) };
  else if (op === "$rename") v = r.pick(UPDATE_PATHS.filter((p) => !p.includes("$")));
  else if (op === "$pull") v = r.chance(0.5) ? { b: { $gt: 1 } } : scalar(r);
  else if (op === "$currentDate") v = r.pick<unknown>([true, { $type: "timestamp" }, { $type: "date" }]);
  return { [op]: { [path]: v } };
}
