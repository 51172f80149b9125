/**
 * aggregate: compiles the pipeline (every stage validated before any work), pushes a leading $match
 * down to the query layer (so `_id` point lookups and, later, index scans apply), streams the
 * collection through the remaining stages lazily, and returns a cursor. `aggregate: 1` runs a
 * collection-less pipeline over no input documents.
 */
import { jsHost } from "../../engine/js/host.ts";
import { effectiveCollation } from "../shared/default_collation.ts";
import { sessionOf } from "../shared/session_of.ts";
import { CommandError } from "../../errors/command_error.ts";
import { ensureCursorRoom } from "../shared/cursor_room.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { requestMajorGc } from "../../observability/gc_hint.ts";
import { isNumeric, isPlainDoc, toNumber } from "../../bson/type_name.ts";
import {
  absorbIntoLookups,
  compileFilter,
  compilePipeline,
  moveMatchesEarlier,
  type NativeGroupPlan,
  nativeGroupPlan,
  nativeMatchPlan,
  type Pipeline,
  pipelineDependencies,
} from "../../engine/mod.ts";
import { groupFirstOutput, groupFold } from "./group_first.ts";
import { countGroupOf, countGroupOutput } from "./count_group.ts";
import { firstPerGroupInput, firstPerGroupPlan } from "./first_per_group.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { countMatches } from "../shared/count_matches.ts";
import { QuerySource } from "../../executor/query.ts";
import { controlSlot, PipelineSource, sampleInput, scanInput, scanStored } from "./pipeline_source.ts";
import { RandomSample, randomSampleFits } from "../../executor/random_sample.ts";
import { leadingSampleSize, RANDOM_PLAN_STAGE, sampleFromRandomCursor } from "./leading_sample.ts";
import type { RequestContext } from "../context.ts";
import { recordExamined, recordPlan } from "../shared/read_figures.ts";
import { defineCommand, type Doc, type Reply } from "../spec.ts";
import {
  any,
  array,
  bool,
  count,
  doc,
  ignored,
  optional,
  type Parsed,
  parseShape,
  required,
  shape,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { validateCollectionName } from "../params/names.ts";
import { typeName } from "../../bson/type_name.ts";
import {
  compileQuery,
  planCacheEntries,
  readsRowMeta,
  textIndexOf,
  withRowMeta,
} from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS, MAX_LOOKUP_JOINED_BYTES } from "../../limits.ts";
import { geoNearDocs } from "./geo_near.ts";
import { lookupByValues, readForeign, streamByValues } from "./foreign_reads.ts";
import { oplogInput } from "./oplog_input.ts";
import { bucketsInput } from "./buckets_input.ts";
import { bucketsBase } from "../crud/find_buckets.ts";
import { runWriteStage, splitWriteStage, type WriteStage } from "./out_merge.ts";
import { splitListLocalSessions } from "./list_local_sessions.ts";
import { splitCurrentOp } from "./current_op_stage.ts";
import { checkApiStrictStage } from "../stable_api.ts";
import { type ChangeStreamSpec, splitChangeStream } from "./change_stream.ts";
import { openChangeStream } from "./change_stream_open.ts";
import { splitListSessions } from "./list_sessions_stage.ts";
import { currentOps, idleCursorOps } from "../admin/current_op.ts";
import { collectionlessIndexStats, indexStatsDocs, splitIndexStats } from "./index_stats.ts";
import { viewCollation, viewOf } from "./view_source.ts";
import type { ResolvedView } from "../shared/views.ts";
import {
  collStatsDocs,
  type CollStatsSpec,
  splitCollStats,
  splitPlanCacheStats,
} from "./coll_stats_stage.ts";

/** mongod's SimpleCursorOptions (strict). */
const CURSOR_FIELDS = {
  batchSize: optional(count),
} as const;

