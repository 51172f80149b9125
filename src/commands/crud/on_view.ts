/**
 * find, count and distinct on a view, run as mongod runs them: rewritten into an aggregate on the
 * view (whose resolved pipeline goes in front, see commands/aggregate/view_source.ts).
 * find: filter → $match, sort → $sort, skip → $skip, limit → $limit, projection → $project.
 * count: $match, $skip, $limit, then `$count`. distinct: $match, `$unwind` of the key (arrays
 * contribute their elements), `$group` with `$addToSet`; the caller sorts and dedups as usual.
 * find options aggregation cannot express (min, max, returnKey, showRecordId, a `$natural` sort,
 * singleBatch without limit 1) are refused as mongod refuses them.
 */
import { BSON } from "bson";
import { deriveContext, type RequestContext } from "../context.ts";
import type { Doc, Reply } from "../spec.ts";
import { aggregate, parseAggregate } from "../aggregate/aggregate.ts";
import { CommandError } from "../../errors/command_error.ts";

/** The find parameters a view query uses (find's own params type satisfies it). */
export interface FindOnView {
  readonly collection: string;
  readonly filter?: Doc;
  readonly sort?: Doc;
  readonly projection?: Doc;
  readonly hint?: unknown;
  readonly skip?: number;
  readonly limit?: number;
  readonly batchSize?: number;
  readonly singleBatch?: boolean;
  readonly let?: Doc;
  readonly collation?: Doc;
  readonly min?: Doc;
  readonly max?: Doc;
  readonly returnKey?: boolean;
  readonly showRecordId?: boolean;
}

/**
 * mongod converts a find on a view into an aggregate and refuses, before running anything, the find
 * options aggregation has no equivalent for (168 InvalidPipelineOperator, its wording).
 */
function refuseFindOnlyOptions(p: FindOnView): void {
  const option = (p.min !== undefined && Object.keys(p.min).length > 0)
    ? "min"
    : (p.max !== undefined && Object.keys(p.max).length > 0)
    ? "max"
    : p.returnKey
    ? "returnKey"
    : p.showRecordId
    ? "showRecordId"
    : undefined;
  if (option) {
    throw new CommandError("InvalidPipelineOperator", `Option ${option} not supported in aggregation.`);
  }
  if (p.sort && Object.hasOwn(p.sort, "$natural")) {
    throw new CommandError("InvalidPipelineOperator", "Sort option $natural not supported in aggregation.");
  }
  if (p.singleBatch && p.limit !== 1) {
    throw new CommandError("InvalidPipelineOperator", "Option singleBatch not supported in aggregation.");
  }
}

const nonEmpty = (d: Doc | undefined): d is Doc => d !== undefined && Object.keys(d).length > 0;

function aggregateOn(ctx: RequestContext, body: Doc): Promise<Reply> {
  const params = parseAggregate(body, ctx.db);
  return Promise.resolve(aggregate.run(deriveContext(ctx, { params })));
}

export function findOnView(ctx: RequestContext<FindOnView>): Promise<Reply> {
  const p = ctx.params;
  refuseFindOnlyOptions(p);
  const pipeline: Doc[] = [];
  if (nonEmpty(p.filter)) pipeline.push({ $match: p.filter });
  if (nonEmpty(p.sort)) pipeline.push({ $sort: p.sort });
  if (p.skip) pipeline.push({ $skip: p.skip });
  if (p.limit) pipeline.push({ $limit: p.limit });
  if (nonEmpty(p.projection)) pipeline.push({ $project: p.projection });
  const batchSize = p.singleBatch && p.batchSize === undefined ? undefined : p.batchSize;
  return aggregateOn(ctx, {
    aggregate: p.collection,
    pipeline,
    cursor: batchSize !== undefined ? { batchSize } : {},
    ...(p.hint !== undefined ? { hint: p.hint } : {}),
    ...(p.collation ? { collation: p.collation } : {}),
    ...(p.let ? { let: p.let } : {}),
  });
}

/** The documents of a single-batch aggregate reply. */
function firstBatch(reply: Reply): Doc[] {
  const d = reply instanceof Uint8Array ? BSON.deserialize(reply) : reply as Doc;
  return ((d["cursor"] as Doc | undefined)?.["firstBatch"] ?? []) as Doc[];
}

export async function countOnView(
  ctx: RequestContext,
  view: string,
  q: {
    query?: Doc | undefined;
    skip?: number | undefined;
    limit?: number | undefined;
    hint?: unknown;
    collation?: Doc | undefined;
  },
): Promise<number> {
  const pipeline: Doc[] = [];
  if (nonEmpty(q.query)) pipeline.push({ $match: q.query });
  if (q.skip) pipeline.push({ $skip: q.skip });
  if (q.limit) pipeline.push({ $limit: q.limit });
  pipeline.push({ $count: "count" });
  const docs = firstBatch(
    await aggregateOn(ctx, {
      aggregate: view,
      pipeline,
      cursor: {},
      ...(q.hint !== undefined ? { hint: q.hint } : {}),
      ...(q.collation ? { collation: q.collation } : {}),
    }),
  );
  return Number(docs[0]?.["count"] ?? 0);
}

export async function distinctOnView(
  ctx: RequestContext,
  view: string,
  key: string,
  q: { query?: Doc | undefined; hint?: unknown; collation?: Doc | undefined },
): Promise<unknown[]> {
  const pipeline: Doc[] = [];
  if (nonEmpty(q.query)) pipeline.push({ $match: q.query });
  pipeline.push({ $unwind: { path: `$${key}`, preserveNullAndEmptyArrays: true } });
  pipeline.push({ $group: { _id: null, distinct: { $addToSet: `$${key}` } } });
  const docs = firstBatch(
    await aggregateOn(ctx, {
      aggregate: view,
      pipeline,
      cursor: {},
      ...(q.hint !== undefined ? { hint: q.hint } : {}),
      ...(q.collation ? { collation: q.collation } : {}),
    }),
  );
  return (docs[0]?.["distinct"] ?? []) as unknown[];
}
