/**
 * mongodump's `<coll>.metadata.json`: canonical Extended JSON of `{options?, indexes, uuid,
 * collectionName, type}` (options left out when empty, as mongodump does), and its reading back.
 */
import { EJSON } from "bson";

export interface CollectionMetadata {
  readonly options: Record<string, unknown>;
  /** listIndexes documents (with `v`, `key`, `name`, …). */
  readonly indexes: readonly Record<string, unknown>[];
  /** 32 hex digits, or "" when unknown. */
  readonly uuid: string;
  readonly collectionName: string;
  readonly type: "collection" | "view" | "timeseries";
}

export function metadataJson(m: CollectionMetadata): string {
  const doc: Record<string, unknown> = {};
  if (Object.keys(m.options).length > 0) doc["options"] = m.options;
  doc["indexes"] = m.indexes;
  if (m.uuid !== "") doc["uuid"] = m.uuid;
  doc["collectionName"] = m.collectionName;
  doc["type"] = m.type;
  return EJSON.stringify(doc, { relaxed: false });
}

export function parseMetadata(text: string, fallbackName: string): CollectionMetadata {
  const d = text.trim() === "" ? {} : EJSON.parse(text, { relaxed: false }) as Record<string, unknown>;
  const type = d["type"] === "view" || d["type"] === "timeseries" ? d["type"] : "collection";
  return {
    options: (d["options"] ?? {}) as Record<string, unknown>,
    indexes: Array.isArray(d["indexes"]) ? d["indexes"] as Record<string, unknown>[] : [],
    uuid: typeof d["uuid"] === "string" ? d["uuid"] : "",
    collectionName: typeof d["collectionName"] === "string" ? d["collectionName"] : fallbackName,
    type,
  };
}

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