const FIELDS = {
  /** The stages are compiled (and refused) by the engine, not here. */
  pipeline: required(array),
  cursor: optional(shape(CURSOR_FIELDS)),
  explain: optional(bool),
  hint: optional(any),
  let: optional(doc),
  collation: optional(doc),
  allowDiskUse: optional(bool),
  bypassDocumentValidation: optional(bool),
  fromMongos: ignored,
  needsMerge: ignored,
  isMapReduceCommand: ignored,
} as const;

export type AggregateParams = Parsed<typeof FIELDS> & {
  /** The collection, or undefined for a collection-less `{aggregate: 1}`. */
  readonly collection: string | undefined;
  /** Where the input comes from: the collection, or a leading source stage answered here. */
  readonly source:
    | "collection"
    | "$indexStats"
    | "$listLocalSessions"
    | "$listSessions"
    | "$currentOp"
    | "$collStats"
    | "$planCacheStats";
  /** The validated `$collStats` options when `source` is `$collStats`. */
  readonly collStats?: CollStatsSpec;
  /** `$currentOp {idleCursors: true}`: open cursors are listed too. */
  readonly idleCursors?: boolean;
  /** The stages the engine compiles: without the leading source stage and the trailing write stage. */
  readonly stages: unknown[];
  /** A trailing `$out` / `$merge`, validated. */
  readonly write?: WriteStage;
  /** A leading `$changeStream` (then `stages` are the ones after it). */
  readonly changeStream?: ChangeStreamSpec;
};

/** `{aggregate: <coll> | 1}` (FailedToParse for another type, InvalidNamespace for a bad name). */
function aggregateTarget(body: Doc): string | undefined {
  const target = body["aggregate"];
  // (mongod checks for a number equal to 1: 1.0 or Long(1) too)
  if (isNumeric(target) && toNumber(target) === 1) return undefined;
  if (typeof target !== "string") {
    throw new CommandError(
      "FailedToParse",
      `Invalid {aggregate: ${String(target)}}: must be a collection name or 1 (type ${typeName(target)})`,
    );
  }
  validateCollectionName(target);
  return target;
}

/** Parses an aggregate body; `db` is the request's database (the default target of $out/$merge). */
export function parseAggregate(body: Doc, db: string): AggregateParams {
  const p = parseShape("aggregate", body, FIELDS, { skip: "aggregate", alsoAccept: GENERIC_FIELDS });
  const collection = aggregateTarget(body);
  const collectionless = collection === undefined;
  const stream = splitChangeStream(p.pipeline);
  if (stream.spec) {
    return { ...p, collection, source: "collection", stages: stream.stages, changeStream: stream.spec };
  }
  const split = splitIndexStats(p.pipeline);
  if (split.indexStats && collectionless) throw collectionlessIndexStats();
  const sessionsSplit = splitListLocalSessions(split.stages, collectionless);
  const allSessionsSplit = splitListSessions(sessionsSplit.stages, db, collection);
  const opsSplit = splitCurrentOp(allSessionsSplit.stages, collectionless, db);
  const statsSplit = splitCollStats(opsSplit.stages, collectionless);
  const planSplit = splitPlanCacheStats(statsSplit.stages, collectionless);
  const { stages, write } = splitWriteStage(planSplit.stages, db);
  return {
    ...p,
    collection,
    source: split.indexStats
      ? "$indexStats"
      : sessionsSplit.listSessions
      ? "$listLocalSessions"
      : allSessionsSplit.listSessions
      ? "$listSessions"
      : opsSplit.currentOp
      ? "$currentOp"
      : statsSplit.collStats
      ? "$collStats"
      : planSplit.planCacheStats
      ? "$planCacheStats"
      : "collection",
    ...(statsSplit.collStats ? { collStats: statsSplit.collStats } : {}),
    ...(opsSplit.idleCursors ? { idleCursors: true } : {}),
    stages,
    ...(write ? { write } : {}),
  };
}

