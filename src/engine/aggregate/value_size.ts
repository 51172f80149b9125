/**
 * Approximate in-memory size of a BSON value, for memory budgets (mongod's Value::getApproximateSize
 * in spirit: a fixed cost per value plus the bytes of strings, binaries and the fields of documents and
 * arrays). Cheap for scalars; documents and arrays are walked once. Pure.
 */
import { isDocument } from "../../bson/values.ts";

/** Fixed cost charged per value (mongod's sizeof(Value)). */
const VALUE_OVERHEAD = 16;

export function approxValueSize(v: unknown): number {
  if (v === null || v === undefined || typeof v !== "object") {
    return typeof v === "string" ? VALUE_OVERHEAD + v.length : VALUE_OVERHEAD;
  }
  if (Array.isArray(v)) {
    let n = VALUE_OVERHEAD;
    for (const x of v) n += approxValueSize(x);
    return n;
  }
  if (isDocument(v)) {
    let n = VALUE_OVERHEAD;
    for (const k in v) n += k.length + approxValueSize(v[k]);
    return n;
  }
  const bsonType = (v as { _bsontype?: string })._bsontype;
  if (bsonType === "Binary") return VALUE_OVERHEAD + ((v as { position?: number }).position ?? 0);
  if (bsonType === "Code") return VALUE_OVERHEAD + String((v as { code?: unknown }).code ?? "").length;
  if (bsonType === "BSONRegExp") {
    const r = v as { pattern?: string; options?: string };
    return VALUE_OVERHEAD + (r.pattern?.length ?? 0) + (r.options?.length ?? 0);
  }
  return VALUE_OVERHEAD; // numbers, dates, ids, timestamps …: fixed size
}
