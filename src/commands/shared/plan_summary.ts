/**
 * mongod's `planSummary` of an access path ("COLLSCAN", "IDHACK", "IXSCAN { a: 1, b: -1 }",
 * "GEO_NEAR_2DSPHERE { loc: \"2dsphere\" }") for profile entries, slow-query lines and currentOp.
 */
import type { AccessPath } from "../../planner/plan.ts";
import { isClusteredIdScan } from "../../planner/explain.ts";

function keyText(key: Record<string, unknown>): string {
  const parts = Object.entries(key).map(([k, v]) =>
    `${k}: ${typeof v === "string" ? JSON.stringify(v) : String(v)}`
  );
  return `{ ${parts.join(", ")} }`;
}

export function planSummary(access: AccessPath, clustered = false): string {
  if (isClusteredIdScan(access, clustered)) return "CLUSTERED_IXSCAN";
  switch (access.kind) {
    case "idLookup":
      return "IDHACK";
    case "collScan":
      return "COLLSCAN";
    case "ixScan":
      return `IXSCAN ${keyText(access.keyPattern)}`;
    case "or":
      // mongod: each leaf scan once, comma-separated
      return [...new Set(access.branches.map((b) => `IXSCAN ${keyText(b.keyPattern)}`))].join(", ");
    default:
      return "GEO_NEAR";
  }
}

/** A distinct's index walk (DISTINCT_SCAN), as mongod's planSummary names it. */
export function distinctScanSummary(keyPattern: Record<string, unknown>): string {
  return `DISTINCT_SCAN ${keyText(keyPattern)}`;
}

/** A count made from index entries alone (COUNT_SCAN), as mongod's planSummary names it. */
export function countScanSummary(keyPattern: Record<string, unknown>): string {
  return `COUNT_SCAN ${keyText(keyPattern)}`;
}
