import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseCreateIndexes } from "./create_indexes.ts";

Deno.test("createIndexes: index specs are validated into stored specs at parse", () => {
  const p = parseCreateIndexes({
    createIndexes: "c",
    indexes: [{ key: { a: 1 }, name: "a_1", unique: true }],
  });
  assertEquals(p.collection, "c");
  assertEquals(p.indexes.map((i) => [i.name, i.unique, i.spec]), [
    ["a_1", true, { v: 2, key: { a: 1 }, name: "a_1", unique: true }],
  ]);
});

Deno.test("createIndexes: indexes is required (40414)", () => {
  throws(() => parseCreateIndexes({ createIndexes: "c" }), {
    code: 40414,
    message: "BSON field 'createIndexes.indexes' is missing but a required field",
  });
});

Deno.test("createIndexes: indexes that is not an array is 14", () => {
  throws(() => parseCreateIndexes({ createIndexes: "c", indexes: { key: { a: 1 } } }), {
    code: ErrorCode.TypeMismatch,
    message: "BSON field 'createIndexes.indexes' is the wrong type 'object', expected type 'array'",
  });
});

Deno.test("createIndexes: an empty list is BadValue", () => {
  throws(() => parseCreateIndexes({ createIndexes: "c", indexes: [] }), {
    code: ErrorCode.BadValue,
    message: "Must specify at least one index to create",
  });
});

Deno.test("createIndexes: a bad index spec is refused before any work, with mongod's code", () => {
  throws(
    () => parseCreateIndexes({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a", bogus: 1 }] }),
    {
      code: ErrorCode.InvalidIndexSpecificationOption,
    },
  );
  throws(() => parseCreateIndexes({ createIndexes: "c", indexes: [{ key: {}, name: "a" }] }), {
    code: ErrorCode.CannotCreateIndex,
  });
});

Deno.test("createIndexes: an unknown top-level field is 40415", () => {
  throws(() => parseCreateIndexes({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a" }], x: 1 }), {
    code: 40415,
    message: "BSON field 'createIndexes.x' is an unknown field.",
  });
});
