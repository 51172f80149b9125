import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseCreateIndexes, refuseCollated } from "./create_indexes.ts";

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

Deno.test("createIndexes: a text or 2d index with a collation is 67, as mongod", () => {
  const collation = { locale: "fr", strength: 2 };
  const specs = (indexes: unknown[]) => parseCreateIndexes({ createIndexes: "c", indexes }).indexes;
  for (const key of [{ body: "text" }, { a: 1, body: "text" }, { p: "2d" }]) {
    const kind = Object.values(key).includes("2d") ? "2d" : "text";
    throws(() => refuseCollated(specs([{ key, name: "x", collation }])), {
      code: ErrorCode.CannotCreateIndex,
      message: new RegExp(
        `^Index type '${kind}' does not support collation: \\{ locale: "fr", .*strength: 2`,
      ),
    });
    // the simple collation (no collation kept in the spec) is fine
    refuseCollated(specs([{ key, name: "x", collation: { locale: "simple" } }]));
    refuseCollated(specs([{ key, name: "x" }]));
  }
  for (const key of [{ a: 1 }, { a: "hashed" }, { p: "2dsphere" }, { "$**": 1 }]) {
    refuseCollated(specs([{ key, name: "x", collation }]));
  }
});
