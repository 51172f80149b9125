/**
 * find: runs a query and returns the first batch (101 documents by default, at most 16 MiB) in a
 * cursor reply assembled from the stored BSON bytes; leftovers stay in the cursor registry for
 * getMore. A missing collection is an empty result, as on mongod.
 */
import { sessionOf } from "../shared/session_of.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { ensureCursorRoom } from "../shared/cursor_room.ts";
import { QuerySource } from "../../executor/query.ts";
import { isClustered } from "../../executor/clustered.ts";
import { planSummary } from "../shared/plan_summary.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Reply } from "../spec.ts";
import { any, bool, count, doc, ignored, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { jsQueryParts, prefetchWhere } from "../shared/where.ts";
import { namesJavaScript } from "../write/js_rounds.ts";
import { findCollection } from "../shared/namespace.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";
import { viewOf } from "../aggregate/view_source.ts";
import { findOnView } from "./on_view.ts";
import { CommandError } from "../../errors/command_error.ts";
import { findOplog } from "./find_oplog.ts";
import { bucketsBase, findBuckets } from "./find_buckets.ts";
import { findTailable } from "./find_tailable.ts";
import { checkTailableScan } from "../shared/table_scans.ts";
import { isCapped } from "../../executor/capped.ts";
import { compileIdPoint, idPointSummary } from "../shared/compile_query.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { CollectionEntry } from "../../storage/api.ts";

const FIELDS = {
  filter: optional(doc),
  sort: optional(doc),
  projection: optional(doc),
  hint: optional(any),
  skip: optional(count),
  limit: optional(count),
  batchSize: optional(count),
  singleBatch: optional(bool),
  let: optional(doc),
  collation: optional(doc),
  min: optional(doc),
  max: optional(doc),
  tailable: optional(bool),
  awaitData: optional(bool),
  rawData: ignored,
  allowDiskUse: optional(bool),
  returnKey: optional(bool),
  showRecordId: optional(bool),
  oplogReplay: ignored,
  noCursorTimeout: optional(bool),
  allowPartialResults: ignored,
  readOnce: ignored,
  term: ignored,
} as const;

export type FindParams = Parsed<typeof FIELDS> & { readonly collection: string };

const FIND_PARSE = { skip: "find", alsoAccept: GENERIC_FIELDS } as const;

export function parseFind(body: Record<string, unknown>): FindParams {
  // (parseShape's result is a fresh object: the collection is added to it, not spread into a copy)
  const p = parseShape("find", body, FIELDS, FIND_PARSE) as Parsed<typeof FIELDS> & { collection?: string };
  p.collection = collectionName("find", body);
  return p as FindParams;
}

/**
 * Synchronous unless the query must wait (a `$where` prefetch, a yield between slices of a long scan,
 * a projection calling JavaScript): a find by `_id` answers in the turn its request arrived.
 */
function run(ctx: RequestContext<FindParams>): Reply | Promise<Reply> {
  const p = ctx.params;
  const ns = `${ctx.db}.${p.collection}`;
  if (ctx.db === "local" && p.collection === "oplog.rs" && ctx.oplog) return findOplog(ctx, ctx.oplog);
  const buckets = bucketsBase(ctx, p.collection);
  if (buckets) return findBuckets(ctx, buckets.coll, buckets.ts);
  const coll = findCollection(ctx, p.collection);
  if (p.awaitData && !p.tailable) {
    throw new CommandError("FailedToParse", "Cannot set 'awaitData' without also setting 'tailable'");
  }
  if (p.tailable) {
    if (!coll || !isCapped(coll)) {
      throw new CommandError(
        "BadValue",
        `error processing query: ns=${ns}: tailable cursor requested on non capped collection`,
      );
    }
    checkTailableScan(ctx.tableScans.refused, coll);
    return findTailable(ctx, coll);
  }
  // A view runs as an aggregate, which validates (and refuses find-only options) itself.
  if (!coll && viewOf(ctx, p.collection)) {
    ctx.opStats.ns = ns;
    return findOnView(ctx);
  }
  if (coll) {
    const point = idPointQuery(ctx, coll);
    if (point !== undefined) {
      ctx.pointReads?.offer(ns, coll, ctx.client); // later ones may be answered by the I/O thread (point_reads.ts)
      ctx.opStats.ns = ns;
      ctx.opStats.planSummary = idPointSummary(coll);
      return firstBatch(ctx, coll, point, ns, p.limit === 0 ? undefined : p.limit);
    }
  }
  // no `$where` runner or JavaScript host for a query that names no JavaScript (most)
  const js = namesJavaScript(p.filter) || namesJavaScript(p.projection) || namesJavaScript(p.let)
    ? jsQueryParts(ctx)
    : undefined;
  const compiled = compileQueryWithLet(
    {
      filter: p.filter,
      sort: p.sort,
      projection: p.projection,
      hint: p.hint,
      skip: p.skip,
      limit: p.limit,
      collation: p.collation,
      min: p.min,
      max: p.max,
      returnKey: p.returnKey,
      showRecordId: p.showRecordId,
      ...js,
    },
    coll,
    p.let,
    // (QuerySource reads an index range's records with their entries: ixscan.ts)
    {
      exactBounds: true,
      noTableScan: ctx.tableScans.refused,
      trial: { storage: ctx.storage, batchSize: p.batchSize },
    },
  );
  // A blocking sort past [server] query_memory_limit spills sorted runs unless allowDiskUse is false.
  const q = {
    ...compiled,
    sortMemoryLimit: ctx.queryMemoryLimitBytes,
    spill: p.allowDiskUse === false ? undefined : ctx.spill,
  };

  ctx.opStats.ns = ns;
  if (!coll) {
    return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs: [] });
  }
  ctx.opStats.planSummary = planSummary(q.access, isClustered(coll));
  // later finds of this shape may be answered by the I/O thread (point_reads.ts, indexed_find_shape.ts)
  if (q.access.kind === "ixScan") ctx.pointReads?.offerIndexed(ns, coll, ctx.client, p, q.access);
  const limit = p.limit === 0 ? undefined : p.limit;
  const hasSort = p.sort !== undefined && Object.keys(p.sort).some((k) => k !== "$natural");
  // (no $where and no $expr calling $function: no promise hop)
  if (js && js.where.fns.length > 0) {
    return prefetchWhere(
      ctx,
      coll,
      p.filter,
      p.collation,
      js.where,
      limit !== undefined && !hasSort ? (p.skip ?? 0) + Math.abs(limit) : undefined,
      p.let,
    ).then(() => firstBatch(ctx, coll, q, ns, limit));
  }
  return firstBatch(ctx, coll, q, ns, limit);
}