/** $out/$merge cannot run under readConcern "linearizable" (InvalidOptions). */
function rejectReadConcernForWrite(ctx: RequestContext<AggregateParams>): void {
  if (ctx.readConcern?.level === "linearizable") {
    throw new CommandError(
      "InvalidOptions",
      "readConcern level 'linearizable' is not allowed with $out or $merge",
    );
  }
}

/** The namespace's collection part for `{aggregate: 1}`, as mongod reports it. */
const COLLECTIONLESS = "$cmd.aggregate";

/**
 * Bytes of the documents one `$lookup` joins to one outer document (mongod's
 * internalLookupStageIntermediateDocumentMaxSizeBytes; tests lower it).
 */
export const lookupLimits = { maxBytes: MAX_LOOKUP_JOINED_BYTES };

/** An aggregate on a view: its pipeline in front, on the base collection, under its collation. */
function onView(p: AggregateParams, view: ResolvedView): AggregateParams {
  const collation = viewCollation(view, p.collation);
  const { collation: _given, ...rest } = p;
  return {
    ...rest,
    collection: view.base,
    stages: [...view.pipeline, ...p.stages],
    ...(collation ? { collation } : {}),
  };
}

async function run(ctx: RequestContext<AggregateParams>): Promise<Reply> {
  const view = ctx.params.source === "collection" ? viewOf(ctx, ctx.params.collection) : undefined;
  const p = view ? onView(ctx.params, view) : ctx.params;
  const ctl = ctx.control; // maxTimeMS + cooperative yielding (docs/concurrency.md)
  const explain = p.explain ?? false;
  // Checked here, not in parse: the explain command parses an aggregate without a cursor.
  if (!p.cursor && !explain) {
    throw new CommandError(
      "FailedToParse",
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  if (p.explain === true && ctx.generic.writeConcernGiven) {
    // mongod's message, its missing space included
    throw new CommandError("FailedToParse", "Aggregation explain does not support the'writeConcern' option");
  }
  const batchSize = p.cursor?.batchSize;
  const { let: variables, stages: written, write } = p;
  const collation = effectiveCollation(
    p.collation,
    p.collection === undefined ? undefined : findCollection(ctx, p.collection),
  );
  if (p.changeStream) {
    // (mongod's onlySingleReadConcernSupported: a change stream reads majority-committed changes only;
    // without a readConcern it is upgraded to majority)
    const level = ctx.readConcern?.level;
    if (level !== undefined && level !== "majority") {
      throw new CommandError(
        "InvalidOptions",
        `Aggregation stage $changeStream cannot run with a readConcern other than 'majority'. Current readConcern: ${level}`,
      );
    }
    if (explain) {
      return { explainVersion: "1", stages: [{ $changeStream: p.changeStream }, ...written], ok: 1 };
    }
    return openChangeStream(ctx, {
      collection: p.collection,
      spec: p.changeStream,
      stages: written,
      batchSize,
      collation,
      variables,
    });
  }
  const collectionless = p.collection === undefined;
  if (p.source !== "collection") checkApiStrictStage(ctx.generic, p.source);
  if (write) {
    rejectReadConcernForWrite(ctx);
    if (ctx.generic.autocommit === false) {
      throw new CommandError(
        "OperationNotSupportedInTransaction",
        `${write.kind} cannot be used in a transaction`,
      );
    }
  }
  const textIndex = textIndexOf(p.collection === undefined ? undefined : findCollection(ctx, p.collection));
  // what the blocking stages hold, for the memory watchdog (it stops the biggest operation first)
  const meter = { bytes: 0 };
  ctl.memoryMeter = meter;
  // $function/$accumulator calls of top-level stages are awaited at the cursor's pauses (js_defer.ts)
  const js = jsHost(ctx.js, ctx.control, { deferrable: true });
  const settleJs = async () => {
    if (js.deferred?.waiting) await js.deferred.settle();
  };
  const compile = (stages: readonly unknown[]) =>
    compilePipeline([...stages], {
      ...(collation ? { collation } : {}),
      ...(textIndex ? { textIndex } : {}),
      ...(variables ? { variables } : {}),
      now: new Date(),
      clusterTime: ctx.clusterClock.latest(),
      memoryLimitBytes: ctx.queryMemoryLimitBytes,
      lookupMaxBytes: lookupLimits.maxBytes,
      onMemory: (d) => meter.bytes += d,
      onSpill: () => ctx.opStats.usedDisk = true,
      onHeapReleased: requestMajorGc,
      allowDiskUse: p.allowDiskUse,
      js,
      spill: ctx.spill,
      resolveCollection: (other) => readForeign(ctx, other, js),
      lookupByValues: (other, field, values, fields, filter) =>
        lookupByValues(ctx, other, field, values, fields, filter),
      streamByValues: (other, field, values, fields) => streamByValues(ctx, other, field, values, fields),
      geoNear: (req) => {
        if (p.collection === undefined) {
          throw new CommandError(
            "InvalidNamespace",
            "$geoNear is not allowed in a collectionless aggregation",
          );
        }
        return geoNearDocs(ctx, p.collection, req);
      },
    });
  // validated as written; then its $match filters moved as early as they can go and each $lookup's
  // $unwind (and $match) coalesced into it (mongod's optimisations)
  let pipeline = compile(written);
  const stages = absorbIntoLookups(moveMatchesEarlier(written)) as Doc[];
  if (stages !== written) pipeline = compile(stages);
  const name = p.collection ?? COLLECTIONLESS;
  const ns = `${ctx.db}.${view ? view.view.name : name}`;

  const coll = collectionless ? undefined : findCollection(ctx, name);
  const buckets = coll || collectionless ? undefined : bucketsBase(ctx, name);
  let source: QuerySource | undefined;
  /** A leading $sample answered by random picks (executor/random_sample.ts). */
  let sample: RandomSample | undefined;
  let input: Iterable<Doc> = [];
  let prefixApplied = true;
  /**
   * The pipeline's output when it is not `pipeline.run(input)` (a leading $group folded in storage);
   * `storedOutput` as `run`'s.
   */
  let output: ((storedOutput: boolean) => Promise<Iterable<Doc>>) | undefined;
  const slot = controlSlot(ctl);
  if (p.source !== "collection") {
    // Input = index statistics, sessions or operations; the engine runs the rest (leading $match/$sort included).
    if (explain) {
      const shown = [{ [p.source]: {} }, ...pipeline.stageNames.map((s) => ({ [s]: {} }))];
      return { explainVersion: "1", stages: shown, ok: 1 };
    }
    const host = `${Deno.hostname()}:${ctx.info.port}`;
    let docs = p.source === "$indexStats"
      ? indexStatsDocs(coll, host)
      : p.source === "$collStats"
      ? collStatsDocs(ctx, name, p.collStats as CollStatsSpec, host)
      : p.source === "$planCacheStats"
      ? planCacheEntries(coll, host)
      : p.source === "$currentOp"
      ? [...currentOps(ctx), ...(p.idleCursors ? idleCursorOps(ctx) : [])]
      : ctx.sessions.list();
    if (pipeline.leadingMatch) {
      const m = compileFilter(pipeline.leadingMatch, {
        ...(collation ? { collation } : {}),
        ...(variables ? { variables } : {}),
      });
      docs = docs.filter((d) => m.matches(d));
    }
    input = docs;
    prefixApplied = false;
  } else {
    const countAt = pipeline.matchEnd + (pipeline.leadingSkip !== undefined ? 1 : 0) +
      (pipeline.leadingLimit !== undefined ? 1 : 0);
    const countGroup = pipeline.leadingSort === undefined && countAt === stages.length - 1
      ? countGroupOf(stages[countAt])
      : undefined;
    let firstPlan: ReturnType<typeof firstPerGroupPlan>;
    // The leading $match/$sort/$skip/$limit run in the query layer (access path, index order, top-k).
    let q = compileQuery(
      {
        filter: pipeline.leadingMatch,
        sort: pipeline.leadingSort,
        skip: pipeline.leadingSkip,
        limit: pipeline.leadingLimit,
        hint: p.hint,
        collation,
        variables,
      },
      coll,
      // a leading $skip over an index scan whose bounds answer the $match passes over entries unread
      // (SKIP below FETCH, as a find's); no $group by first values or count is made after a $skip
      {
        noTableScan: ctx.tableScans.refused,
        exactBounds: pipeline.leadingSkip !== undefined,
        trial: { storage: ctx.storage },
      },
    );
    if (q.sort && !explain) {
      // No index gives the order: the engine's $sort sorts instead (bounded memory, spills to disk).
      q = compileQuery({ filter: pipeline.leadingMatch, hint: p.hint, collation, variables }, coll, {
        noTableScan: ctx.tableScans.refused,
      });
      prefixApplied = false;
    }
    // a leading $sample of a few documents of a large collection: random picks, not a scan (mongod's
    // $sampleFromRandomCursor); not when the pipeline reads record metadata ($meta recordId …)
    const sampleSize = leadingSampleSize(stages);
    const sampled = coll && sampleSize !== undefined && !readsRowMeta(p.pipeline) &&
        randomSampleFits(ctx.storage, coll, sampleSize)
      ? sampleSize
      : undefined;
    if (explain) {
      const shown = pipeline.stageNames.map((s): Doc => ({ [s]: {} }));
      if (sampled !== undefined) shown[0] = sampleFromRandomCursor(sampled);
      const winning = sampled !== undefined
        ? RANDOM_PLAN_STAGE
        : q.access.kind === "idLookup"
        ? "IDHACK"
        : "COLLSCAN";
      return {
        explainVersion: "1",
        stages: [{ $cursor: { queryPlanner: { namespace: ns, winningPlan: { stage: winning } } } }, ...shown],
        ok: 1,
      };
    }
    if (!coll && ctx.db === "local" && name === "oplog.rs" && ctx.oplog) {
      // the oplog is an internal table, not a collection: its entries in $natural order (countDocuments)
      const m = pipeline.leadingMatch
        ? compileFilter(pipeline.leadingMatch, {
          ...(collation ? { collation } : {}),
          ...(variables ? { variables } : {}),
        })
        : undefined;
      input = oplogInput(ctx.oplog, slot, m ? (d) => m.matches(d) : undefined);
      prefixApplied = false;
    } else if (!coll && buckets) {
      // a time-series collection's buckets namespace (what mongodump reads): one bucket per measurement
      source = new QuerySource(ctx.storage, buckets.coll, compileQuery({}, buckets.coll));
      const m = pipeline.leadingMatch
        ? compileFilter(pipeline.leadingMatch, {
          ...(collation ? { collation } : {}),
          ...(variables ? { variables } : {}),
        })
        : undefined;
      input = bucketsInput(scanInput(source, slot, null), buckets.ts, m ? (d) => m.matches(d) : undefined);
      prefixApplied = false;
    } else if (coll && countGroup !== undefined) {
      // countDocuments' pipeline: its one group made from a count (index entries alone when they can)
      const c = coll;
      const parts = {
        filter: pipeline.leadingMatch,
        skip: pipeline.leadingSkip ?? 0,
        hint: p.hint,
        indexOnly: "IXSCAN" as const,
      };
      output = async () =>
        countGroupOutput(
          countGroup,
          await countMatches(ctx, c, { ...parts, limit: pipeline.leadingLimit ?? 0, collation, variables }),
        );
    } else if (coll && (firstPlan = firstPerGroupFor(stages, pipeline, q, collation)) !== undefined) {
      // $sort then a $group of $firsts by the sort's first field: the first document of each value
      input = firstPerGroupInput(ctx, coll, firstPlan, q, slot);
    } else if (coll && sampled !== undefined) {
      sample = new RandomSample(ctx.storage, coll, sampled);
      ctx.opStats.planSummary = RANDOM_PLAN_STAGE;
      // the picks are the $sample's output: the stages after it run on them, or the cursor's batches
      // take their stored bytes when none follows
      const s = sample;
      output = (storedOutput) =>
        Promise.resolve(
          storedOutput && stages.length === 1
            ? sampleInput(s, slot, "stored")
            : pipeline.runAfterFirst(sampleInput(s, slot, pipelineDependencies(stages))),
        );
    } else if (coll) {
      if (readsRowMeta(p.pipeline)) q = withRowMeta(q);
      source = new QuerySource(ctx.storage, coll, q);
      recordPlan(ctx, coll, q.access);
      // Decode only the fields the pipeline can read (e.g. a $group's key and accumulator inputs).
      const fields = pipelineDependencies(stages);
      // A first stage that takes stored documents (a `$sort` by paths) reads whole ones as stored bytes,
      // and so does the consumer (a cursor's batches, `$out`/`$merge`) when no stage runs.
      input = fields === null && !q.rowMeta && pipeline.storedInput({ prefixApplied, storedOutput: true })
        ? scanStored(source, slot)
        : scanInput(source, slot, fields);
      // A leading simple $group, after a simple $match over a collection scan: filtered and folded by
      // the storage engine inside the scan (group_first.ts). An index the planner picked for the
      // $match reads fewer records than a fold over every one: the JS path keeps it.
      const at = pipeline.matchEnd;
      const plan: NativeGroupPlan | undefined = groupFold.enabled && pipeline.stageNames[at] === "$group" &&
          (at === 0 || q.access.kind === "collScan")
        ? nativeGroupPlan(stages[at], collation)
        : undefined;
      const filter = plan && pipeline.leadingMatch !== undefined
        ? nativeMatchPlan(pipeline.leadingMatch)
        : undefined;
      if (plan && (pipeline.leadingMatch === undefined || filter !== undefined)) {
        const src = source;
        output = () =>
          groupFirstOutput(pipeline, plan, src, ctl, slot, {
            memoryLimitBytes: ctx.queryMemoryLimitBytes,
            meter: (d) => meter.bytes += d,
            fields,
            ...(filter !== undefined ? { filter } : {}),
          });
      }
    }
  }
  /** The consumers (a cursor's batches, `$out`/`$merge`) copy stored documents as they come. */
  const run = async (): Promise<Iterable<Doc>> => {
    if (!output) return pipeline.run(input, { prefixApplied, storedOutput: true });
    try {
      return await output(true);
    } catch (e) {
      source?.close();
      sample?.close();
      throw e;
    }
  };
  const read = source ?? sample;
  if (write) {
    // $out / $merge: run the whole pipeline, write, answer with an empty cursor.
    const sync = ctx.writeConcern.sync || ctx.syncOnCommit;
    try {
      await runWriteStage(
        ctx,
        write,
        await run(),
        sync,
        ctl,
        settleJs,
        ctx.params.bypassDocumentValidation === true,
      );
    } finally {
      source?.close();
      sample?.close();
      ctx.opStats.ns = ns;
      if (read) recordExamined(ctx, read);
    }
    return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs: [] });
  }
  const out = new PipelineSource(
    await run(),
    () => {
      source?.close();
      sample?.close();
    },
    slot,
    settleJs,
  );
  if (read) out.stats = read.stats; // (a getMore's figures: what its batch added)
  let first;
  try {
    first = batchSize === 0
      ? { docs: [], done: false }
      : await out.nextBatch(batchSize ?? FIRST_BATCH_DOCS, BATCH_BYTES, ctl);
  } catch (e) {
    out.close();
    throw e;
  }
  let id = 0n;
  ctx.opStats.ns = ns;
  if (read) recordExamined(ctx, read);
  ctx.opStats.nreturned = first.docs.length;
  if (!first.done) {
    ensureCursorRoom(ctx, out);
    const entry = ctx.cursors.open(ns, out, 0, ctx.client.connectionId, sessionOf(ctx));
    ctx.transaction?.cursors.add(entry.id);
    entry.leftoverMaxTimeMs = ctl.remainingMs();
    id = entry.id;
    ctx.opStats.cursorid = id;
  } else {
    out.close();
  }
  const reply = encodeCursorReply({ id, ns, batchKey: "firstBatch", docs: first.docs, owned: true });
  first.release?.(); // the batch's documents are copied into the reply
  return reply;
}

