import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseDropIndexes } from "./drop_indexes.ts";

Deno.test("dropIndexes: a name, a list of names, a key pattern or '*'", () => {
  assertEquals(parseDropIndexes({ dropIndexes: "c", index: "*" }), { index: "*", collection: "c" });
  assertEquals(parseDropIndexes({ dropIndexes: "c", index: ["a_1", "b_1"] }).index, ["a_1", "b_1"]);
  assertEquals(parseDropIndexes({ dropIndexes: "c", index: { a: 1 } }).index, { a: 1 });
});

Deno.test("dropIndexes: the deleteIndexes alias parses the same", () => {
  assertEquals(parseDropIndexes({ deleteIndexes: "c", index: "a_1" }), { index: "a_1", collection: "c" });
});

Deno.test("dropIndexes: index is required (40414)", () => {
  throws(() => parseDropIndexes({ dropIndexes: "c" }), {
    code: 40414,
    message: "BSON field 'dropIndexes.index' is missing but a required field",
  });
});

Deno.test("dropIndexes: index of another type is 14", () => {
  throws(() => parseDropIndexes({ dropIndexes: "c", index: 1 }), {
    code: ErrorCode.TypeMismatch,
    message:
      "BSON field 'dropIndexes.index' is the wrong type 'int', expected types '[string, object, array]'",
  });
  throws(() => parseDropIndexes({ dropIndexes: "c", index: ["a_1", 2] }), { code: ErrorCode.TypeMismatch });
});

Deno.test("dropIndexes: an unknown field is 40415", () => {
  throws(() => parseDropIndexes({ dropIndexes: "c", index: "a", x: 1 }), {
    code: 40415,
    message: "BSON field 'dropIndexes.x' is an unknown field.",
  });
});
