import assert from "node:assert/strict";
import { BSON, Long, ObjectId, Timestamp } from "bson";
import { encodeInsertEntry, idElement, insertEntryLayout, writeInsertEntry } from "./insert_entry.ts";
import { nsOf, uuidOf } from "./entry.ts";
import type { CollectionEntry } from "../storage/api.ts";

const coll = {
  db: "shop",
  name: "orders",
  uuid: new Uint8Array(16).map((_, i) => i + 1),
} as unknown as CollectionEntry;

Deno.test("encodeInsertEntry gives BSON.serialize's bytes for the same entry", () => {
  for (
    const doc of [{ _id: new ObjectId(), a: 1, s: "x" }, { a: [1, 2], _id: "k", z: { n: null } }, { _id: 5 }]
  ) {
    const raw = BSON.serialize(doc);
    const ts = new Timestamp({ t: 1_764_000_000, i: 7 });
    const wall = new Date(1_764_000_000_123);
    const expected = BSON.serialize({
      op: "i",
      ns: nsOf(coll),
      ui: uuidOf(coll),
      o2: { _id: doc._id },
      ts,
      t: Long.fromInt(1),
      v: Long.fromInt(2),
      wall,
      o: doc,
    });
    assert.deepEqual(encodeInsertEntry(coll, raw, ts, wall.getTime()), new Uint8Array(expected));
  }
});

Deno.test("idElement finds _id wherever it is; undefined without one", () => {
  const raw = BSON.serialize({ a: { _id: 1 }, b: "x", _id: 9 });
  assert.deepEqual(
    BSON.deserialize(
      new Uint8Array([...[0, 0, 0, 0], ...idElement(raw)!, 0]).map((b, i, a) => i === 0 ? a.length : b),
    ),
    { _id: 9 },
  );
  assert.equal(idElement(BSON.serialize({ a: 1 })), undefined);
});

Deno.test("writeInsertEntry writes every byte of its range (into a dirty buffer at an offset)", () => {
  const raw = BSON.serialize({ _id: "k", a: [1, 2, 3] });
  const ts = new Timestamp({ t: 1_764_000_000, i: 9 });
  const layout = insertEntryLayout(coll, raw)!;
  const out = new Uint8Array(layout.size + 20).fill(0xee);
  writeInsertEntry(out, 7, layout, raw, ts, 1_764_000_000_456);
  assert.deepEqual(out.subarray(7, 7 + layout.size), encodeInsertEntry(coll, raw, ts, 1_764_000_000_456));
  assert.equal(out[6], 0xee);
  assert.equal(out[7 + layout.size], 0xee);
});
