/**
 * planCacheClear: forgets a collection's cached query plans (`$planCacheStats` lists them), or with
 * `query` (and its `sort`, `collation`) only those of that query shape. As mongod: the query is checked as
 * a find would check it (a bad operator fails), `sort`, `projection` or `collation` without `query` is 2
 * BadValue (so a forgotten `query` cannot clear everything), and clearing a collection that does not exist
 * succeeds. Needs `planCacheWrite` on the collection.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { doc, optional, parseShape } from "../params/schema.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { clearPlanCache, compileQuery } from "../shared/compile_query.ts";

export interface PlanCacheClearParams {
  readonly collection: string;
  readonly query: Doc | undefined;
  readonly sort: Doc | undefined;
  readonly projection: Doc | undefined;
  readonly collation: Doc | undefined;
}

const FIELDS = {
  query: optional(doc),
  sort: optional(doc),
  projection: optional(doc),
  collation: optional(doc),
} as const;

function parse(body: Doc): PlanCacheClearParams {
  const p = parseShape("planCacheClear", body, FIELDS, {
    skip: "planCacheClear",
    alsoAccept: GENERIC_FIELDS,
  });
  if (
    p.query === undefined && (p.sort !== undefined || p.projection !== undefined || p.collation !== undefined)
  ) {
    throw new CommandError("BadValue", "sort, projection, or collation provided without query");
  }
  return {
    collection: collectionName("planCacheClear", body),
    query: p.query,
    sort: p.sort,
    projection: p.projection,
    collation: p.collation,
  };
}

function run(ctx: RequestContext<PlanCacheClearParams>): Doc {
  const { collection, query, sort, projection, collation } = ctx.params;
  ctx.opStats.ns = `${ctx.db}.${collection}`;
  const coll = findCollection(ctx, collection);
  if (!coll) return { ok: 1 }; // (clearing a collection that does not exist succeeds, as on mongod)
  if (query === undefined) {
    clearPlanCache(coll);
    return { ok: 1 };
  }
  // the shape is checked as a find checks it: a filter, sort, projection or collation it refuses fails here
  compileQuery({ filter: query, sort, projection, collation }, coll, { planCache: false });
  clearPlanCache(coll, { filter: query, sort, collation });
  return { ok: 1 };
}

export const planCacheClear = defineCommand<PlanCacheClearParams>({
  name: "planCacheClear",
  help:
    "forgets a collection's cached plans, or one query shape's: {planCacheClear: coll, query, sort, collation}",
  auth: "planCacheWrite",
  parse,
  run,
});
