import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CommandError } from "../../errors/command_error.ts";
import { serializeStorable } from "./stored_depth.ts";
import { BSON, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { BSON_UNDEFINED, serializeDocument } from "../../bson/undefined_value.ts";

function nested(levels: number): Record<string, unknown> {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return { _id: 1, d: v };
}

const overflow = (msg: RegExp) => (e: unknown) =>
  e instanceof CommandError && e.code === 15 && msg.test(e.message);

Deno.test("serializeStorable: 180 levels are stored, 181 are 15 Overflow with mongod's wording", () => {
  assertEquals(serializeStorable(nested(179), "insert").length > 0, true); // root + 179 = 180
  throws(
    () => serializeStorable(nested(180), "insert"),
    overflow(/cannot insert document because it exceeds 180/),
  );
  throws(
    () => serializeStorable(nested(180), "update"),
    overflow(/Document exceeds maximum nesting depth of 180/),
  );
});

Deno.test("serializeStorable: a run-time value too deep for the encoder is the same refusal", () => {
  throws(() => serializeStorable(nested(200_000), "update"), overflow(/maximum nesting depth/));
});

Deno.test("serializeStorable: the bytes npm bson writes, small plain documents and others alike", () => {
  const docs: Record<string, unknown>[] = [
    { _id: "k", a: 1 },
    { _id: new ObjectId(), n: -0, d: new Double(2), l: new Long(1, 2), i: new Int32(3), big: 2 ** 40 },
    { _id: 1, s: "é€😀", u: BSON_UNDEFINED, arr: [1, "x", { y: null }, [true]], "a.b": 1, $c: 2 },
    { _id: 1, date: new Date(5), dec: new Decimal128("1.5") }, // npm bson's
    { _id: 1, big: "x".repeat(20_000) }, // larger than the small encoder's buffer
  ];
  for (const d of docs) assertEquals([...serializeStorable(d, "update")], [...serializeDocument(d)]);
  assertEquals([...serializeStorable({ _id: 1, a: 1 }, "insert")], [...BSON.serialize({ _id: 1, a: 1 })]);
});
