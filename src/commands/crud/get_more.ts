/**
 * getMore: the next batch of an open cursor (up to `batchSize` documents, at most 16 MiB). The
 * cursor must belong to the namespace named; an exhausted cursor is closed and reported as id 0.
 * Any error after the cursor is checked out (the fail points failGetMoreAfterCursorCheckout and
 * maxTimeAlwaysTimeOut included) deletes the cursor, as mongod's getMore does.
 */
import { CommandError } from "../../errors/command_error.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc, type Reply } from "../spec.ts";
import { count, ignored, long, optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { BATCH_BYTES } from "../../limits.ts";
import { OpControl } from "../../observability/op_control.ts";
import { ChangeStreamSource, labelStreamError } from "../aggregate/change_stream_source.ts";

/** An awaitData getMore without maxTimeMS waits this long for new documents (mongod: 1 s). */
const DEFAULT_AWAIT_MS = 1000;

const FIELDS = {
  collection: required(str),
  batchSize: optional(count),
  term: ignored,
  lastKnownCommittedOpTime: ignored,
} as const;

export type GetMoreParams = Parsed<typeof FIELDS> & { readonly cursorId: bigint };

export function parseGetMore(body: Doc): GetMoreParams {
  return {
    ...parseShape("getMore", body, FIELDS, { skip: "getMore", alsoAccept: GENERIC_FIELDS }),
    cursorId: long(body["getMore"], "getMore"),
  };
}

function appNameOf(meta: Doc | undefined): string | undefined {
  const app = meta?.["application"];
  const name = isPlainDoc(app) ? app["name"] : undefined;
  return typeof name === "string" ? name : undefined;
}

async function run(ctx: RequestContext<GetMoreParams>): Promise<Reply> {
  const { cursorId: id, collection, batchSize } = ctx.params;
  const ns = `${ctx.db}.${collection}`;
  const cursor = ctx.cursors.get(id);
  if (!cursor) {
    const killed = ctx.cursors.takeKillReason(id);
    if (killed !== undefined) {
      throw new CommandError("QueryPlanKilled", `cursor id ${id} was killed: ${killed}`);
    }
    throw new CommandError("CursorNotFound", `cursor id ${id} not found`);
  }
  if (cursor.ns !== ns) {
    throw new CommandError(
      "Unauthorized",
      `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
    );
  }
  if (!ctx.auth.ownsCursor(ctx.client, cursor.connectionId)) {
    throw new CommandError("Unauthorized", `cursor id ${id} was not created by the authenticated user`);
  }
  if (cursor.busy) throw new CommandError("CursorInUse", `cursor id ${id} is already in use`);
  if (ctx.generic.maxTimeMS !== undefined && !cursor.source.awaitData) {
    // mongod: a getMore's maxTimeMS bounds an awaitData wait only; the cursor lives on
    throw new CommandError("BadValue", "cannot set maxTimeMS on getMore command for a non-awaitData cursor");
  }
  cursor.busy = true;
  // (what the source examined before this batch: the entry shows what the batch added)
  const examined = cursor.source.stats;
  const keysBefore = examined?.keysExamined ?? 0;
  const docsBefore = examined?.docsExamined ?? 0;
  // The opening command's leftover maxTimeMS is this getMore's deadline (mongod); the getMore's own
  // maxTimeMS bounds an awaitData wait instead.
  // (killOp and a client's hang-up reach the request's control: this one follows it)
  const ctl = OpControl.withTimeLeft(cursor.leftoverMaxTimeMs).follow(ctx.control);
  let result;
  try {
    if (cursor.leftoverMaxTimeMs !== undefined && ctx.failPoints.maxTimeAlwaysTimeOut()) {
      throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
    }
    const code = ctx.failPoints.getMoreAfterCursorCheckout(appNameOf(ctx.client.clientMetadata), ns);
    if (code !== undefined) {
      throw new CommandError(code, "Hit the 'failGetMoreAfterCursorCheckout' failpoint");
    }
    // Without batchSize a getMore returns as much as fits in 16 MiB (the find's batchSize does not carry over).
    const max = batchSize && batchSize > 0 ? batchSize : Infinity;
    const awaitMs = cursor.source.awaitData ? (ctx.generic.maxTimeMS ?? DEFAULT_AWAIT_MS) : undefined;
    if (awaitMs === undefined) result = await cursor.source.nextBatch(max, BATCH_BYTES, ctl, {});
    else {
      // an awaitData wait (change streams, tailable cursors) is mostly waiting: parked meanwhile, as an
      // awaitable hello, so the other connections' replies keep the one-thread path (shim_transport.ts)
      ctx.client.park?.(true);
      try {
        result = await cursor.source.nextBatch(max, BATCH_BYTES, ctl, { awaitMs });
      } finally {
        ctx.client.park?.(false);
      }
    }
    cursor.leftoverMaxTimeMs = ctl.remainingMs();
  } catch (e) {
    cursor.busy = false;
    ctx.cursors.kill(id);
    throw cursor.source instanceof ChangeStreamSource ? labelStreamError(e) : e;
  }
  cursor.busy = false;
  cursor.nReturned += result.docs.length;
  cursor.nBatches++;
  let replyId = id;
  if (result.done) {
    ctx.cursors.kill(id);
    replyId = 0n;
  }
  const s = ctx.opStats;
  s.ns = ns;
  s.cursorid = id;
  if (examined !== undefined) {
    s.keysExamined = examined.keysExamined - keysBefore;
    s.docsExamined = examined.docsExamined - docsBefore;
  }
  s.nreturned = result.docs.length;
  if (result.done) s.cursorExhausted = true;
  // the find / aggregate that opened the cursor, and its plan (profiling.ts keeps them on the cursor)
  const origin = cursor.origin;
  if (origin !== undefined) {
    s.originatingCommand = origin.command;
    if (origin.planSummary !== undefined) s.planSummary = origin.planSummary;
  }
  const reply = encodeCursorReply({
    id: replyId,
    ns,
    batchKey: "nextBatch",
    docs: result.docs,
    ...(result.cursorFields ? { cursorExtra: result.cursorFields } : {}),
    owned: true, // returned as the answer, kept nowhere: the connection frees a large one once written
  });
  result.release?.(); // the batch's documents are copied into the reply
  // Exhaust (OP_MSG exhaustAllowed): the connection sends this batch with moreToCome and runs the
  // same getMore again for the next one, until the cursor is exhausted.
  return ctx.exhaustAllowed && replyId !== 0n ? { streaming: true, reply } : reply;
}

export const getMore = defineCommand<GetMoreParams>({
  name: "getMore",
  help: "next batch of a cursor: {getMore: <id>, collection: <coll>, batchSize}",
  auth: "find",
  parse: parseGetMore,
  run,
});
