import assert from "node:assert/strict";
import { BSON, EJSON, MinKey } from "bson";
import { decodeDocument } from "./decode.ts";
import { isNullish, kindOf } from "./values.ts";
import { encodeSmallDocument } from "./small_doc.ts";
import {
  BSON_UNDEFINED,
  holdsUndefined,
  isBsonUndefined,
  serializeDocument,
  serializeDocumentInto,
} from "./undefined_value.ts";
import { compareValues } from "./compare.ts";

/** `doc` encoded by npm:bson with each null element named in `names` (anywhere) turned into 0x06. */
function withUndefined(doc: Record<string, unknown>, names: string[]): Uint8Array {
  const b = new Uint8Array(BSON.serialize(doc));
  for (const name of names) {
    const tag = [0x0a, ...new TextEncoder().encode(name), 0];
    outer: for (let i = 0; i + tag.length <= b.length; i++) {
      for (let k = 0; k < tag.length; k++) if (b[i + k] !== tag[k]) continue outer;
      b[i] = 0x06;
    }
  }
  return b;
}

/** Byte-for-byte equality (npm:bson's Buffer against a Uint8Array). */
function sameBytes(a: Uint8Array, b: Uint8Array): void {
  assert.deepEqual([...a], [...b]);
}

const SAMPLE = withUndefined(
  {
    _id: 1,
    u: null,
    n: null,
    arr: ["x", null, 3],
    sub: { u: null, deeper: { u: null, n: null } },
    m: new MinKey(),
  },
  ["u", "1"],
);

Deno.test("a decoded BSON undefined is BSON_UNDEFINED, of kind undefined, nullish, apart from null", () => {
  // deno-lint-ignore no-explicit-any
  const d = decodeDocument(SAMPLE) as Record<string, any>;
  assert.equal(d.u, BSON_UNDEFINED);
  assert.ok("u" in d);
  assert.equal(d.n, null);
  assert.equal(d.arr[1], BSON_UNDEFINED);
  assert.equal(d.sub.u, BSON_UNDEFINED);
  assert.equal(d.sub.deeper.u, BSON_UNDEFINED);
  assert.equal(d.sub.deeper.n, null);
  assert.equal(kindOf(d.u), "undefined");
  assert.ok(isBsonUndefined(d.u) && !isBsonUndefined(undefined) && !isBsonUndefined(null));
  assert.ok(isNullish(d.u) && isNullish(null) && isNullish(undefined) && !isNullish(0));
  // mongod's order: undefined below null
  assert.equal(compareValues(d.u, null), -1);
  assert.equal(compareValues(d.u, BSON_UNDEFINED), 0);
});

Deno.test("serializeDocument writes BSON_UNDEFINED back as 0x06: the decode → encode round trip is exact", () => {
  sameBytes(serializeDocument(decodeDocument(SAMPLE)), SAMPLE);
  // npm:bson alone writes null in its place (an encoder that does not go through serializeDocument)
  const plain = BSON.serialize(decodeDocument(SAMPLE));
  assert.equal(plain.length, SAMPLE.length);
  assert.notDeepEqual([...plain], [...SAMPLE]);
  // documents without it are npm:bson's bytes
  const none = { a: null, b: [null, new MinKey()], c: { d: null } };
  sameBytes(serializeDocument(none), BSON.serialize(none));
});

Deno.test("serializeDocumentInto writes at an offset and marks 0x06 there only", () => {
  const buf = new Uint8Array(200).fill(0x0a);
  const doc = { a: BSON_UNDEFINED, b: [null, BSON_UNDEFINED] };
  const last = serializeDocumentInto(doc, buf, 17);
  const bytes = buf.subarray(17, last + 1);
  sameBytes(bytes, serializeDocument(doc));
  assert.equal(buf[16], 0x0a);
  const back = decodeDocument(bytes.slice());
  assert.equal(back.a, BSON_UNDEFINED);
  assert.deepEqual(back.b, [null, BSON_UNDEFINED]);
});

Deno.test("the small-document encoder and Extended JSON know BSON undefined", () => {
  const doc = { a: BSON_UNDEFINED, b: 1 };
  sameBytes(encodeSmallDocument(doc)!, serializeDocument(doc));
  assert.equal(encodeSmallDocument(doc)![4], 0x06);
  assert.equal(EJSON.stringify({ a: BSON_UNDEFINED }), '{"a":{"$undefined":true}}');
});

Deno.test("holdsUndefined finds a 0x06 at any depth", () => {
  assert.ok(holdsUndefined(SAMPLE));
  assert.ok(holdsUndefined(serializeDocument({ a: 1, b: { c: [1, { d: BSON_UNDEFINED }] } })));
  assert.ok(!holdsUndefined(BSON.serialize({ a: null, b: { c: [1, { d: null }] }, s: "\u0006" })));
});
