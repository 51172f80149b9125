/**
 * Driver results → the shapes the unified test format expects (plain documents for write results,
 * Maps turned into index-keyed documents for clientBulkWrite, `upsertedId: null` dropped, …).
 */

function mapToDoc(m: unknown): unknown {
  if (!(m instanceof Map)) return m;
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) out[String(k)] = v;
  return out;
}

function pick(r: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r[k] !== undefined) out[k] = r[k];
  return out;
}

const BULK_KEYS = [
  "insertedCount",
  "matchedCount",
  "modifiedCount",
  "deletedCount",
  "upsertedCount",
  "insertedIds",
  "upsertedIds",
] as const;

export function normalizeResult(name: string, r: unknown): unknown {
  if (r === null || typeof r !== "object") return r;
  const rec = r as Record<string, unknown>;
  switch (name) {
    case "updateOne":
    case "updateMany":
    case "replaceOne": {
      const out = pick(rec, ["matchedCount", "modifiedCount", "upsertedCount", "upsertedId"]);
      if (out.upsertedId === null) delete out.upsertedId;
      return out;
    }
    case "bulkWrite":
      return normalizeBulk(rec);
    case "clientBulkWrite":
      return normalizeClientBulk(rec);
    default:
      return r;
  }
}

export function normalizeBulk(rec: Record<string, unknown>): Record<string, unknown> {
  const out = pick(rec, BULK_KEYS);
  out.insertedIds = { ...(out.insertedIds as object | undefined) };
  out.upsertedIds = { ...(out.upsertedIds as object | undefined) };
  return out;
}

export function normalizeClientBulk(rec: Record<string, unknown>): Record<string, unknown> {
  const out = pick(rec, [
    "insertedCount",
    "matchedCount",
    "modifiedCount",
    "deletedCount",
    "upsertedCount",
  ]);
  for (const k of ["insertResults", "updateResults", "deleteResults"]) {
    if (rec[k] !== undefined) {
      const d = mapToDoc(rec[k]) as Record<string, Record<string, unknown>>;
      if (k === "updateResults") {
        for (const v of Object.values(d)) {
          if (!v) continue;
          if (v.upsertedId == null) delete v.upsertedId;
          // Node driver extra (ClientUpdateResult.didUpsert) that the spec's result model lacks.
          delete v.didUpsert;
        }
      }
      out[k] = d;
    }
  }
  return out;
}

export { mapToDoc };
