/**
 * A pipeline whose first stage is `$sample`: its size, and how explain shows the plan that answers it
 * from random picks (executor/random_sample.ts) — mongod's `$cursor` over a MULTI_ITERATOR plan, then
 * `$sampleFromRandomCursor {size}` in place of the `$sample`.
 */
import { isNumeric, isPlainDoc, toNumber } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";

/** The size of a leading `$sample` (the pipeline is validated already), else undefined. */
export function leadingSampleSize(stages: readonly unknown[]): number | undefined {
  const first = stages[0];
  if (!isPlainDoc(first) || Object.keys(first).length !== 1) return undefined;
  const spec = first["$sample"];
  if (!isPlainDoc(spec) || !isNumeric(spec["size"])) return undefined;
  const size = Math.floor(toNumber(spec["size"]));
  return size >= 0 ? size : undefined;
}

/** mongod's plan stage for random picks (explain's winningPlan, the profiler's planSummary). */
export const RANDOM_PLAN_STAGE = "MULTI_ITERATOR";

/** The stage explain shows in place of a leading `$sample` answered from random picks. */
export function sampleFromRandomCursor(size: number): Doc {
  return { $sampleFromRandomCursor: { size } };
}
