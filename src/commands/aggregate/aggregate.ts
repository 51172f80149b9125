/**
 * aggregate: compiles the pipeline (every stage validated before any work), pushes a leading $match
 * down to the query layer (so `_id` point lookups and, later, index scans apply), streams the
 * collection through the remaining stages lazily, and returns a cursor. `aggregate: 1` runs a
 * collection-less pipeline over no input documents.
 */
import { CommandError } from "../../errors/command_error.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { compileFilter, compilePipeline, pipelineDependencies, withoutPauses } from "../../engine/mod.ts";
import { QuerySource } from "../../executor/query.ts";
import { OpControl } from "../../observability/op_control.ts";
import { controlSlot, PipelineSource, scanInput } from "./pipeline_source.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { optArray, optBool, optDoc, optInt, typeName, validateCollectionName } from "../params/readers.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";
import { geoNearDocs } from "./geo_near.ts";
import { runWriteStage, splitWriteStage } from "./out_merge.ts";
import { splitListLocalSessions } from "./list_local_sessions.ts";
import { parseWriteConcern } from "../params/write_concern.ts";
import { collectionlessIndexStats, indexStatsDocs, splitIndexStats } from "./index_stats.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

/** $out/$merge cannot run under readConcern "linearizable" (mongod: 40680? InvalidOptions). */
function rejectReadConcernForWrite(body: Doc): void {
  const rc = body["readConcern"];
  if (rc && typeof rc === "object" && (rc as Doc)["level"] === "linearizable") {
    throw new CommandError(
      "InvalidOptions",
      "readConcern level 'linearizable' is not allowed with $out or $merge",
    );
  }
}

/** Every document of another collection of the same database ($lookup / $unionWith). */
function readWholeCollection(ctx: CommandContext, name: string): Doc[] {
  const coll = findCollection(ctx, name);
  if (!coll) return [];
  const source = new QuerySource(ctx.storage, coll, compileQuery({}, coll));
  const docs = [...scanDocs(source)];
  source.close();
  return docs;
}

function* scanDocs(source: QuerySource, fields?: ReadonlySet<string> | null): Generator<Doc> {
  for (;;) {
    const { docs, done } = source.nextDocs(1000, fields);
    yield* docs;
    if (done) return;
  }
}

