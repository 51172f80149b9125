/**
 * query_parts.ts — the parts of a query a command hands to compileQuery (filter, sort, projection,
 * hint, skip/limit, collation, `let`, min/max, JavaScript support, returnKey/showRecordId): one type
 * for compile_query.ts and the plan cache and sort trial it uses.
 */
import type { WhereSupport } from "../../engine/query/filter.ts";
import type { JsHost } from "../../engine/expression/types.ts";
import type { JsRounds } from "../../executor/compiled_query.ts";
import type { Doc } from "../reply.ts";

export interface QueryParts {
  readonly filter?: Doc | undefined;
  readonly sort?: Doc | undefined;
  readonly projection?: Doc | undefined;
  readonly hint?: unknown;
  readonly skip?: number | undefined;
  readonly limit?: number | undefined;
  /** The collation document of the operation (`{locale, strength, …}`); omitted = simple. */
  readonly collation?: Doc | undefined;
  /** The command's `let` variables (for `$expr` in the filter). */
  readonly variables?: Doc | undefined;
  /** Inclusive lower / exclusive upper index key bounds (find's `min` / `max`; need a hint). */
  readonly min?: Doc | undefined;
  readonly max?: Doc | undefined;
  /** How the filter runs `$where` (commands/shared/where.ts); absent = `$where` is refused. */
  readonly where?: WhereSupport | undefined;
  /** Server-side JavaScript for `$function` in `$expr`. */
  readonly js?: JsHost | undefined;
  /**
   * The filter's JavaScript in the executor's async pulls, awaited (shared/where.ts); the query
   * carries it only when the filter calls JavaScript (`used` once the filter is compiled), since it
   * keeps scans on whole records.
   */
  readonly jsRounds?: (JsRounds & { readonly used: boolean }) | undefined;
  /** find's returnKey: each result is the index key it was found by (`{}` without an index). */
  readonly returnKey?: boolean | undefined;
  /** find's showRecordId: each result gains `$recordId` (a Long), last. */
  readonly showRecordId?: boolean | undefined;
}
