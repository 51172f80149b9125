/**
 * stage_table.ts — the stage registry: `$name` → compile function, plus the mongod stages that
 * exist but are not implemented here (reported as NotImplemented instead of "unrecognized").
 */
import { compileGroup } from "./group.ts";
import { compileAddFields, compileProject, compileUnset } from "./project.ts";
import {
  compileCount,
  compileLimit,
  compileMatch,
  compileReplaceRoot,
  compileReplaceWith,
  compileSkip,
  compileSortByCount,
  compileSortStage,
} from "./stages_basic.ts";
import { compileUnwind } from "./unwind.ts";
import { compileDocuments, compileLookup, compileUnionWith } from "./stages_lookup.ts";
import { compileBucket, compileBucketAuto } from "./stages_bucket.ts";
import { compileFacet, compileRedact, compileSample } from "./stages_misc.ts";
import { compileSetWindowFields } from "./stages_window.ts";
import { compileGeoNear } from "./stages_geo.ts";
import type { StageCompiler } from "./types.ts";

export const STAGES: Readonly<Record<string, StageCompiler>> = {
  $match: compileMatch,
  $project: compileProject,
  $addFields: compileAddFields,
  $set: compileAddFields,
  $unset: compileUnset,
  $group: compileGroup,
  $sort: compileSortStage,
  $skip: compileSkip,
  $limit: compileLimit,
  $count: compileCount,
  $unwind: compileUnwind,
  $replaceRoot: compileReplaceRoot,
  $replaceWith: compileReplaceWith,
  $sortByCount: compileSortByCount,
  $lookup: compileLookup,
  $unionWith: compileUnionWith,
  $documents: compileDocuments,
  $facet: compileFacet,
  $bucket: compileBucket,
  $bucketAuto: compileBucketAuto,
  $sample: compileSample,
  $redact: compileRedact,
  $setWindowFields: compileSetWindowFields,
  $geoNear: compileGeoNear,
};

export const UNSUPPORTED_STAGES: ReadonlySet<string> = new Set([
  "$graphLookup",
  "$out",
  "$merge",
  "$densify",
  "$fill",
  "$changeStream",
  "$collStats",
  "$indexStats",
  "$currentOp",
  "$listSessions",
  "$planCacheStats",
  "$search",
  "$searchMeta",
  "$vectorSearch",
  "$listLocalSessions",
  "$changeStreamSplitLargeEvent",
]);