async function run(ctx: CommandContext, body: Doc): Promise<Reply> {
  const ctl = OpControl.fromBody(body); // maxTimeMS + cooperative yielding (docs/concurrency.md)
  const target = body["aggregate"];
  const collectionless = target === 1 || target === 1.0;
  if (!collectionless) {
    if (typeof target !== "string") {
      throw new CommandError(
        "FailedToParse",
        `Invalid {aggregate: ${String(target)}}: must be a collection name or 1 (type ${typeName(target)})`,
      );
    }
    validateCollectionName(target);
  }
  const pipelineSpec = optArray("aggregate", body, "pipeline");
  if (!pipelineSpec) {
    throw new CommandError(40414, "BSON field 'aggregate.pipeline' is missing but a required field");
  }
  const explain = optBool("aggregate", body, "explain") ?? false;
  const cursorOpt = optDoc("aggregate", body, "cursor");
  if (!cursorOpt && !explain) {
    throw new CommandError(
      "FailedToParse",
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  const batchSize = cursorOpt ? optInt("aggregate.cursor", cursorOpt, "batchSize") : undefined;
  if (batchSize !== undefined && batchSize < 0) {
    throw new CommandError(51024, `BSON field 'batchSize' value must be >= 0, actual value '${batchSize}'`);
  }
  const collation = optDoc("aggregate", body, "collation");
  const variables = optDoc("aggregate", body, "let");
  const split = splitIndexStats(pipelineSpec);
  if (split.indexStats && collectionless) throw collectionlessIndexStats();
  const sessionsSplit = splitListLocalSessions(split.stages, collectionless);
  const { stages, write } = splitWriteStage(sessionsSplit.stages, ctx.db);
  if (write) rejectReadConcernForWrite(body);
  const pipeline = compilePipeline(stages, {
    ...(collation ? { collation } : {}),
    ...(variables ? { variables } : {}),
    now: new Date(),
    resolveCollection: (other) => readWholeCollection(ctx, other),
    geoNear: (req) => {
      if (collectionless) {
        throw new CommandError(
          "InvalidNamespace",
          "$geoNear is not allowed in a collectionless aggregation",
        );
      }
      return geoNearDocs(ctx, target as string, req);
    },
  });
  const name = collectionless ? "$cmd.aggregate" : (target as string);
  const ns = `${ctx.db}.${name}`;

  const coll = collectionless ? undefined : findCollection(ctx, name);
  let source: QuerySource | undefined;
  let input: Iterable<Doc> = [];
  let prefixApplied = true;
  const slot = controlSlot(ctl);
  if (split.indexStats || sessionsSplit.listSessions) {
    // Input = index statistics or sessions; the engine runs the rest (leading $match/$sort included).
    const sourceStage = split.indexStats ? "$indexStats" : "$listLocalSessions";
    if (explain) {
      const shown = [{ [sourceStage]: {} }, ...pipeline.stageNames.map((s) => ({ [s]: {} }))];
      return { explainVersion: "1", stages: shown, ok: 1 };
    }
    let docs = split.indexStats
      ? indexStatsDocs(coll, `${Deno.hostname()}:${ctx.info.port}`)
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
    // The leading $match/$sort/$skip/$limit run in the query layer (access path, index order, top-k).
    const q = compileQuery({
      filter: pipeline.leadingMatch,
      sort: pipeline.leadingSort,
      skip: pipeline.leadingSkip,
      limit: pipeline.leadingLimit,
      hint: body["hint"],
      collation,
      variables,
    }, coll);
    if (explain) {
      return {
        explainVersion: "1",
        stages: [
          {
            $cursor: {
              queryPlanner: {
                namespace: ns,
                winningPlan: { stage: q.access.kind === "idLookup" ? "IDHACK" : "COLLSCAN" },
              },
            },
          },
          ...pipeline.stageNames.map((s) => ({ [s]: {} })),
        ],
        ok: 1,
      };
    }
    if (coll) {
      source = new QuerySource(ctx.storage, coll, q);
      // Decode only the fields the pipeline can read (e.g. a $group's key and accumulator inputs).
      input = scanInput(source, slot, pipelineDependencies(stages));
    }
  }
  if (write) {
    // $out / $merge: run the whole pipeline, write, answer with an empty cursor.
    const sync = parseWriteConcern(body).sync || ctx.syncOnCommit;
    try {
      runWriteStage(ctx, write, withoutPauses(pipeline.run(input, { prefixApplied })), sync);
    } finally {
      source?.close();
    }
    return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs: [] });
  }
  const out = new PipelineSource(pipeline.run(input, { prefixApplied }), () => source?.close(), slot);
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
  if (!first.done) {
    const entry = ctx.cursors.open(ns, out, 0, ctx.client.connectionId);
    entry.leftoverMaxTimeMs = ctl.remainingMs();
    id = entry.id;
  } else {
    out.close();
  }
  return encodeCursorReply({ id, ns, batchKey: "firstBatch", docs: first.docs });
}

export const aggregate: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "aggregate",
  help: "runs an aggregation pipeline: {aggregate: <coll> | 1, pipeline: [...], cursor: {}}",
  auth: "find",
  fields: {
    pipeline: "required",
    cursor: "optional",
    explain: "optional",
    allowDiskUse: "ignored",
    hint: "optional",
    let: "optional",
    collation: "optional",
    bypassDocumentValidation: "ignored",
    fromMongos: "ignored",
    needsMerge: "ignored",
    isMapReduceCommand: "ignored",
  },
  run,
};