/**
 * A find by `{_id: v}` (or `{_id: {$eq: v}}`, v a plain scalar) with nothing but `limit`,
 * `batchSize` or `singleBatch` beside it, when its collection answers it with a plain IDHACK read
 * (`compileIdPoint`: no compile or plan per request); undefined for any other find.
 */
function idPointQuery(ctx: RequestContext<FindParams>, coll: CollectionEntry): CompiledQuery | undefined {
  const p = ctx.params;
  const filter = p.filter;
  if (
    filter === undefined || p.sort !== undefined || p.projection !== undefined || p.hint !== undefined ||
    p.skip !== undefined || p.let !== undefined || p.collation !== undefined || p.min !== undefined ||
    p.max !== undefined || p.returnKey !== undefined || p.showRecordId !== undefined
  ) return undefined;
  return compileIdPoint(filter, coll, {
    limit: p.limit ?? 0,
    sortMemoryLimit: ctx.queryMemoryLimitBytes,
    spill: p.allowDiskUse === false ? undefined : ctx.spill,
  });
}

/** The query's first batch and the cursor for the rest. */
function firstBatch(
  ctx: RequestContext<FindParams>,
  coll: NonNullable<ReturnType<typeof findCollection>>,
  q: ConstructorParameters<typeof QuerySource>[2],
  ns: string,
  limit: number | undefined,
): Reply | Promise<Reply> {
  const p = ctx.params;
  const batchSize = p.batchSize;
  const singleBatch = (p.singleBatch ?? false) ||
    (limit !== undefined && batchSize !== undefined && batchSize >= limit);

  const source = new QuerySource(ctx.storage, coll, q);
  const maxDocs = batchSize === undefined ? FIRST_BATCH_DOCS : batchSize;
  // (a singleBatch find returns its first batch — batchSize, or 101 documents — and closes the cursor)
  const batch = maxDocs === 0
    ? { docs: [], done: false }
    : source.batchNow(maxDocs, BATCH_BYTES, ctx.control);
  return batch instanceof Promise
    ? batch.then((b) => firstBatchReply(ctx, source, ns, b.docs, b.done, singleBatch))
    : firstBatchReply(ctx, source, ns, batch.docs, batch.done, singleBatch);
}

function firstBatchReply(
  ctx: RequestContext<FindParams>,
  source: QuerySource,
  ns: string,
  docs: Uint8Array[],
  done: boolean,
  singleBatch: boolean,
): Reply {
  const batchSize = ctx.params.batchSize;
  let id = 0n;
  if (!done && !singleBatch) {
    ensureCursorRoom(ctx, source);
    const entry = ctx.cursors.open(ns, source, batchSize ?? 0, ctx.client.connectionId, sessionOf(ctx));
    if (ctx.params.noCursorTimeout === true) entry.noTimeout = true;
    ctx.transaction?.cursors.add(entry.id);
    entry.nReturned = docs.length;
    entry.leftoverMaxTimeMs = ctx.control.remainingMs();
    id = entry.id;
  } else {
    source.close();
  }
  const s = ctx.opStats;
  s.keysExamined = source.stats.keysExamined;
  s.docsExamined = source.stats.docsExamined;
  s.nreturned = docs.length;
  if (id !== 0n) s.cursorid = id;
  if (source.stats.spills) s.usedDisk = true;
  // (owned: the reply is the command's answer, kept nowhere)
  return encodeCursorReply({ id, ns, batchKey: "firstBatch", docs, owned: true });
}

function explain(p: FindParams): ExplainShape {
  return {
    coll: p.collection,
    exactBounds: true,
    batchSize: p.batchSize,
    parts: {
      filter: p.filter,
      sort: p.sort,
      projection: p.projection,
      hint: p.hint,
      skip: p.skip,
      limit: p.limit,
      collation: p.collation,
      variables: p.let,
      min: p.min,
      max: p.max,
      returnKey: p.returnKey,
      showRecordId: p.showRecordId,
    },
  };
}

export const find = defineCommand<FindParams>({
  name: "find",
  help: "queries a collection: {find: <coll>, filter, sort, projection, skip, limit, batchSize}",
  auth: "find",
  parse: parseFind,
  run,
  explain,
});
