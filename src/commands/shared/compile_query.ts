/**
 * Turns the filter / sort / projection / skip / limit of a find-like command into the executor's
 * CompiledQuery: validates everything first (a bad operator fails even on an empty collection), asks
 * the planner for the access path, and binds the engine's compiled closures.
 */
import { compileFilter, compileProjection, compileSort, makeStringComparator } from "../../engine/mod.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { chooseAccessPath } from "../../planner/find_plan.ts";
import type { CompiledQuery } from "../../executor/query.ts";
import type { Doc } from "../spec.ts";
import { setPartialFilterCompiler } from "../../executor/index_keys.ts";

/** Partial index filters are compiled by the query engine (simple collation). */
setPartialFilterCompiler((f) => {
  const m = compileFilter(f);
  return (d) => m.matches(d);
});

/** Validates a partialFilterExpression (throws the engine's error for a bad operator). */
export function validatePartialFilter(f: Doc): void {
  compileFilter(f);
}

export interface QueryParts {
  readonly filter?: Doc | undefined;
  readonly sort?: Doc | undefined;
  readonly projection?: Doc | undefined;
  readonly hint?: unknown;
  readonly skip?: number | undefined;
  readonly limit?: number | undefined;
  /** The collation document of the operation (`{locale, strength, …}`); omitted = simple. */
  readonly collation?: Doc | undefined;
}

/**
 * `coll` is the collection the query will run on (undefined when it does not exist); the planner
 * looks at its indexes.
 */
export function compileQuery(parts: QueryParts, _coll?: CollectionEntry): CompiledQuery {
  const filter = parts.filter ?? {};
  const collation = parts.collation;
  const matcher = Object.keys(filter).length === 0
    ? null
    : compileFilter(filter, collation ? { collation } : {});
  const sortSpec = parts.sort && Object.keys(parts.sort).filter((k) => k !== "$natural").length > 0
    ? parts.sort
    : undefined;
  const strCmp = collation ? makeStringComparator(collation) : undefined;
  const sort = sortSpec ? compileSort(sortSpec, strCmp ? { strCmp } : {}) : null;
  const projection = parts.projection && Object.keys(parts.projection).length > 0
    ? compileProjection(parts.projection)
    : null;
  const access = chooseAccessPath({ filter, sort: parts.sort, hint: parts.hint });
  return {
    access,
    match: matcher ? (d) => matcher.matches(d) : null,
    sort,
    skip: parts.skip ?? 0,
    limit: parts.limit ?? 0,
    project: projection ? (d) => projection.apply(d) : null,
  };
}
