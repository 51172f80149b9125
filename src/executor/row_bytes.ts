/**
 * Row ↔ bytes conversions of the query source: a projected row's bytes, a spilled row wrapped with its
 * record id and index key (the projection may read them after the merge), and the document a covered
 * row stands for (built from its index key).
 */
import { Binary, BSON, Long } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { Row } from "./rows.ts";

export function projectBytes(row: Row, project: (row: Row) => Doc): Uint8Array {
  const r = new Row(row.rid, row.bytes);
  r.setDoc(project(row));
  return r.bytes;
}

/** A spilled row that keeps its record id and index key (the projection reads them). */
export function wrapRow(row: Row): Uint8Array {
  return BSON.serialize({
    r: Long.fromBigInt(row.rid),
    d: new Binary(row.bytes),
    ...(row.key ? { k: new Binary(row.key) } : {}),
  });
}

export function unwrapRow(b: Uint8Array): Row {
  const w = BSON.deserialize(b, { useBigInt64: true, promoteBuffers: false });
  const row = new Row(BigInt(w["r"] as bigint), (w["d"] as Binary).buffer);
  if (w["k"]) row.key = (w["k"] as Binary).buffer;
  return row;
}

/** The document a covered row stands for: key fields (dotted paths nest) with their key values. */
export function docFromKey(fields: readonly string[], values: readonly unknown[]): Doc {
  const doc: Doc = {};
  fields.forEach((path, i) => {
    const parts = path.split(".");
    let cur = doc;
    for (let k = 0; k < parts.length - 1; k++) {
      const p = parts[k]!;
      if (cur[p] === null || typeof cur[p] !== "object") cur[p] = {};
      cur = cur[p] as Doc;
    }
    cur[parts[parts.length - 1]!] = values[i];
  });
  return doc;
}
