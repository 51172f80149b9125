import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  Binary,
  BSON,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { fillEmptyTimestamps, fillEmptyTimestampsInDoc } from "./empty_timestamps.ts";

const zero = () => new Timestamp({ t: 0, i: 0 });

function ticks() {
  let i = 0;
  return () => new Timestamp({ t: 100, i: ++i });
}

Deno.test("top-level empty timestamps but _id's take a new tick each; nested and set ones stay", () => {
  const doc = { _id: zero(), a: zero(), b: { c: zero() }, d: new Timestamp({ t: 5, i: 6 }), e: zero() };
  const bytes = BSON.serialize(doc);
  const out = BSON.deserialize(fillEmptyTimestamps(bytes, ticks()));
  assertEquals(out["_id"], zero());
  assertEquals(out["a"], new Timestamp({ t: 100, i: 1 }));
  assertEquals(out["b"].c, zero());
  assertEquals(out["d"], new Timestamp({ t: 5, i: 6 }));
  assertEquals(out["e"], new Timestamp({ t: 100, i: 2 }));
  assertEquals(BSON.deserialize(bytes)["a"], zero()); // the input is not changed
  const plain = BSON.serialize({ _id: 1, x: "y" });
  assertEquals(fillEmptyTimestamps(plain, ticks()) === plain, true);
  // the decoded form gives the same
  const filled = fillEmptyTimestampsInDoc(doc, ticks());
  assertEquals([filled["_id"], filled["a"], filled["e"]], [
    zero(),
    new Timestamp({ t: 100, i: 1 }),
    new Timestamp({ t: 100, i: 2 }),
  ]);
  const none = { _id: 1 };
  assertEquals(fillEmptyTimestampsInDoc(none, ticks()) === none, true);
});

Deno.test("the walk steps over every value type to the timestamps after it", () => {
  const doc = {
    d: new Double(1.5),
    s: "text",
    o: { x: 1 },
    a: [1, 2],
    b: new Binary(new Uint8Array([1, 2, 3])),
    id: new ObjectId(),
    t: true,
    dt: new Date(0),
    n: null,
    re: new BSONRegExp("a+", "i"),
    c: new Code("function(){}"),
    i: new Int32(7),
    l: Long.fromNumber(8),
    dec: Decimal128.fromString("1.5"),
    min: new MinKey(),
    max: new MaxKey(),
    last: new Timestamp({ t: 0, i: 0 }),
  };
  const out = BSON.deserialize(fillEmptyTimestamps(BSON.serialize(doc), () => new Timestamp({ t: 9, i: 9 })));
  assertEquals(out["last"], new Timestamp({ t: 9, i: 9 }));
  assertEquals(out["s"], "text");
});
