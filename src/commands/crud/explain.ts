/**
 * explain: `{explain: {find | count | distinct | update | delete | findAndModify | aggregate …},
 * verbosity}`. Parses the inner command with that command's own `parse` (so explain refuses what the
 * command refuses and sees the same `let`, collation, hint …), asks it for its plan inputs
 * (`CommandSpec.explain`), compiles them through the same `compileQuery` the command uses, prints the
 * plan it chose (queryPlanner: winningPlan, rejectedPlans) and, unless the verbosity is
 * "queryPlanner", runs it read-only to report executionStats (writes are never applied).
 */
import { jsQueryParts } from "../shared/where.ts";
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { QuerySource } from "../../executor/query.ts";
import {
  explainCountScan,
  explainDistinctScan,
  explainTree,
  isClusteredIdScan,
  type RunStats,
  wrapStage,
} from "../../planner/explain.ts";
import { distinctScanFor, runDistinctScan } from "./distinct.ts";
import { countIndexEntries, countScanOf } from "../../executor/count_scan.ts";
import { isClustered } from "../../executor/clustered.ts";
import type { RequestContext } from "../context.ts";
import { type AnyCommandSpec, defineCommand, type Doc, type ParseInput } from "../spec.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { optional, parseShape, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { COMPAT_MONGODB_VERSION } from "../../version.ts";
import { fitExplainReply } from "../shared/explain_fit.ts";
import { RandomSample, randomSampleFits } from "../../executor/random_sample.ts";
import { RANDOM_PLAN_STAGE, sampleFromRandomCursor } from "../aggregate/leading_sample.ts";
import type { CollectionEntry } from "../../storage/api.ts";

const VERBOSITIES = ["queryPlanner", "executionStats", "allPlansExecution"] as const;
type Verbosity = typeof VERBOSITIES[number];

export interface ExplainParams {
  readonly verbosity: Verbosity;
  /** The inner command as sent (echoed back in `command`). */
  readonly inner: Doc;
  readonly shape: ExplainShape;
}

function parse(body: Doc, input: ParseInput): ExplainParams {
  const { verbosity = "allPlansExecution" } = parseShape("explain", body, { verbosity: optional(str) }, {
    skip: "explain",
    alsoAccept: GENERIC_FIELDS,
  });
  if (!(VERBOSITIES as readonly string[]).includes(verbosity)) {
    throw new CommandError(
      "FailedToParse",
      `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`,
    );
  }
  const inner = body["explain"];
  if (!isPlainDoc(inner)) throw new CommandError("TypeMismatch", "explain command requires a nested object");
  const name = Object.keys(inner)[0] ?? "";
  const spec: AnyCommandSpec | undefined = input.lookupCommand(name);
  if (!spec?.explain) {
    throw new CommandError("CommandNotFound", `Explain failed due to unknown command: ${name}`);
  }
  if (name === "aggregate" && inner["writeConcern"] !== undefined && inner["writeConcern"] !== null) {
    // mongod's message, its missing space included (as aggregate's own `explain: true`)
    throw new CommandError("FailedToParse", "Aggregation explain does not support the'writeConcern' option");
  }
  const params = spec.parse({ ...inner, $db: input.db }, input);
  return { verbosity: verbosity as Verbosity, inner, shape: spec.explain(params) };
}

