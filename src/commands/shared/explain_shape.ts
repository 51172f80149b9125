/**
 * What `explain` needs from an explainable command: the collection and the query parts its plan is
 * built from (the same `QueryParts` the command compiles), plus how to wrap the plan (COUNT, UPDATE,
 * DELETE) or the pipeline stages after the leading $match. Each explainable command derives it from
 * its own parsed params (`CommandSpec.explain`), so explain sees exactly what the command would run.
 */
import type { Doc } from "../reply.ts";
import type { QueryParts } from "./compile_query.ts";

export interface ExplainShape {
  readonly coll: string;
  readonly parts: QueryParts;
  /** Stage wrapping the plan (COUNT, UPDATE, DELETE), if any. */
  readonly wrap?: string;
  /**
   * The command reads each record with its index entry in one snapshot (find): a filter the bounds
   * answer exactly is not matched again, and a skip may pass over entries unread (compileQuery's
   * `exactBounds`), so explain compiles it so too.
   */
  readonly exactBounds?: boolean;
  /** find's batchSize: its first batch ends a sort's trial as a limit does (sort_trial.ts). */
  readonly batchSize?: number | undefined;
  /** A distinct's key: explained as its index walk (DISTINCT_SCAN) when it makes one. */
  readonly distinctKey?: string;
  /** Pipeline stages after the leading $match (aggregate). */
  readonly rest?: Doc[];
  /**
   * The size of a `$sample` that is the pipeline's first stage (aggregate): explained as random picks
   * (MULTI_ITERATOR, `$sampleFromRandomCursor`) when the aggregate would answer it so.
   */
  readonly sample?: number;
}
