/**
 * count: number of documents matching `query`, after `skip`, capped by `limit`; an unfiltered count of
 * `local.oplog.rs` (an internal table, not a collection) is its number of entries.
 */
import { viewOf } from "../aggregate/view_source.ts";
import { countOnView } from "./on_view.ts";
import { bucketsBase, bucketsOf } from "./find_buckets.ts";
import { countAll } from "../shared/first_batch.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  any,
  count as nonNegative,
  doc,
  ignored,
  int,
  optional,
  type Parsed,
  parseShape,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { countMatches } from "../shared/count_matches.ts";
import { jsQueryParts } from "../shared/where.ts";
import { findCollection } from "../shared/namespace.ts";
import { isOplogNs } from "../shared/oplog_stats.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";

const FIELDS = {
  query: optional(doc),
  skip: optional(nonNegative),
  /** A negative limit counts like its absolute value, as on mongod. */
  limit: optional(int),
  hint: optional(any),
  collation: optional(doc),
  rawData: ignored,
  fields: ignored,
} as const;

export type CountParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseCount(body: Doc): CountParams {
  return {
    ...parseShape("count", body, FIELDS, { skip: "count", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("count", body),
  };
}

async function run(ctx: RequestContext<CountParams>): Promise<Doc> {
  const p = ctx.params;
  const skip = p.skip ?? 0;
  const limit = Math.abs(p.limit ?? 0);
  const coll = findCollection(ctx, p.collection);
  if (!coll && isOplogNs(ctx.db, p.collection) && ctx.oplog && isEmpty(p.query)) {
    // The oplog is an internal table, not a collection: its entry count (estimatedDocumentCount).
    const n = Math.max(0, ctx.oplog.count - skip);
    return { n: limit > 0 ? Math.min(n, limit) : n, ok: 1 };
  }
  const buckets = coll ? undefined : bucketsBase(ctx, p.collection);
  if (buckets) {
    // a time-series collection's buckets (one per measurement here, find_buckets.ts)
    const source = bucketsOf(ctx, buckets.coll, buckets.ts, {
      filter: p.query,
      collation: p.collation,
      skip,
      limit,
    });
    return { n: await countAll(ctx, source), ok: 1 };
  }
  if (!coll) {
    if (!viewOf(ctx, p.collection)) {
      // nothing to count, but a bad filter is still refused (mongod, SERVER-8514)
      compileQuery({ filter: p.query, skip, limit, collation: p.collation, ...jsQueryParts(ctx) });
      return { n: 0, ok: 1 };
    }
    const n = await countOnView(ctx, p.collection, { ...p, limit });
    return { n, ok: 1 };
  }
  const n = await countMatches(ctx, coll, {
    filter: p.query,
    skip,
    limit,
    hint: p.hint,
    collation: p.collation,
    indexOnly: "COUNT_SCAN",
  });
  return { n, ok: 1 };
}

function isEmpty(query: Doc | undefined): boolean {
  return !query || Object.keys(query).length === 0;
}

function explain(p: CountParams): ExplainShape {
  return {
    coll: p.collection,
    parts: {
      filter: p.query,
      hint: p.hint,
      skip: p.skip,
      limit: p.limit === undefined ? undefined : Math.abs(p.limit),
      collation: p.collation,
    },
    wrap: "COUNT",
  };
}

export const count = defineCommand<CountParams>({
  name: "count",
  help: "counts matching documents: {count: <coll>, query, skip, limit}",
  auth: "find",
  parse: parseCount,
  run,
  explain,
});