async function run(ctx: RequestContext<ExplainParams>): Promise<Doc> {
  const { shape, verbosity, inner } = ctx.params;
  const ns = `${ctx.db}.${shape.coll}`;
  const coll = findCollection(ctx, shape.coll);
  if (coll && shape.sample !== undefined && randomSampleFits(ctx.storage, coll, shape.sample)) {
    return await explainRandomSample(ctx, coll, shape.sample);
  }
  // run as the command would: a blocking sort past the memory limit spills (SORT `usedDisk`)
  const q = {
    ...compileQuery({ ...shape.parts, ...jsQueryParts(ctx) }, coll, {
      planCache: false,
      noTableScan: ctx.tableScans.refused,
      // a count counts index entries alone when the bounds answer the filter (COUNT_SCAN), as it runs;
      // a find needs no filter on its FETCH then, and may skip entries below it (SKIP below FETCH)
      exactBounds: shape.wrap === "COUNT" || shape.exactBounds === true,
      // a sort's plans raced on the data, as the command races them (sort_trial_plan.ts)
      trial: { storage: ctx.storage, batchSize: shape.batchSize },
    }),
    sortMemoryLimit: ctx.queryMemoryLimitBytes,
    spill: inner["allowDiskUse"] === false ? undefined : ctx.spill,
  };
  const filter = shape.parts.filter ?? {};
  const clustered = coll !== undefined && isClustered(coll);
  // a distinct that walks an index (DISTINCT_SCAN) is explained and run as that walk
  const walk = coll && shape.distinctKey !== undefined
    ? distinctScanFor(
      coll,
      q,
      shape.distinctKey,
      { query: shape.parts.filter, hint: shape.parts.hint, collation: shape.parts.collation },
      ctx.storage,
    )
    : undefined;
  const countScan = coll && shape.wrap === "COUNT" ? countScanOf(q) : undefined;
  const tree = (stats?: RunStats) => {
    if (walk) return explainDistinctScan(walk.path, filter, stats);
    if (countScan) {
      return wrapStage(
        "COUNT",
        explainCountScan(countScan, stats),
        stats ? { nReturned: stats.nReturned } : {},
      );
    }
    // an index scan whose bounds answer the filter matches no record again: mongod's FETCH shows none
    const shown = q.access.kind === "ixScan" && q.match === null && q.textScored === undefined && !clustered
      ? {}
      : filter;
    const t = explainTree(
      { ...q, filter: shown, sortSpec: q.sortSpec, projectionSpec: q.projectionSpec, clustered },
      stats,
    );
    return shape.wrap ? wrapStage(shape.wrap, t, stats ? { nReturned: stats.nReturned } : {}) : t;
  };
  const queryPlanner: Doc = {
    namespace: ns,
    parsedQuery: filter,
    indexFilterSet: false,
    planCacheShapeHash: "",
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: tree(),
    rejectedPlans: (q.rejected ?? []).map((a) =>
      explainTree({ access: a, filter, sortSpec: q.sortSpec, skip: q.skip, limit: q.limit, clustered })
    ),
  };
  let executionStats: Doc | undefined;
  if (verbosity !== "queryPlanner") {
    const t0 = performance.now();
    let stats: RunStats = { nReturned: 0, keysExamined: 0, docsExamined: 0 };
    if (countScan) {
      const counted = { keysExamined: 0 };
      const n = await countIndexEntries(ctx.storage, coll!, countScan, ctx.control, counted);
      const skip = shape.parts.skip ?? 0;
      const limit = shape.parts.limit ?? 0;
      const nReturned = limit > 0 ? Math.min(Math.max(0, n - skip), limit) : Math.max(0, n - skip);
      stats = { nReturned, keysExamined: counted.keysExamined, docsExamined: 0 };
    } else if (walk) {
      await runDistinctScan(ctx, walk.scan, []);
      const { keysExamined, docsExamined, valuesFound } = walk.scan.stats;
      stats = { nReturned: valuesFound, keysExamined, docsExamined };
    } else if (coll) {
      const source = new QuerySource(ctx.storage, coll, q, { countAccess: false });
      try {
        for (;;) {
          const { done } = await source.nextBatch(10_000, Infinity, ctx.control);
          if (done) break;
        }
      } finally {
        source.close();
      }
      stats = { ...source.stats };
      // a clustered collection's _id reads are record reads (mongod: no keys examined)
      if (isClusteredIdScan(q.access, clustered)) {
        stats = { ...stats, keysExamined: 0, docsExamined: Math.max(stats.docsExamined, stats.keysExamined) };
      }
    }
    executionStats = {
      executionSuccess: true,
      nReturned: stats.nReturned,
      executionTimeMillis: Math.round(performance.now() - t0),
      totalKeysExamined: stats.keysExamined,
      totalDocsExamined: stats.docsExamined,
      executionStages: tree(stats),
      ...(verbosity === "allPlansExecution" ? { allPlansExecution: [] } : {}),
    };
  }
  const serverInfo = serverInfoOf(ctx);
  const common = { command: { ...inner, $db: ctx.db }, serverInfo, ok: 1 };
  if (shape.rest !== undefined) {
    const cursor: Doc = { queryPlanner, ...(executionStats ? { executionStats } : {}) };
    return fitExplainReply({ explainVersion: "1", stages: [{ $cursor: cursor }, ...shape.rest], ...common });
  }
  return fitExplainReply({
    explainVersion: "1",
    queryPlanner,
    ...(executionStats ? { executionStats } : {}),
    ...common,
  });
}

/**
 * An aggregate whose leading `$sample` is answered by random picks (executor/random_sample.ts), shown
 * as mongod shows it: a `$cursor` over a MULTI_ITERATOR plan, then `$sampleFromRandomCursor`; with
 * executionStats, the picks are made (docsExamined: every pick, repeats included).
 */
async function explainRandomSample(
  ctx: RequestContext<ExplainParams>,
  coll: CollectionEntry,
  size: number,
): Promise<Doc> {
  const { shape, verbosity, inner } = ctx.params;
  const queryPlanner: Doc = {
    namespace: `${ctx.db}.${shape.coll}`,
    parsedQuery: {},
    indexFilterSet: false,
    planCacheShapeHash: "",
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: { stage: RANDOM_PLAN_STAGE },
    rejectedPlans: [],
  };
  let executionStats: Doc | undefined;
  if (verbosity !== "queryPlanner") {
    const t0 = performance.now();
    const sample = new RandomSample(ctx.storage, coll, size);
    while (!sample.done) {
      sample.next(1000);
      if (ctx.control.dueNow()) await ctx.control.yieldNow();
    }
    const { nReturned, docsExamined } = sample.stats;
    executionStats = {
      executionSuccess: true,
      nReturned,
      executionTimeMillis: Math.round(performance.now() - t0),
      totalKeysExamined: 0,
      totalDocsExamined: docsExamined,
      executionStages: { stage: RANDOM_PLAN_STAGE, nReturned, docsExamined },
      ...(verbosity === "allPlansExecution" ? { allPlansExecution: [] } : {}),
    };
  }
  const cursor: Doc = { queryPlanner, ...(executionStats ? { executionStats } : {}) };
  return fitExplainReply({
    explainVersion: "1",
    stages: [{ $cursor: cursor }, sampleFromRandomCursor(size), ...(shape.rest ?? []).slice(1)],
    command: { ...inner, $db: ctx.db },
    serverInfo: serverInfoOf(ctx),
    ok: 1,
  });
}

function serverInfoOf(ctx: RequestContext<unknown>): Doc {
  return { host: ctx.info.address.split(":")[0], port: ctx.info.port, version: COMPAT_MONGODB_VERSION };
}

export const explain = defineCommand<ExplainParams>({
  name: "explain",
  help:
    "explains a query: {explain: {find|count|distinct|update|delete|findAndModify|aggregate …}, verbosity}",
  auth: "find",
  parse,
  run,
});
