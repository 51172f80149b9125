/**
 * An update's oplog entry `{op: "u", ns, ui, o: {$v: 2, diff}, o2: {_id}, ts, t, v, wall}` written
 * from bytes (pure): the `o` document encoded once when the change is recorded (a diff of scalars by
 * bson/small_doc.ts, any other by npm bson), the `_id` element copied from the stored document's
 * bytes (never decoded), the rest written in place at commit — as insert entries are (insert_entry.ts). The bytes are exactly what `BSON.serialize` gives for that
 * object, field for field (update_entry_test.ts checks it).
 */
import { type Timestamp } from "bson";
import type { CollectionEntry } from "../storage/api.ts";
import { idElement, o2Size, TAIL_SIZE, writeO2AndTail } from "./insert_entry.ts";
import { opPrefixes } from "./entry.ts";
import { encodeSmallDocument } from "../bson/small_doc.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

/** `op: "u", ns, ui` of one collection, encoded once (the elements only). */
const prefixOf = opPrefixes("u");

/** What an update entry is made of, known when the change is recorded. */
export interface UpdateEntryParts {
  readonly prefix: Uint8Array;
  /** `{$v: 2, diff}` encoded. */
  readonly o: Uint8Array;
  /** The `_id` element (type, name, value) of the updated document (a copy). */
  readonly id: Uint8Array;
  readonly size: number;
}

const O = [0x03, 0x6f, 0x00]; // embedded document "o"

/**
 * The parts of the entry for an update of `doc` (the new stored bytes) described by `diff`;
 * undefined for a document without `_id` (the caller encodes those the generic way).
 */
export function updateEntryParts(
  coll: CollectionEntry,
  doc: Uint8Array,
  diff: Readonly<Record<string, unknown>>,
  /** `{$v: 2, diff}` already encoded by the update (engine/update/scalar_patch.ts), if it was. */
  encoded?: Uint8Array,
): UpdateEntryParts | undefined {
  const idAt = idElement(doc);
  if (!idAt) return undefined;
  const prefix = prefixOf(coll);
  let o = encoded;
  if (o === undefined) {
    const entryO = { $v: 2, diff };
    o = encodeSmallDocument(entryO) ?? serializeDocument(entryO);
  }
  const id = idAt.slice();
  const size = 4 + prefix.length + (O.length + o.length) + o2Size(id.length) + TAIL_SIZE + 1;
  return { prefix, o, id, size };
}

/** Writes the entry (`parts.size` bytes) into `out` at `at`; every byte of the range is written. */
export function writeUpdateEntry(
  out: Uint8Array,
  at: number,
  parts: UpdateEntryParts,
  ts: Timestamp,
  wall: number,
): void {
  const { prefix, o, id, size } = parts;
  const dv = new DataView(out.buffer, out.byteOffset + at, size);
  dv.setInt32(0, size, true);
  let p = at + 4;
  out.set(prefix, p);
  p += prefix.length;
  out.set(O, p);
  out.set(o, p + O.length);
  p += O.length + o.length;
  p = writeO2AndTail(out, dv, at, p, id, ts, wall);
  out[p] = 0; // the entry's end
}

/** The whole entry as BSON (tests; the writer writes in place). */
export function encodeUpdateEntry(parts: UpdateEntryParts, ts: Timestamp, wall: number): Uint8Array {
  const out = new Uint8Array(parts.size);
  writeUpdateEntry(out, 0, parts, ts, wall);
  return out;
}
