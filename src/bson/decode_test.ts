import assert from "node:assert/strict";
import { Binary, BSON, Double, Int32, Long } from "bson";
import { decodeDocument, decodeDocumentCopy } from "./decode.ts";

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
