/**
 * distinct: the distinct values of `key` over the documents matching `query`, as mongod: arrays at
 * the end of the path are unwound one level (nested arrays stay values), missing fields contribute
 * nothing, values come back in BSON order (under the collation, which also decides equality; the
 * first value met of an equal group is kept), and a result over 16 MiB fails with 17217.
 */
import { recordExamined, recordPlan } from "../shared/read_figures.ts";
import { effectiveCollation } from "../shared/default_collation.ts";
import { viewOf } from "../aggregate/view_source.ts";
import { distinctOnView } from "./on_view.ts";
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues } from "../../bson/compare.ts";
import { QuerySource } from "../../executor/query.ts";
import { makeStringComparator, splitPath, visitPathValues } from "../../engine/mod.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, doc, ignored, optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { jsQueryParts, prefetchWhere } from "../shared/where.ts";
import { findCollection } from "../shared/namespace.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { LIMITS } from "../../limits.ts";

const FIELDS = {
  key: required(str),
  query: optional(doc),
  collation: optional(doc),
  hint: optional(any),
  rawData: ignored,
  mirrored: ignored,
  sampleId: ignored,
} as const;

export type DistinctParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseDistinct(body: Doc): DistinctParams {
  return {
    ...parseShape("distinct", body, FIELDS, { skip: "distinct", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("distinct", body),
  };
}

/** The values `path` contributes from one document (distinct's unwinding rules). */
export function distinctValues(doc: Doc, parts: readonly string[], out: unknown[]): void {
  visitPathValues(doc, parts, (v, isElem) => {
    if (v === undefined) return false;
    if (Array.isArray(v) && !isElem) return false;
    out.push(v);
    return false;
  });
}

async function run(ctx: RequestContext<DistinctParams>): Promise<Doc> {
  const { collection, key, query, collation, hint } = ctx.params;
  if (key.includes("\0")) {
    throw new CommandError(Location.DistinctKeyNul, "Key field cannot contain an embedded null byte");
  }
  const coll = findCollection(ctx, collection);
  const js = jsQueryParts(ctx);
  const q = compileQuery({ filter: query, hint, collation, ...js }, coll, {
    noTableScan: ctx.tableScans.refused,
  });
  const strCmp = makeStringComparator(effectiveCollation(collation, coll));
  const view = coll ? undefined : viewOf(ctx, collection);
  if (!coll && !view) return { values: [], ok: 1 };
  const parts = splitPath(key);
  const found: unknown[] = [];
  if (!coll) {
    const values = await distinctOnView(ctx, collection, key, { query, hint, collation });
    return sortedDistinct(values, strCmp);
  }
  await prefetchWhere(ctx, coll, query, collation, js.where); // $where on the batch lane, not inline
  const source = new QuerySource(ctx.storage, coll, q);
  recordPlan(ctx, coll, q.access);
  try {
    for (;;) {
      const { docs, done } = await source.nextDocsAsync(10_000, ctx.control); // maxTimeMS + yielding
      for (const d of docs) distinctValues(d, parts, found);
      if (done) break;
    }
  } finally {
    source.close();
    recordExamined(ctx, source);
  }
  return sortedDistinct(found, strCmp);
}

/** The distinct values in BSON order, duplicates (under the collation) removed, within 16 MiB. */
function sortedDistinct(found: unknown[], strCmp: ReturnType<typeof makeStringComparator>): Doc {
  const sorted = found.map((v, i) => ({ v, i })).sort((a, b) => compareValues(a.v, b.v, strCmp) || a.i - b.i);
  const values: unknown[] = [];
  let bytes = 0;
  for (const { v } of sorted) {
    if (values.length > 0 && compareValues(values[values.length - 1], v, strCmp) === 0) continue;
    values.push(v);
    bytes += BSON.calculateObjectSize({ v }) - 5;
    if (bytes > LIMITS.maxBsonObjectSize) {
      throw new CommandError(Location.DistinctTooBig, "distinct too big, 16mb cap");
    }
  }
  return { values, ok: 1 };
}

function explain(p: DistinctParams): ExplainShape {
  return { coll: p.collection, parts: { filter: p.query, hint: p.hint, collation: p.collation } };
}

export const distinct = defineCommand<DistinctParams>({
  name: "distinct",
  help: "distinct values of a field: {distinct: <coll>, key, query, collation, hint}",
  auth: "find",
  parse: parseDistinct,
  run,
  explain,
});
