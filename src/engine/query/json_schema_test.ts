import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Binary, Long } from "bson";
import { compileFilter } from "./filter.ts";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const m = (f: Doc, d: Doc) => compileFilter(f).matches(d);

Deno.test("$jsonSchema: types, required, properties, ranges, arrays, combinators", () => {
  const s = {
    $jsonSchema: {
      bsonType: "object",
      required: ["name"],
      properties: {
        name: { bsonType: "string", minLength: 2, pattern: "^[A-Z]" },
        age: { bsonType: ["int", "long"], minimum: 0, maximum: 150 },
        tags: { type: "array", items: { type: "string" }, uniqueItems: true, maxItems: 3 },
        kind: { enum: ["a", "b"] },
      },
      additionalProperties: false,
      patternProperties: { "^x_": {} },
    },
  };
  assertEquals(m(s, { name: "Ada", age: 36, tags: ["x"] }), true);
  assertEquals(m(s, { name: "Ada", x_extra: 1 }), true);
  assertEquals(m(s, { name: "Ada", other: 1 }), false);
  assertEquals(m(s, { age: 3 }), false);
  assertEquals(m(s, { name: "ada" }), false);
  assertEquals(m(s, { name: "Ada", age: -1 }), false);
  assertEquals(m(s, { name: "Ada", age: 1.5 }), false);
  assertEquals(m(s, { name: "Ada", tags: ["a", "a"] }), false);
  assertEquals(m(s, { name: "Ada", kind: "c" }), false);
  assertEquals(m({ $jsonSchema: { properties: { a: { minimum: 5 } } } }, { a: "str" }), true);
  assertEquals(
    m({ $jsonSchema: { properties: { a: { anyOf: [{ type: "string" }, { type: "null" }] } } } }, { a: 1 }),
    false,
  );
  assertEquals(m({ $jsonSchema: { properties: { a: { not: { type: "string" } } } } }, { a: 1 }), true);
  assertEquals(
    m({ $jsonSchema: { properties: { a: { oneOf: [{ minimum: 1 }, { minimum: 2 }] } } } }, { a: 3 }),
    false,
  );
  assertEquals(m({ $jsonSchema: { dependencies: { a: ["b"] } } }, { a: 1 }), false);
  assertEquals(m({ $jsonSchema: { minProperties: 2 } }, { a: 1 }), false);
  assertEquals(m({ $or: [{ $jsonSchema: { required: ["z"] } }, { a: 1 }] }, { a: 1 }), true);
  assertCommandError(
    () => compileFilter({ $jsonSchema: { foo: 1 } }),
    "FailedToParse",
    /Unknown \$jsonSchema keyword/,
  );
  assertCommandError(() => compileFilter({ $jsonSchema: { $ref: "#" } }), "FailedToParse");
  assertCommandError(
    () => compileFilter({ $jsonSchema: { type: "object", bsonType: "object" } }),
    "FailedToParse",
  );
  assertCommandError(() => compileFilter({ $jsonSchema: { required: [] } }), "BadValue");
  assertCommandError(() => compileFilter({ $jsonSchema: { minLength: "x" } }), "TypeMismatch");
  assertCommandError(() => compileFilter({ $jsonSchema: { type: "string" } }), "FailedToParse");
});

Deno.test("bitwise query operators", () => {
  assertEquals(m({ a: { $bitsAllSet: 5 } }, { a: 7 }), true);
  assertEquals(m({ a: { $bitsAllSet: [0, 2] } }, { a: 3 }), false);
  assertEquals(m({ a: { $bitsAnySet: [1] } }, { a: 2 }), true);
  assertEquals(m({ a: { $bitsAllClear: 8 } }, { a: 7 }), true);
  assertEquals(m({ a: { $bitsAnyClear: 3 } }, { a: 3 }), false);
  assertEquals(m({ a: { $bitsAllSet: [63, 100] } }, { a: -1 }), true);
  assertEquals(m({ a: { $bitsAllSet: 1 } }, { a: Long.fromInt(3) }), true);
  assertEquals(m({ a: { $bitsAllSet: 1 } }, { a: 1.5 }), false);
  assertEquals(m({ a: { $bitsAllSet: 1 } }, { a: "1" }), false);
  assertEquals(m({ a: { $bitsAllSet: 1 } }, { a: [2, 3] }), true);
  assertEquals(
    m({ a: { $bitsAnySet: new Binary(new Uint8Array([2])) } }, { a: new Binary(new Uint8Array([3])) }),
    true,
  );
  assertCommandError(() => compileFilter({ a: { $bitsAllSet: -1 } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $bitsAllSet: [-1] } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $bitsAllSet: "x" } }), "BadValue");
  assertCommandError(() => compileFilter({ a: { $bitsAllSet: 1.5 } }), "BadValue");
});
