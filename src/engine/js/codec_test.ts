import assert from "node:assert/strict";
import { Binary, BSONRegExp, Decimal128, Double, Long, MaxKey, MinKey, ObjectId, Timestamp } from "bson";
import { fromSandbox, toSandbox } from "./codec.ts";

Deno.test("BSON values survive the trip to the sandbox's wire form and back", () => {
  const oid = new ObjectId();
  const doc = {
    i: 5,
    f: 1.5,
    l: Long.fromString("9007199254740993"),
    dec: Decimal128.fromString("1.25"),
    o: oid,
    d: new Date(1234),
    b: new Binary(new Uint8Array([0, 1, 255]), 4),
    re: new BSONRegExp("^a", "i"),
    ts: new Timestamp({ t: 7, i: 3 }),
    min: new MinKey(),
    max: new MaxKey(),
    nested: { arr: [1, "x", null, { y: true }] },
    nan: NaN,
  };
  const back = fromSandbox(JSON.parse(JSON.stringify(toSandbox(doc)))) as Record<string, unknown>;
  assert.equal((back.l as Long).toString(), "9007199254740993");
  assert.equal((back.dec as Decimal128).toString(), "1.25");
  assert.equal((back.o as ObjectId).toHexString(), oid.toHexString());
  assert.equal((back.d as Date).getTime(), 1234);
  assert.deepEqual([...(back.b as Binary).value()], [0, 1, 255]);
  assert.equal((back.b as Binary).sub_type, 4);
  assert.equal((back.re as BSONRegExp).pattern, "^a");
  assert.equal((back.ts as Timestamp).high, 7);
  assert.ok(back.min instanceof MinKey && back.max instanceof MaxKey);
  assert.deepEqual(back.nested, { arr: [1, "x", null, { y: true }] });
  assert.ok(Number.isNaN(back.nan));
  assert.equal(back.i, 5);
});

Deno.test("numbers coming back from JavaScript are doubles, NumberInt an int32", () => {
  const r = fromSandbox({ "\u0000": "dbl", v: 2 });
  assert.ok(r instanceof Double);
  assert.equal(fromSandbox({ "\u0000": "dbl", v: 2.5 }), 2.5);
  assert.equal(fromSandbox({ "\u0000": "int", v: 3 }), 3);
  assert.deepEqual(fromSandbox({ a: { "\u0000": "undef" }, b: 1 }), { b: 1 });
});
