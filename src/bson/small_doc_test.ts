import assert from "node:assert/strict";
import { Binary, BSON, Double, Int32, Long, ObjectId, Timestamp } from "bson";
import { encodeSmallDocument, encodeSmallDocumentInto, encodeSmallDocumentWith } from "./small_doc.ts";
import type { Document } from "./document.ts";

const same = (doc: Document) => {
  const got = encodeSmallDocument(doc);
  assert.ok(got !== undefined, `written here: ${Deno.inspect(doc)}`);
  assert.deepEqual(got, new Uint8Array(BSON.serialize(doc)), Deno.inspect(doc));
};

Deno.test("small documents: the bytes BSON.serialize gives", () => {
  same({});
  same({ ok: 1 });
  same({ n: 1, nModified: 1, ok: 1 });
  same({ $v: 2, diff: { u: { counter: 5 } } });
  same({ $v: 2, diff: { d: { a: false }, u: { b: "x", c: null }, i: { z: true }, sa: { u: { k: 1.5 } } } });
  for (
    const n of [
      0,
      -0,
      1,
      -1,
      2147483647,
      2147483648,
      -2147483648,
      -2147483649,
      0.5,
      1e300,
      NaN,
      Infinity,
      -Infinity,
    ]
  ) same({ v: n });
  for (const n of [2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER]) same({ v: n });
  same({
    l: Long.fromNumber(-5),
    big: Long.fromString("9223372036854775807"),
    d: new Double(3),
    i: new Int32(-7),
  });
  same({ s: "", a: "ascii", u: "é€😀", lone: "a\uD800b", tail: "x\uDC00" });
  same({ "é key": 1, "$dollar.dot": 2 });
  same({ 2: "a", 1: "b", x: "c" }); // integer-like keys in the order Object.keys gives
  same(Object.assign(Object.create(null), { a: 1 }));
  same({ nested: { deeper: { deepest: { v: 1 } } } });
  same({ a: [], b: [1, "x", null, true, 2.5, { c: [[]] }], l: [Long.fromNumber(3)] });
  same({ id: new ObjectId(), ids: [new ObjectId("65a1b2c3d4e5f60718293a4b")] });
  same({ d: new Date(0), ds: [new Date(-1), new Date(8.64e15), new Date(-8.64e15), new Date(1.7e12 + 0.5)] });
  same({
    n: 0,
    writeErrors: [{
      index: 0,
      code: 11000,
      errmsg: "E11000 duplicate key error collection: a.b index: _id_ dup key: { _id: 1 }",
      keyPattern: { _id: 1 },
      keyValue: { _id: new ObjectId() },
    }],
    ok: 1,
  });
});

Deno.test("small documents: anything else is left to npm bson", () => {
  for (
    const doc of [
      { a: [1, undefined] },
      // deno-lint-ignore no-sparse-arrays
      { a: [1, , 2] },
      { a: new Date(NaN) },
      { a: new Binary(new Uint8Array(2)) },
      { a: new Timestamp({ t: 1, i: 1 }) },
      { a: undefined },
      { a: 1n },
      { a: { toBSON: () => 1 } },
      { "a\0b": 1 },
      { a: "x".repeat(20000) },
      { a: new Map([["k", 1]]) },
    ] as Document[]
  ) assert.equal(encodeSmallDocument(doc), undefined, Deno.inspect(doc));
  let deep: Document = { v: 1 };
  for (let i = 0; i < 40; i++) deep = { d: deep };
  assert.equal(encodeSmallDocument(deep), undefined);
});

Deno.test("encodeSmallDocumentInto writes at an offset; too little room is a RangeError", () => {
  const doc = { a: 1, s: "x", d: new Date(5) };
  const want = new Uint8Array(BSON.serialize(doc));
  const out = new Uint8Array(want.length + 10);
  assert.equal(encodeSmallDocumentInto(doc, out, 7), want.length);
  assert.deepEqual(out.subarray(7, 7 + want.length), want);
  assert.throws(() => encodeSmallDocumentInto(doc, out, 11), RangeError);
  assert.equal(encodeSmallDocumentInto({ b: new Binary(new Uint8Array(1)) }, out, 0), -1);
});

Deno.test("encodeSmallDocumentWith appends whole elements before the terminator", () => {
  const suffix = BSON.serialize({ t: 1, s: "x" });
  const got = encodeSmallDocumentWith({ ok: 1 }, suffix.subarray(4, suffix.length - 1));
  assert.deepEqual(got, new Uint8Array(BSON.serialize({ ok: 1, t: 1, s: "x" })));
});
