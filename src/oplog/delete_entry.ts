/**
 * A delete's oplog entry `{op: "d", ns, ui, o: {_id}, ts, t, v, wall}` written from bytes (pure): the
 * `_id` element copied from the removed document's bytes (never decoded), the rest written in place
 * at commit — as insert and update entries are (insert_entry.ts, update_entry.ts). The bytes are
 * exactly what `BSON.serialize` gives for that object, field for field (delete_entry_test.ts checks
 * it).
 */
import type { Timestamp } from "bson";
import type { CollectionEntry } from "../storage/api.ts";
import { idElement, TAIL_SIZE, writeTail } from "./insert_entry.ts";
import { opPrefixes } from "./entry.ts";

/** `op: "d", ns, ui` of one collection, encoded once (the elements only). */
const prefixOf = opPrefixes("d");

/** What a delete entry is made of, known when the change is recorded. */
export interface DeleteEntryParts {
  readonly prefix: Uint8Array;
  /** The `_id` element (type, name, value) of the removed document (a view of its bytes). */
  readonly id: Uint8Array;
  readonly size: number;
}

const O = [0x03, 0x6f, 0x00]; // embedded document "o"

/**
 * The parts of the entry for the removal of `doc` (its stored bytes, which a remove's `before` never
 * changes afterwards: storage/api.ts `WriteTxn.remove`); undefined without `_id`.
 */
export function deleteEntryParts(coll: CollectionEntry, doc: Uint8Array): DeleteEntryParts | undefined {
  const idAt = idElement(doc);
  if (!idAt) return undefined;
  const prefix = prefixOf(coll);
  // (a view, not a copy: a deleteMany's documents each paid an ArrayBuffer for it)
  const id = idAt;
  const size = 4 + prefix.length + O.length + 4 + id.length + 1 + TAIL_SIZE + 1;
  return { prefix, id, size };
}

/** Writes the entry (`parts.size` bytes) into `out` at `at`; every byte of the range is written. */
export function writeDeleteEntry(
  out: Uint8Array,
  at: number,
  parts: DeleteEntryParts,
  ts: Timestamp,
  wall: number,
): void {
  const { prefix, id, size } = parts;
  const dv = new DataView(out.buffer, out.byteOffset + at, size);
  dv.setInt32(0, size, true);
  let p = at + 4;
  out.set(prefix, p);
  p += prefix.length;
  out.set(O, p);
  p += O.length;
  dv.setInt32(p - at, 4 + id.length + 1, true);
  out.set(id, p + 4);
  p += 4 + id.length;
  out[p++] = 0; // the sub-document's end
  p = writeTail(out, dv, at, p, ts, wall);
  out[p] = 0; // the entry's end
}

/** The whole entry as BSON (tests; the writer writes in place). */
export function encodeDeleteEntry(parts: DeleteEntryParts, ts: Timestamp, wall: number): Uint8Array {
  const out = new Uint8Array(parts.size);
  writeDeleteEntry(out, 0, parts, ts, wall);
  return out;
}
