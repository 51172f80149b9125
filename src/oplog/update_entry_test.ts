import assert from "node:assert/strict";
import { BSON, Long, ObjectId, Timestamp } from "bson";
import { encodeUpdateEntry, updateEntryParts, writeUpdateEntry } from "./update_entry.ts";
import { nsOf, stamp, uuidOf } from "./entry.ts";
import type { CollectionEntry } from "../storage/api.ts";

const coll = {
  db: "shop",
  name: "orders",
  uuid: new Uint8Array(16).map((_, i) => i + 1),
} as unknown as CollectionEntry;

Deno.test("encodeUpdateEntry gives BSON.serialize's bytes for the writer's generic entry", () => {
  const cases: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ _id: new ObjectId(), a: 2, s: "x" }, { u: { a: 2 } }],
    [{ a: [1, 2], _id: "k", z: { n: null } }, { i: { b: Long.fromInt(5) }, d: { c: false } }],
    [{ _id: { x: 1, y: [1] } }, { sa: { u: { "0": 3 } } }],
  ];
  for (const [doc, diff] of cases) {
    const raw = BSON.serialize(doc);
    const ts = new Timestamp({ t: 1_764_000_000, i: 7 });
    const wall = new Date(1_764_000_000_123);
    const expected = BSON.serialize(stamp(
      {
        op: "u",
        ns: nsOf(coll),
        ui: uuidOf(coll),
        o: { $v: 2, diff },
        o2: { _id: doc["_id"] },
      },
      ts,
      wall,
    ));
    const parts = updateEntryParts(coll, raw, diff)!;
    assert.deepEqual(encodeUpdateEntry(parts, ts, wall.getTime()), new Uint8Array(expected));
    // written at an offset of a dirty buffer: the same bytes
    const out = new Uint8Array(parts.size + 9).fill(0xee);
    writeUpdateEntry(out, 9, parts, ts, wall.getTime());
    assert.deepEqual(out.subarray(9), new Uint8Array(expected));
  }
  assert.equal(updateEntryParts(coll, BSON.serialize({ a: 1 }), { u: { a: 1 } }), undefined);
});
