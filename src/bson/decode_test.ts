import assert from "node:assert/strict";
import { Binary, BSON, Double, Int32, Long } from "bson";
import { DATE_OUT_OF_RANGE, decodeDocument, decodeDocumentCopy, decodeRequestDocument } from "./decode.ts";
import { decodeCommonDocument } from "./request_decode.ts";

Deno.test("doubles that look like int32 stay Double; everything round-trips byte for byte", () => {
  const src = {
    d2: new Double(2),
    dneg0: new Double(-0),
    d25: 2.5,
    dbig: 1e20,
    i: new Int32(7),
    l: Long.fromNumber(9),
    nested: { a: [new Double(1), new Int32(1), 1.5], s: "x" },
  };
  const bytes = BSON.serialize(src);
  const doc = decodeDocument(bytes);
  assert.ok(doc["d2"] instanceof Double);
  assert.ok(doc["dneg0"] instanceof Double);
  assert.equal(doc["d25"], 2.5);
  assert.equal(doc["dbig"], 1e20);
  assert.equal(doc["i"], 7);
  assert.ok(doc["l"] instanceof Long);
  const nested = doc["nested"] as { a: unknown[] };
  assert.ok(nested.a[0] instanceof Double);
  assert.equal(nested.a[1], 1);
  assert.deepEqual(new Uint8Array(BSON.serialize(doc)), new Uint8Array(bytes));
});

Deno.test("decodeDocumentCopy: Binary values own their bytes (the input buffer may be reused)", () => {
  const bytes = BSON.serialize({
    b: new Binary(new Uint8Array([1, 2, 3])),
    a: [new Binary(new Uint8Array([4]), 4)],
    s: "x",
  });
  const copy = decodeDocumentCopy(bytes);
  const view = decodeDocument(bytes);
  bytes.fill(0);
  assert.deepEqual([...(copy["b"] as Binary).buffer], [1, 2, 3]);
  assert.equal((copy["b"] as Binary).position, 3);
  assert.deepEqual([...((copy["a"] as Binary[])[0]!).buffer], [4]);
  assert.equal(((copy["a"] as Binary[])[0]!).sub_type, 4);
  assert.equal(copy["s"], "x");
  assert.deepEqual([...(view["b"] as Binary).buffer], [0, 0, 0]); // decodeDocument: views
});

/** `{d: <datetime ms>}` (or `{a: {d: …}}`) as bytes, for any int64 — not only what a JS Date holds. */
function dateDoc(ms: bigint, nested = false): Uint8Array {
  const bytes = BSON.serialize(nested ? { a: { d: new Long(0) } } : { d: new Long(0) });
  const at = bytes.findIndex((b, i) => b === 0x12 && bytes[i + 1] === 0x64 && bytes[i + 2] === 0);
  bytes[at] = 0x09; // the int64 element `d` becomes a datetime
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(at + 3, ms, true);
  return bytes;
}

Deno.test("decodeRequestDocument refuses a datetime outside a JS Date's range; decodeDocument keeps its Invalid Date", () => {
  for (const ms of [9223372036854775807n, -9223372036854775808n, 8640000000000001n, -8640000000000001n]) {
    for (const nested of [false, true]) {
      const bytes = dateDoc(ms, nested);
      assert.equal(decodeCommonDocument(bytes), undefined, "the common reader leaves it to npm bson");
      assert.throws(() => decodeRequestDocument(bytes), { message: DATE_OUT_OF_RANGE });
      assert.doesNotThrow(() => decodeDocument(bytes));
    }
  }
  for (const ms of [8640000000000000n, -8640000000000000n, 0n, 1700000000000n]) {
    const d = decodeRequestDocument(dateDoc(ms, true)) as { a: { d: Date } };
    assert.equal(BigInt(d.a.d.getTime()), ms);
    const c = decodeCommonDocument(dateDoc(ms)) as { d: Date };
    assert.equal(BigInt(c.d.getTime()), ms);
  }
});
