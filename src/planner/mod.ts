/**
 * planner/ — PURE: filter + sort + hint + the collection's index catalog → the access path (IDHACK,
 * COLLSCAN, IXSCAN with bounds, OR of index scans for a top-level `$or`, GEO_NEAR) and the rejected
 * alternatives; explain prints that same plan (explain.ts). Also validates index specs (index_spec.ts,
 * geo_spec.ts). Imports engine, keys, bson, errors — never storage.
 *
 * The plan's types live alone in plan.ts (types only, importing only leaves). Layer exception, checked
 * by scripts/check_layers.ts (EXECUTOR_MAY_IMPORT): the executor, below this layer, runs plans and so
 * may import plan.ts — and nothing else of the planner.
 */
export type {
  AccessPath,
  FindPlanInput,
  GeoNearPath,
  IndexInfo,
  IxScanPath,
  KeyInterval,
  OrPath,
  PlanChoice,
} from "./plan.ts";
export { accessStageName, chooseAccessPath, planQuery } from "./find_plan.ts";
