/**
 * Loads spec JSON: plain JSON numbers stay JS numbers (so driver options like `limit: 1` work), while
 * explicit Extended JSON wrappers (`$numberLong`, `$oid`, `$date`, `$binary`, …) become BSON values with
 * their type preserved (canonical mode, so `{"$numberDouble": "1.0"}` stays a Double).
 */
import { EJSON } from "bson";

const EJSON_KEYS = new Set([
  "$oid",
  "$date",
  "$numberInt",
  "$numberLong",
  "$numberDouble",
  "$numberDecimal",
  "$binary",
  "$uuid",
  "$regularExpression",
  "$timestamp",
  "$minKey",
  "$maxKey",
  "$code",
  "$symbol",
  "$dbPointer",
  "$undefined",
]);

/** Converts a JSON.parse result, reviving Extended JSON wrappers only. */
export function reviveSpecValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reviveSpecValue);
  if (v === null || typeof v !== "object") return v;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length > 0 && keys[0] !== undefined && EJSON_KEYS.has(keys[0])) {
    return EJSON.deserialize(obj, { relaxed: false });
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = reviveSpecValue(obj[k]);
  return out;
}

export function parseSpecJson(text: string): unknown {
  return reviveSpecValue(JSON.parse(text));
}
