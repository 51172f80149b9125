/**
 * planner/ — PURE: filter + sort + hint + the collection's index catalog → the access path (IDHACK,
 * COLLSCAN, IXSCAN with bounds, GEO_NEAR) and the rejected alternatives; explain prints that same
 * plan (explain.ts). Also validates index specs (index_spec.ts, geo_spec.ts). Imports engine, keys,
 * bson, errors — never storage.
 */
export {
  type AccessPath,
  accessStageName,
  chooseAccessPath,
  type IndexInfo,
  planQuery,
} from "./find_plan.ts";
