/**
 * mongod's fixDocumentForInsert: a top-level `Timestamp(0, 0)` of an inserted document — any field but
 * `_id` (SERVER-43014) — is stored as a new cluster time instead, each one its own tick, unless the command
 * says `bypassEmptyTsReplacement: true` (SERVER-88750, what mongosync and newer mongorestore send).
 * Nested empty timestamps stay as sent. Works on the request's bytes (an 8-byte patch of a copy: the other
 * bytes stay as sent) and on a decoded document alike, in field order.
 */
import { Timestamp } from "bson";
import { valueLength } from "../../bson/partial_decode.ts";
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
    p = v + sizeAt(bytes, type, v);
  }
  return out ?? bytes;
}

/** The value's byte length: the common types read inline (this runs for every inserted document). */
function sizeAt(b: Uint8Array, type: number, v: number): number {
  const i32 = () => (b[v]! | (b[v + 1]! << 8) | (b[v + 2]! << 16) | (b[v + 3]! << 24)) >>> 0;
  switch (type) {
    case 0x01:
    case 0x09:
    case 0x11:
    case 0x12:
      return 8;
    case 0x02:
      return 4 + i32();
    case 0x03:
    case 0x04:
      return i32();
    case 0x05:
      return 5 + i32();
    case 0x07:
      return 12;
    case 0x08:
      return 1;
    case 0x0a:
      return 0;
    case 0x10:
      return 4;
    case 0x13:
      return 16;
    default:
      return valueLength(type, b, new DataView(b.buffer, b.byteOffset, b.byteLength), v);
  }
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
