/** A logical session id as a client sends it (`lsid: {id: UUID, uid?}`), and its map key. */
import type { Binary } from "bson";

export interface Lsid {
  readonly id: Binary;
  readonly uid?: Binary;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** A string key identifying the session (id, plus uid when present). */
export function lsidKey(lsid: Lsid): string {
  return lsid.uid ? `${hex(lsid.id.buffer)}:${hex(lsid.uid.buffer)}` : hex(lsid.id.buffer);
}
