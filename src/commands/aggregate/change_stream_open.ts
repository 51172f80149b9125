/**
 * Opening a change stream (`aggregate` with a leading `$changeStream`): where it starts (now, a
 * resume token, or an operation time — refused with 286 when the oplog no longer reaches back that
 * far), the first batch without waiting, and a cursor that stays open (awaitData) until an
 * invalidate.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { compileFilter, compilePipeline } from "../../engine/mod.ts";
import { QuerySource } from "../../executor/query.ts";
import { decodeToken, type ResumePoint } from "../../changestreams/mod.ts";
import type { Oplog } from "../../oplog/mod.ts";
import type { RequestContext } from "../context.ts";
import type { Doc, Reply } from "../reply.ts";
import { sessionOf } from "../shared/session_of.ts";
import { ensureCursorRoom } from "../shared/cursor_room.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";
import { changeStreamScope, type ChangeStreamSpec } from "./change_stream.ts";
import { ChangeStreamSource, labelStreamError, type StreamStart } from "./change_stream_source.ts";

export interface ChangeStreamRequest {
  readonly collection: string | undefined;
  readonly spec: ChangeStreamSpec;
  readonly stages: unknown[];
  readonly batchSize: number | undefined;
  readonly collation?: Doc | undefined;
  readonly variables?: Doc | undefined;
}

function historyLost(): CommandError {
  return new CommandError(
    "ChangeStreamHistoryLost",
    "Resume of change stream was not possible, as the resume point may no longer be in the oplog.",
  );
}

function startOf(oplog: Oplog, spec: ChangeStreamSpec): StreamStart {
  let start: StreamStart;
  if (spec.resumeAfter !== undefined || spec.startAfter !== undefined) {
    const point: ResumePoint = decodeToken(spec.resumeAfter ?? spec.startAfter);
    if (spec.resumeAfter !== undefined && point.invalidate) {
      throw new CommandError(
        "InvalidResumeToken",
        "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.",
      );
    }
    start = { kind: "after", point };
  } else if (spec.startAtOperationTime !== undefined) {
    start = { kind: "at", ts: spec.startAtOperationTime };
  } else {
    const ts = oplog.lastTs() ?? oplog.clock.latest();
    return { kind: "after", point: { ts, opIndex: 0, invalidate: false, highWater: true } };
  }
  const first = oplog.firstTs();
  const ts = start.kind === "at" ? start.ts : start.point.ts;
  if (first === undefined || ts.compare(first) < 0) throw historyLost();
  return start;
}

const SPLIT = "$changeStreamSplitLargeEvent";

/**
 * Takes a trailing `{$changeStreamSplitLargeEvent: {}}` off the stages after `$changeStream` (the
 * cursor splits events past 16 MiB itself); mongod's errors for a non-empty spec or another place.
 */
function takeSplitStage(stages: unknown[]): { stages: unknown[]; split: boolean } {
  const at = stages.findIndex((s) => isPlainDoc(s) && Object.hasOwn(s, SPLIT));
  if (at < 0) return { stages, split: false };
  const spec = (stages[at] as Doc)[SPLIT];
  if (!isPlainDoc(spec) || Object.keys(spec).length > 0) {
    throw new CommandError(Location.ChangeStreamSplitSpecNotEmpty, `${SPLIT} spec should be an empty object`);
  }
  if (at !== stages.length - 1) {
    throw new CommandError(
      Location.ChangeStreamSplitNotLast,
      `${SPLIT} must be the last stage in the pipeline`,
    );
  }
  return { stages: stages.slice(0, -1), split: true };
}

export async function openChangeStream(ctx: RequestContext, req: ChangeStreamRequest): Promise<Reply> {
  const oplog = ctx.oplog;
  if (!oplog) {
    throw new CommandError(
      Location.ChangeStreamReplicaSetOnly,
      "The $changeStream stage is only supported on replica sets",
    );
  }
  if (ctx.generic.autocommit === false) {
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      "Operation not permitted in transaction :: caused by :: $changeStream cannot run in a transaction",
    );
  }
  const scope = changeStreamScope(ctx.db, req.collection, req.spec);
  const { stages: userStages, split } = takeSplitStage(req.stages);
  const stages = userStages.length === 0 ? undefined : compilePipeline(userStages, {
    ...(req.collation ? { collation: req.collation } : {}),
    ...(req.variables ? { variables: req.variables } : {}),
    now: new Date(),
  });
  // The engine leaves a leading $match to the caller (it is usually pushed down to a scan).
  const leading = stages?.leadingMatch
    ? compileFilter(stages.leadingMatch, {
      ...(req.collation ? { collation: req.collation } : {}),
      ...(req.variables ? { variables: req.variables } : {}),
    })
    : undefined;
  const runStages = stages
    ? { run: (input: Doc[]) => stages.run(leading ? input.filter((d) => leading.matches(d)) : input) }
    : undefined;
  const storage = ctx.storage;
  const catalog = storage.catalog;
  const source = new ChangeStreamSource(
    oplog,
    {
      lookup(db, coll, id) {
        const entry = catalog.getCollection(db, coll);
        if (!entry) return null;
        const q = new QuerySource(storage, entry, compileQuery({ filter: { _id: id } }, entry));
        try {
          return q.nextDocs(1).docs[0] ?? null;
        } finally {
          q.close();
        }
      },
    },
    scope,
    req.spec,
    runStages,
    startOf(oplog, req.spec),
    split,
  );
  const ns = `${ctx.db}.${req.collection ?? "$cmd.aggregate"}`;
  let first;
  try {
    first = await source.nextBatch(req.batchSize ?? FIRST_BATCH_DOCS, BATCH_BYTES, ctx.control, {
      awaitMs: 0,
    });
  } catch (e) {
    source.close();
    throw labelStreamError(e);
  }
  let id = 0n;
  if (!first.done) {
    ensureCursorRoom(ctx, source);
    const entry = ctx.cursors.open(ns, source, 0, ctx.client.connectionId, sessionOf(ctx));
    id = entry.id;
  } else source.close();
  return encodeCursorReply({
    id,
    ns,
    batchKey: "firstBatch",
    docs: first.docs,
    ...(first.cursorFields ? { cursorExtra: first.cursorFields } : {}),
  });
}
