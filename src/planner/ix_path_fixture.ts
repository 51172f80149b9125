/**
 * Test fixtures for the planner's unit tests: an index-scan access path on a one-field index named as
 * its field, with nothing else set (no bounds, not multikey, sparse or partial), to override by field;
 * and an index's catalog entry (`IndexInfo`) the same way.
 */
import type { IndexInfo, IxScanPath } from "./plan.ts";

/** An ordinary index `name` over `key` (not unique, sparse, multikey or hidden), `extra` overriding. */
export function indexInfo(
  name: string,
  key: Record<string, unknown>,
  extra: Partial<IndexInfo> = {},
): IndexInfo {
  return { name, key, unique: false, sparse: false, multikey: false, hidden: false, ...extra };
}

/** An `IxScanPath` over index `name` (key `{[name]: 1}`), with `extra` overriding its fields. */
export function ixPath(name: string, extra: Partial<IxScanPath> = {}): IxScanPath {
  return {
    kind: "ixScan",
    indexName: name,
    keyPattern: { [name]: 1 },
    unique: false,
    multikey: false,
    sparse: false,
    partial: false,
    intervals: [],
    reverse: false,
    indexBounds: {},
    providesSort: false,
    pointPrefix: 0,
    dedup: false,
    score: 1,
    ...extra,
  };
}