/**
 * The plan inputs explain prints: the leading $match stages (after the filters that can move earlier
 * have, as the command runs them) become the filter (one, or their $and), the rest of the pipeline is
 * shown after the $cursor stage.
 */
function explainShape(p: AggregateParams): ExplainShape {
  const pipeline = movedMatches(p.pipeline);
  const matches: Doc[] = [];
  let i = 0;
  for (; i < pipeline.length; i++) {
    const stage = pipeline[i];
    const m = isPlainDoc(stage) ? stage["$match"] : undefined;
    if (!isPlainDoc(m)) break;
    matches.push(m);
  }
  const filter = matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : { $and: matches };
  const sample = i === 0 && !readsRowMeta(pipeline) ? leadingSampleSize(pipeline) : undefined;
  // a $sort after them (and a $limit right after it) runs in the query layer, as mongod's $cursor shows it
  const sort = pushedSort(pipeline[i]);
  if (sort !== undefined) i++;
  const limit = sort !== undefined ? pushedLimit(pipeline[i]) : undefined;
  if (limit !== undefined) i++;
  return {
    coll: p.collection ?? COLLECTIONLESS,
    parts: {
      filter,
      hint: p.hint,
      collation: p.collation,
      variables: p.let,
      ...(sort !== undefined ? { sort } : {}),
      ...(limit !== undefined ? { limit } : {}),
    },
    rest: pipeline.slice(i) as Doc[],
    ...(sample !== undefined ? { sample } : {}),
  };
}

