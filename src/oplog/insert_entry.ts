/**
 * An insert's oplog entry built straight from the stored document's bytes (pure): no object is
 * built and nothing is decoded. Inserts are most of an oplog's entries, and serialising
 * `{op, ns, ui, o2: {_id}, ts, t, v, wall, o}` through the generic BSON encoder (plus copying the
 * document into it) cost about as much as writing the entry to WiredTiger. The bytes are exactly
 * what `BSON.serialize` gives for that object, field for field (insert_entry_test.ts checks it).
 */
import { Timestamp } from "bson";
import type { CollectionEntry } from "../storage/api.ts";
import { valueLength } from "../bson/partial_decode.ts";
import { opPrefixes } from "./entry.ts";

/** `op: "i", ns, ui` of one collection, encoded once (without the document's length or end). */
const prefixOf = opPrefixes("i");

/** The whole `_id` element (type byte, name, value) of a stored document, located by skipping. */
export function idElement(doc: Uint8Array): Uint8Array | undefined {
  const dv = new DataView(doc.buffer, doc.byteOffset, doc.byteLength);
  let i = 4;
  while (i < doc.length - 1) {
    const start = i;
    const t = doc[i]!;
    const nameEnd = doc.indexOf(0, i + 1);
    const isId = nameEnd === i + 4 && doc[i + 1] === 0x5f && doc[i + 2] === 0x69 && doc[i + 3] === 0x64;
    i = nameEnd + 1 + valueLength(t, doc, dv, nameEnd + 1);
    if (isId) return doc.subarray(start, i);
  }
  return undefined;
}

const O2 = [0x03, 0x6f, 0x32, 0x00]; // embedded document "o2"
const TAIL_NAMES = {
  ts: [0x11, 0x74, 0x73, 0],
  t: [0x12, 0x74, 0],
  v: [0x12, 0x76, 0],
  wall: [0x09, 0x77, 0x61, 0x6c, 0x6c, 0],
};

/** Bytes of `o2: {_id}` for an `_id` element of `idLength` bytes. */
export function o2Size(idLength: number): number {
  return O2.length + 4 + idLength + 1;
}

/** Bytes of the entries' common tail `ts, t: 1, v: 2, wall`. */
export const TAIL_SIZE = (4 + 8) + (3 + 8) + (3 + 8) + (6 + 8);

/**
 * Writes `o2: {_id}` then `ts, t: 1, v: 2, wall` at `p` of `out` (`dv` views `out` from the entry's
 * start `at`); returns the position after them. Shared by insert and update entries.
 */
export function writeO2AndTail(
  out: Uint8Array,
  dv: DataView,
  at: number,
  p: number,
  id: Uint8Array,
  ts: Timestamp,
  wall: number,
): number {
  out.set(O2, p);
  p += O2.length;
  dv.setInt32(p - at, 4 + id.length + 1, true);
  out.set(id, p + 4);
  p += 4 + id.length;
  out[p++] = 0; // the sub-document's end
  return writeTail(out, dv, at, p, ts, wall);
}

/**
 * Writes the entries' common tail `ts, t: 1, v: 2, wall` at `p` of `out` (`dv` views `out` from the
 * entry's start `at`); returns the position after it.
 */
export function writeTail(
  out: Uint8Array,
  dv: DataView,
  at: number,
  p: number,
  ts: Timestamp,
  wall: number,
): number {
  out.set(TAIL_NAMES.ts, p);
  dv.setUint32(p - at + 4, ts.low >>> 0, true); // increment
  dv.setUint32(p - at + 8, ts.high >>> 0, true); // seconds
  p += 12;
  out.set(TAIL_NAMES.t, p);
  dv.setBigInt64(p - at + 3, 1n, true);
  p += 11;
  out.set(TAIL_NAMES.v, p);
  dv.setBigInt64(p - at + 3, 2n, true);
  p += 11;
  out.set(TAIL_NAMES.wall, p);
  dv.setBigInt64(p - at + 6, BigInt(wall), true);
  return p + 14;
}

/** What an insert entry is made of: the collection's prefix, the `_id` element, and its size. */
export interface InsertEntryLayout {
  readonly prefix: Uint8Array;
  readonly id: Uint8Array;
  readonly size: number;
}

/**
 * The layout of `{op: "i", ns, ui, o2: {_id}, ts, t: 1, v: 2, wall, o: doc}`; undefined for a
 * document without `_id` (only internal collections hold those; the caller encodes them the
 * generic way).
 */
export function insertEntryLayout(coll: CollectionEntry, doc: Uint8Array): InsertEntryLayout | undefined {
  const prefix = prefixOf(coll);
  const id = idElement(doc);
  if (!id) return undefined;
  const size = 4 + prefix.length + o2Size(id.length) + TAIL_SIZE + (3 + doc.length) + 1;
  return { prefix, id, size };
}

/**
 * Writes the entry (`layout.size` bytes) into `out` at `at`. Every byte of the range is written
 * (`out` may be a reused buffer).
 */
export function writeInsertEntry(
  out: Uint8Array,
  at: number,
  layout: InsertEntryLayout,
  doc: Uint8Array,
  ts: Timestamp,
  wall: number,
): void {
  const { prefix, id, size } = layout;
  const dv = new DataView(out.buffer, out.byteOffset + at, size);
  dv.setInt32(0, size, true);
  let p = at + 4;
  out.set(prefix, p);
  p += prefix.length;
  p = writeO2AndTail(out, dv, at, p, id, ts, wall);
  out[p] = 0x03;
  out[p + 1] = 0x6f; // "o"
  out[p + 2] = 0;
  out.set(doc, p + 3);
  out[at + size - 1] = 0; // the entry's end
}

/** `{op: "i", ns, ui, o2: {_id}, ts, t: 1, v: 2, wall, o: doc}` as BSON (undefined without `_id`). */
export function encodeInsertEntry(
  coll: CollectionEntry,
  doc: Uint8Array,
  ts: Timestamp,
  wall: number,
): Uint8Array | undefined {
  const layout = insertEntryLayout(coll, doc);
  if (!layout) return undefined;
  const out = new Uint8Array(layout.size);
  writeInsertEntry(out, 0, layout, doc, ts, wall);
  return out;
}
