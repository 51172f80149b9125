/**
 * `compileQueryWithLet`: compileQuery plus the command's `let` variables for `$expr` in the filter.
 * compileQuery does not take variables yet, so with `let` the filter is compiled here (with the
 * collation and the variables) and the planner sees no filter (a full scan, still correct). Without
 * `let` this is exactly compileQuery. Remove once QueryParts carries `variables`.
 */
import { compileFilter } from "../../engine/mod.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/query.ts";
import { compileQuery, type QueryParts } from "./compile_query.ts";
import type { Doc } from "../spec.ts";

export function compileQueryWithLet(
  parts: QueryParts,
  coll: CollectionEntry | undefined,
  variables: Doc | undefined,
): CompiledQuery {
  if (!variables || !parts.filter || Object.keys(parts.filter).length === 0) return compileQuery(parts, coll);
  const matcher = compileFilter(parts.filter, {
    variables,
    ...(parts.collation ? { collation: parts.collation } : {}),
  });
  const q = compileQuery({ ...parts, filter: undefined }, coll);
  return { ...q, match: (d) => matcher.matches(d) };
}
