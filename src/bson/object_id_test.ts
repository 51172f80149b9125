import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { ObjectId } from "bson";
import { compareObjectIds, objectIdHalves, ObjectIdSet, writeObjectId } from "./object_id.ts";

/** memcmp order of two byte strings (the reference the packed comparison must agree with). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function randomId(): ObjectId {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  // edge bytes now and then: 0x00 and 0xff in the high positions of a word
  if (Math.random() < 0.3) b[Math.floor(Math.random() * 12)] = Math.random() < 0.5 ? 0 : 0xff;
  return new ObjectId(b);
}

/** A look-alike without npm:bson's packed words: only `id`. */
function lookAlike(o: ObjectId): ObjectId {
  const id = o.id;
  return {
    _bsontype: "ObjectId",
    get id() {
      return id.slice();
    },
  } as unknown as ObjectId;
}

Deno.test("compareObjectIds orders as the ids' bytes, packed or not", () => {
  for (let i = 0; i < 2000; i++) {
    const a = randomId();
    const b = Math.random() < 0.1 ? new ObjectId(a.id) : randomId();
    const want = Math.sign(compareBytes(a.id, b.id));
    assertEquals(compareObjectIds(a, b), want);
    assertEquals(compareObjectIds(lookAlike(a), b), want);
    assertEquals(compareObjectIds(a, lookAlike(b)), want);
  }
});

Deno.test("writeObjectId writes the id's bytes; a look-alike with a short id writes nothing", () => {
  for (let i = 0; i < 200; i++) {
    const a = randomId();
    const out = new Uint8Array(20);
    assertEquals(writeObjectId(a, out, 5), true);
    assertEquals([...out.subarray(5, 17)], [...a.id]);
    const out2 = new Uint8Array(12);
    assertEquals(writeObjectId(lookAlike(a), out2, 0), true);
    assertEquals([...out2], [...a.id]);
  }
  const bad = { _bsontype: "ObjectId", id: new Uint8Array(3) } as unknown as ObjectId;
  assertEquals(writeObjectId(bad, new Uint8Array(12), 0), false);
});

Deno.test("ObjectIdSet finds exactly the ids added", () => {
  const added = Array.from({ length: 300 }, randomId);
  const s = new ObjectIdSet();
  for (const a of added) s.add(a);
  for (const a of added) s.add(new ObjectId(a.id)); // twice: counted once
  assertEquals(s.size, 300);
  for (const a of added) {
    assertEquals(s.has(new ObjectId(a.id)), true);
    assertEquals(s.has(lookAlike(a)), true);
  }
  for (let i = 0; i < 1000; i++) {
    const x = randomId();
    assertEquals(s.has(x), added.some((a) => compareBytes(a.id, x.id) === 0));
  }
  // ids sharing their first six bytes
  const base = randomId().id;
  const t = new ObjectIdSet();
  const b2 = Uint8Array.from(base);
  b2[11] = (b2[11]! + 1) & 0xff;
  t.add(new ObjectId(base));
  assertEquals(t.has(new ObjectId(b2)), false);
  assertEquals(objectIdHalves(new ObjectId(base))[0], objectIdHalves(new ObjectId(b2))[0]);
});
