/** A logical session id as a client sends it (`lsid: {id: UUID, uid?}`), and its map key. */
import type { Binary } from "bson";

export interface Lsid {
  readonly id: Binary;
  readonly uid?: Binary;
}

/** Two lowercase hex digits per byte value (every request with a session computes its key). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]!;
  return s;
}

/** A string key identifying the session (id, plus uid when present). */
export function lsidKey(lsid: Lsid): string {
  return lsid.uid ? `${hex(lsid.id.buffer)}:${hex(lsid.uid.buffer)}` : hex(lsid.id.buffer);
}
