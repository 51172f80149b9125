/** `compileQueryWithLet`: compileQuery with the command's `let` variables (for `$expr` in the filter). */
import type { CollectionEntry } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { compileQuery, type QueryParts } from "./compile_query.ts";
import type { Doc } from "../reply.ts";
import type { SortTrialData } from "./sort_trial_plan.ts";

export function compileQueryWithLet(
  parts: QueryParts,
  coll: CollectionEntry | undefined,
  variables: Doc | undefined,
  opts?: { exactBounds?: boolean; noTableScan?: boolean; trial?: SortTrialData },
): CompiledQuery {
  return compileQuery(variables ? { ...parts, variables } : parts, coll, opts);
}
