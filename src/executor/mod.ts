/**
 * executor/ — runs a compiled query (access path from the planner + engine closures) over storage:
 * collection scans, index scans, OR of index scans (or_scan.ts), geo-near, blocking sort, skip/limit,
 * projection, batch by batch inside one storage read each (QuerySource, a cursor BatchSource);
 * computes the index entries of documents (index_keys.ts), builds indexes, sweeps TTL indexes and
 * counts index use. Decodes only the fields a query reads (Row.view). May import: the plan types of planner/plan.ts (the one
 * exception to "imports point down", see scripts/check_layers.ts), storage API, keys, bson, errors.
 */
export type { BatchSource } from "./batch_source.ts";
export type { CompiledQuery, ExecStats } from "./compiled_query.ts";
export { QuerySource } from "./query.ts";
export { decode, Row } from "./rows.ts";
export { idIndexKey, indexKeysOf } from "./index_keys.ts";
