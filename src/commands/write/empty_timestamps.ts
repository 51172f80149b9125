/**
 * mongod's fixDocumentForInsert: a top-level `Timestamp(0, 0)` of an inserted document — any field but
 * `_id` (SERVER-43014) — is stored as a new cluster time instead, each one its own tick, unless the command
 * says `bypassEmptyTsReplacement: true` (SERVER-88750, what mongosync and newer mongorestore send).
 * Nested empty timestamps stay as sent. Works on the request's bytes (an 8-byte patch of a copy: the other
 * bytes stay as sent) and on a decoded document alike, in field order.
 */
import { Timestamp } from "bson";
import { valueByteLength } from "../../bson/value_length.ts";
import type { Doc } from "../reply.ts";

/** The next cluster time (ClusterClock.tick). */
export type Tick = () => Timestamp;

const TIMESTAMP = 0x11;

/** `bytes` with its top-level empty timestamps (not `_id`) set from `tick`; the same array when there are none. */
export function fillEmptyTimestamps(bytes: Uint8Array, tick: Tick): Uint8Array {
  let out: Uint8Array | undefined;
  let p = 4;
  const end = bytes.length - 1;
  while (p < end) {
    const type = bytes[p]!;
    const nameStart = p + 1;
    let v = nameStart;
    while (bytes[v] !== 0) v++;
    const nameEnd = v++;
    if (type === TIMESTAMP && isZero(bytes, v) && !isId(bytes, nameStart, nameEnd)) {
      out ??= new Uint8Array(bytes); // (a copy: a Buffer's slice would share the bytes)
      const ts = tick();
      const w = new DataView(out.buffer, out.byteOffset, out.byteLength);
      w.setUint32(v, ts.i, true); // a BSON timestamp is the increment, then the seconds
      w.setUint32(v + 4, ts.t, true);
    }
    const n = valueByteLength(type, bytes, v);
    if (n < 0) break; // (not a BSON type: the request decode refused such a body before)
    p = v + n;
  }
  return out ?? bytes;
}

function isZero(b: Uint8Array, v: number): boolean {
  for (let k = v; k < v + 8; k++) if (b[k] !== 0) return false;
  return true;
}

/** `doc` with its top-level empty timestamps (not `_id`) set from `tick`; the same object when there are none. */
export function fillEmptyTimestampsInDoc(doc: Doc, tick: Tick): Doc {
  let out: Doc | undefined;
  for (const [k, v] of Object.entries(doc)) {
    if (k === "_id" || !isEmptyTimestamp(v)) continue;
    out ??= { ...doc };
    out[k] = tick();
  }
  return out ?? doc;
}

function isEmptyTimestamp(v: unknown): boolean {
  return v instanceof Timestamp && v.t === 0 && v.i === 0;
}

function isId(b: Uint8Array, start: number, end: number): boolean {
  return end - start === 3 && b[start] === 0x5f && b[start + 1] === 0x69 && b[start + 2] === 0x64;
}
