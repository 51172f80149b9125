import assert from "node:assert/strict";
import { BSON } from "bson";
import { ArraySource } from "./array_cursor.ts";

Deno.test("ArraySource: batches by count and by bytes, never splitting a document, always at least one", async () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ i, pad: "x".repeat(100) }));
  const s = new ArraySource(items);
  const a = await s.nextBatch(3, Infinity);
  assert.equal(a.docs.length, 3);
  assert.equal(a.done, false);
  const one = BSON.serialize(items[0]!).length;
  const b = await s.nextBatch(Infinity, one * 2 + 20);
  assert.equal(b.docs.length, 2);
  const c = await s.nextBatch(Infinity, 1);
  assert.equal(c.docs.length, 1, "a document larger than the byte budget still goes alone");
  const d = await s.nextBatch(Infinity, Infinity);
  assert.equal(d.docs.length, 4);
  assert.equal(d.done, true);
  assert.deepEqual(BSON.deserialize(d.docs[3]!), items[9]);
});

Deno.test("ArraySource: an empty list is done at once", async () => {
  const r = await new ArraySource([]).nextBatch(101, Infinity);
  assert.deepEqual(r, { docs: [], done: true });
});