/** A `$sort` stage's spec the query layer can run (by paths: no `$meta`), else undefined. */
function pushedSort(stage: unknown): Doc | undefined {
  if (!isPlainDoc(stage) || Object.keys(stage).length !== 1) return undefined;
  const spec = stage["$sort"];
  if (!isPlainDoc(spec) || Object.keys(spec).length === 0) return undefined;
  return (JSON.stringify(spec) ?? "").includes('"$meta"') ? undefined : spec;
}

/** A `$limit` stage's positive integer count, else undefined. */
function pushedLimit(stage: unknown): number | undefined {
  if (!isPlainDoc(stage) || Object.keys(stage).length !== 1 || !isNumeric(stage["$limit"])) return undefined;
  const n = toNumber(stage["$limit"]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The stages with their filters moved earlier and `$lookup` + `$unwind` coalesced; as written when a
 * stage is malformed (the run reports it).
 */
function movedMatches(stages: readonly unknown[]): readonly unknown[] {
  try {
    return absorbIntoLookups(moveMatchesEarlier(stages));
  } catch {
    return stages;
  }
}

export const aggregate = defineCommand<AggregateParams>({
  name: "aggregate",
  help: "runs an aggregation pipeline: {aggregate: <coll> | 1, pipeline: [...], cursor: {}}",
  auth: "find",
  parse: (body, input) => parseAggregate(body, input.db),
  run,
  explain: explainShape,
});

/** `firstPerGroupPlan` for a pipeline `$match`* `$sort` `$group` … (no `$skip`/`$limit` between). */
function firstPerGroupFor(
  stages: readonly unknown[],
  pipeline: Pipeline,
  q: CompiledQuery,
  collation: Doc | undefined,
): ReturnType<typeof firstPerGroupPlan> {
  if (pipeline.leadingSkip !== undefined || pipeline.leadingLimit !== undefined) return undefined;
  return firstPerGroupPlan(stages, pipeline.matchEnd + 1, pipeline.leadingSort, q, collation !== undefined);
}
