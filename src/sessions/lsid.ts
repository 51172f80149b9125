/** A logical session id as a client sends it (`lsid: {id: UUID, uid?}`), and its map key. */
import type { Binary } from "bson";

export interface Lsid {
  readonly id: Binary;
  readonly uid?: Binary;
}

/** Two lowercase hex digits per byte value (every request with a session computes its key). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/** The character codes of a 16-byte id's hex digits (reused: one flat string per key, no concatenations). */
const CODES16: number[] = new Array(32).fill(0);
const DIGIT = Array.from({ length: 16 }, (_, d) => d.toString(16).charCodeAt(0));

function hex(bytes: Uint8Array): string {
  if (bytes.length === 16) {
    // (a UUID, as every driver sends: concatenating 16 pieces built ~0.4 KB of cons strings)
    for (let i = 0; i < 16; i++) {
      const b = bytes[i]!;
      CODES16[2 * i] = DIGIT[b >>> 4]!;
      CODES16[2 * i + 1] = DIGIT[b & 15]!;
    }
    return String.fromCharCode.apply(null, CODES16);
  }
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
}

/** A string key identifying the session (id, plus uid when present). */
export function lsidKey(lsid: Lsid): string {
  return lsid.uid ? `${hex(lsid.id.buffer)}:${hex(lsid.uid.buffer)}` : hex(lsid.id.buffer);
}
