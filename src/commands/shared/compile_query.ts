/**
 * Turns the filter / sort / projection / skip / limit of a find-like command into the executor's
 * CompiledQuery: validates everything first (a bad operator fails even on an empty collection), asks
 * the planner for the access path, and binds the engine's compiled closures.
 */
import { compileFilter, compileProjection, compileSort } from "../../engine/mod.ts";
import { chooseAccessPath } from "../../planner/find_plan.ts";
import type { CompiledQuery } from "../../executor/query.ts";
import type { Doc } from "../spec.ts";

export interface QueryParts {
  readonly filter?: Doc | undefined;
  readonly sort?: Doc | undefined;
  readonly projection?: Doc | undefined;
  readonly hint?: unknown;
  readonly skip?: number | undefined;
  readonly limit?: number | undefined;
}

export function compileQuery(parts: QueryParts): CompiledQuery {
  const filter = parts.filter ?? {};
  const matcher = Object.keys(filter).length === 0 ? null : compileFilter(filter);
  const sortSpec = parts.sort && Object.keys(parts.sort).filter((k) => k !== "$natural").length > 0
    ? parts.sort
    : undefined;
  const sort = sortSpec ? compileSort(sortSpec) : null;
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
