import assert from "node:assert/strict";
import { BSON, Long, ObjectId, Timestamp } from "bson";
import { deleteEntryParts, encodeDeleteEntry, writeDeleteEntry } from "./delete_entry.ts";
import { nsOf, stamp, uuidOf } from "./entry.ts";
import type { CollectionEntry } from "../storage/api.ts";

const coll = {
  db: "shop",
  name: "orders",
  uuid: new Uint8Array(16).map((_, i) => i + 1),
} as unknown as CollectionEntry;

Deno.test("encodeDeleteEntry gives BSON.serialize's bytes for the writer's generic entry", () => {
  const docs: Record<string, unknown>[] = [
    { _id: new ObjectId(), a: 2, s: "x" },
    { a: [1, 2], _id: "k", z: { n: null } },
    { _id: { x: 1, y: [1] }, b: Long.fromInt(5) },
    { _id: 7 },
  ];
  for (const doc of docs) {
    const raw = BSON.serialize(doc);
    const ts = new Timestamp({ t: 1_764_000_000, i: 7 });
    const wall = new Date(1_764_000_000_123);
    const expected = BSON.serialize(
      stamp({ op: "d", ns: nsOf(coll), ui: uuidOf(coll), o: { _id: doc["_id"] } }, ts, wall),
    );
    const parts = deleteEntryParts(coll, raw)!;
    assert.deepEqual(encodeDeleteEntry(parts, ts, wall.getTime()), new Uint8Array(expected));
    // written at an offset of a dirty buffer: the same bytes
    const out = new Uint8Array(parts.size + 9).fill(0xee);
    writeDeleteEntry(out, 9, parts, ts, wall.getTime());
    assert.deepEqual(out.subarray(9), new Uint8Array(expected));
  }
  assert.equal(deleteEntryParts(coll, BSON.serialize({ a: 1 })), undefined);
});
