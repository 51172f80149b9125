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
import { compileGraphLookup } from "./stages_graph_lookup.ts";
import { compileDensify, compileFill } from "./stages_densify_fill.ts";
import type { StageCompiler } from "./types.ts";
import type { ErrorCodeName } from "../../errors/codes.ts";
import { ATLAS_SEARCH_NOT_ENABLED, SEARCH_INDEX_COMMANDS_NOT_ENABLED } from "../../errors/atlas_search.ts";

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
  $graphLookup: compileGraphLookup,
  $densify: compileDensify,
  $fill: compileFill,
};

/**
 * Stages mongod has that this engine does not run, with the refusal: Atlas Search stages get mongod's
 * community-edition answer (31082 SearchNotEnabled); sharding-only and not-yet-built stages 238.
 * Source stages the command layer answers ($indexStats, $collStats, …) reach here only when misplaced.
 */
export const REFUSED_STAGES: Readonly<Record<string, { code: ErrorCodeName; message: string }>> = {
  $search: {
    code: "SearchNotEnabled",
    message: `Using $search and $vectorSearch aggregation stages ${ATLAS_SEARCH_NOT_ENABLED}`,
  },
  $searchMeta: {
    code: "SearchNotEnabled",
    message: `Using $searchMeta aggregation stage ${ATLAS_SEARCH_NOT_ENABLED}`,
  },
  $vectorSearch: {
    code: "SearchNotEnabled",
    message: `Using $search and $vectorSearch aggregation stages ${ATLAS_SEARCH_NOT_ENABLED}`,
  },
  $listSearchIndexes: { code: "SearchNotEnabled", message: SEARCH_INDEX_COMMANDS_NOT_ENABLED },
  $shardedDataDistribution: {
    code: "NotImplemented",
    message: "$shardedDataDistribution needs a sharded cluster; SecantusDB is a single node",
  },
  $listSampledQueries: {
    code: "NotImplemented",
    message: "$listSampledQueries needs query sampling of a sharded cluster; SecantusDB is a single node",
  },
  $querySettings: { code: "NotImplemented", message: "$querySettings is not implemented yet in SecantusDB" },
  $queryStats: { code: "NotImplemented", message: "$queryStats is not implemented yet in SecantusDB" },
};

export const UNSUPPORTED_STAGES: ReadonlySet<string> = new Set([
  "$out",
  "$merge",
  "$changeStream",
  "$collStats",
  "$indexStats",
  "$currentOp",
  "$listSessions",
  "$planCacheStats",
  "$listLocalSessions",
  "$changeStreamSplitLargeEvent",
]);
