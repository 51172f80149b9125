/**
 * The operator-list walk (issue 15): every stage, accumulator and expression operator in MongoDB 8.0's
 * documented list is either implemented or refused on purpose with a documented code — never
 * "unrecognized". Refusals are listed here with their reason.
 */
import assert from "node:assert/strict";
import { CommandError } from "../../errors/command_error.ts";
import { compilePipeline } from "./mod.ts";
import { operatorNames } from "../expression/registry.ts";
import "../expression/families.ts";

const EXPRESSIONS =
  `$abs $add $ceil $divide $exp $floor $ln $log $log10 $mod $multiply $pow $round $sqrt $subtract
$trunc $arrayElemAt $arrayToObject $concatArrays $filter $first $firstN $in $indexOfArray $isArray $last $lastN
$map $maxN $minN $objectToArray $range $reduce $reverseArray $size $slice $sortArray $zip $bitAnd $bitNot $bitOr
$bitXor $and $not $or $cmp $eq $gt $gte $lt $lte $ne $cond $ifNull $switch $accumulator $function $binarySize
$bsonSize $dateAdd $dateDiff $dateFromParts $dateFromString $dateSubtract $dateToParts $dateToString $dateTrunc
$dayOfMonth $dayOfWeek $dayOfYear $hour $isoDayOfWeek $isoWeek $isoWeekYear $millisecond $minute $month $second
$toDate $week $year $literal $getField $rand $sampleRate $toHashedIndexKey $mergeObjects $setField $unsetField
$allElementsTrue $anyElementTrue $setDifference $setEquals $setIntersection $setIsSubset $setUnion $concat
$indexOfBytes $indexOfCP $ltrim $regexFind $regexFindAll $regexMatch $replaceOne $replaceAll $rtrim $split
$strLenBytes $strLenCP $strcasecmp $substr $substrBytes $substrCP $toLower $toString $trim $toUpper $meta
$tsIncrement $tsSecond $sin $cos $tan $asin $acos $atan $atan2 $asinh $acosh $atanh $sinh $cosh $tanh
$degreesToRadians $radiansToDegrees $convert $isNumber $toBool $toDecimal $toDouble $toInt $toLong $toObjectId
$type $toUUID $avg $max $median $min $percentile $stdDevPop $stdDevSamp $sum $let`.split(/\s+/);

const ACCUMULATORS =
  `$accumulator $addToSet $avg $bottom $bottomN $count $first $firstN $last $lastN $max $maxN
$median $mergeObjects $min $minN $percentile $push $stdDevPop $stdDevSamp $sum $top $topN`.split(/\s+/);

const STAGES = `$addFields $bucket $bucketAuto $changeStream $changeStreamSplitLargeEvent $collStats $count
$currentOp $densify $documents $facet $fill $geoNear $graphLookup $group $indexStats $limit $listLocalSessions
$listSampledQueries $listSearchIndexes $listSessions $lookup $match $merge $out $planCacheStats $project
$querySettings $queryStats $redact $replaceRoot $replaceWith $sample $search $searchMeta $set $setWindowFields
$shardedDataDistribution $skip $sort $sortByCount $unionWith $unset $unwind $vectorSearch`.split(/\s+/);

/** MongoDB 8.0's `$setWindowFields` window operators, each with an argument it accepts. */
const WINDOW_FUNCTIONS: Record<string, unknown> = {
  $addToSet: "$a",
  $avg: "$a",
  $bottom: { sortBy: { a: 1 }, output: "$a" },
  $bottomN: { sortBy: { a: 1 }, output: "$a", n: 2 },
  $count: {},
  $covariancePop: ["$a", "$a"],
  $covarianceSamp: ["$a", "$a"],
  $denseRank: {},
  $derivative: { input: "$a" },
  $documentNumber: {},
  $expMovingAvg: { input: "$a", N: 2 },
  $first: "$a",
  $firstN: { input: "$a", n: 2 },
  $integral: { input: "$a" },
  $last: "$a",
  $lastN: { input: "$a", n: 2 },
  $linearFill: "$a",
  $locf: "$a",
  $max: "$a",
  $maxN: { input: "$a", n: 2 },
  $median: { input: "$a", method: "approximate" },
  $min: "$a",
  $minN: { input: "$a", n: 2 },
  $percentile: { input: "$a", p: [0.5], method: "approximate" },
  $push: "$a",
  $rank: {},
  $shift: { output: "$a", by: 1 },
  $stdDevPop: "$a",
  $stdDevSamp: "$a",
  $sum: "$a",
  $top: { sortBy: { a: 1 }, output: "$a" },
  $topN: { sortBy: { a: 1 }, output: "$a", n: 2 },
};

/** Refused on purpose (code 238 NotImplemented or mongod's own), with the reason. */
const REFUSED: Record<string, string> = {};

const UNRECOGNIZED = new Set([168, 15952, 40324]);

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CommandError) return e.code;
    throw e;
  }
  return undefined;
}

Deno.test("every MongoDB 8.0 expression operator is implemented or deliberately refused", () => {
  const known = new Set(operatorNames());
  const missing = EXPRESSIONS.filter((op) => !known.has(op) && !(op in REFUSED));
  assert.deepEqual(missing, []);
});

Deno.test("every MongoDB 8.0 $group accumulator is recognised", () => {
  const bad = ACCUMULATORS.filter((op) => {
    const code = codeOf(() => compilePipeline([{ $group: { _id: null, x: { [op]: {} } } }]));
    return code !== undefined && UNRECOGNIZED.has(code);
  });
  assert.deepEqual(bad, []);
});

Deno.test("every MongoDB 8.0 stage is recognised (implemented, answered by the command layer, or refused)", () => {
  const bad = STAGES.filter((name) => {
    const code = codeOf(() => compilePipeline([{ [name]: {} }]));
    return code !== undefined && UNRECOGNIZED.has(code);
  });
  assert.deepEqual(bad, []);
});

Deno.test("every MongoDB 8.0 window function compiles in $setWindowFields; $mergeObjects is refused as mongod does", () => {
  const windowed = (op: string, arg: unknown, window?: unknown) =>
    compilePipeline([{
      $setWindowFields: {
        sortBy: { a: 1 },
        output: { x: { [op]: arg, ...(window ? { window } : {}) } },
      },
    }]);
  const failed: string[] = [];
  for (const [op, arg] of Object.entries(WINDOW_FUNCTIONS)) {
    try {
      // $derivative needs explicit window bounds (mongod's rule)
      windowed(op, arg, op === "$derivative" ? { documents: [-1, 0] } : undefined);
    } catch (e) {
      failed.push(`${op}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  assert.deepEqual(failed, []);
  // document and range windows, with a time unit for range windows over dates
  windowed("$sum", "$a", { documents: [-1, 1] });
  windowed("$sum", "$a", { range: [-10, 10] });
  windowed("$derivative", { input: "$a", unit: "second" }, { range: [-10, 0], unit: "second" });
  assert.equal(codeOf(() => windowed("$mergeObjects", "$a")), 9);
  assert.equal(codeOf(() => windowed("$noSuchWindowFunction", "$a")), 9);
});
