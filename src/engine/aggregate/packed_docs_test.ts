import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Binary, BSON, Long } from "bson";
import { PackedDocs } from "./packed_docs.ts";

Deno.test("packed docs: round trip across chunks, a document bigger than a chunk, reuse after clear", () => {
  const p = new PackedDocs();
  const refs = [];
  const pad = "y".repeat(100_000);
  for (let i = 0; i < 200; i++) {
    refs.push(p.add({ _id: i, pad, l: Long.fromNumber(i), b: new Binary(new Uint8Array([i])) }));
  }
  const big = p.add({ _id: "big", s: "z".repeat(9 * 1024 * 1024) });
  const after = p.add({ _id: "after" });
  for (let i = 0; i < 200; i += 37) {
    const d = p.get(refs[i]!);
    assertEquals(d._id, i);
    assertEquals((d.l as Long).toNumber(), i);
    assertEquals((d.b as Binary).buffer[0], i);
  }
  assertEquals((p.get(big).s as string).length, 9 * 1024 * 1024);
  assertEquals(p.get(after), { _id: "after" });
  assertEquals(p.bytes(after).length, BSON.calculateObjectSize({ _id: "after" }));
  const before = p.allocatedBytes;
  p.clear();
  for (let i = 0; i < 50; i++) refs[i] = p.add({ _id: i, pad });
  assertEquals(p.get(refs[49]!)._id, 49);
  assertEquals(p.allocatedBytes <= before, true);
  p.release();
  assertEquals(p.allocatedBytes, 0);
});

Deno.test("packed docs: clear(keepBytes) keeps chunks for that many bytes and frees the others at once", () => {
  const p = new PackedDocs();
  const pad = "y".repeat(100_000);
  const views = [];
  for (let i = 0; i < 400; i++) views.push(p.bytes(p.add({ _id: i, pad }))); // ~40 MB: 5 chunks
  assertEquals(p.allocatedBytes, 5 * 8 * 1024 * 1024);
  p.clear(20 * 1024 * 1024);
  assertEquals(p.allocatedBytes, 2 * 8 * 1024 * 1024);
  assertEquals(views.at(-1)!.length, 0); // a freed chunk's views read as empty (detached)
  const h = p.add({ _id: "again", pad });
  assertEquals(p.get(h)._id, "again");
  p.clear(0); // at least one chunk is kept
  assertEquals(p.allocatedBytes, 8 * 1024 * 1024);
  p.release();
  assertEquals(p.allocatedBytes, 0);
});

Deno.test("packed docs: addBytes copies encoded documents (across chunks, one bigger than a chunk)", () => {
  const p = new PackedDocs();
  const pad = "y".repeat(100_000);
  const refs: number[] = [];
  const scratch = new Uint8Array(200_000);
  for (let i = 0; i < 200; i++) {
    const n = BSON.serializeWithBufferAndIndex({ _id: i, pad }, scratch, { index: 0 }) + 1;
    refs.push(p.addBytes(scratch.subarray(0, n))); // the caller reuses its buffer
    scratch.fill(0, 0, n);
  }
  const big = p.addBytes(BSON.serialize({ _id: "big", s: "z".repeat(9 * 1024 * 1024) }));
  const after = p.addBytes(BSON.serialize({ _id: "after" }));
  for (let i = 0; i < 200; i += 37) assertEquals(p.get(refs[i]!), { _id: i, pad });
  assertEquals((p.get(big).s as string).length, 9 * 1024 * 1024);
  assertEquals(p.get(after), { _id: "after" });
  p.release();
});
