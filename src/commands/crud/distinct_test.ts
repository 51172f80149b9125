import assert from "node:assert/strict";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { distinct, FoundValues, parseDistinct } from "./distinct.ts";
import { Long } from "bson";

Deno.test("distinct params: key, query, collation and hint are read; mirrored is ignored", () => {
  const p = parseDistinct({
    distinct: "c",
    key: "a.b",
    query: { x: 1 },
    collation: { locale: "fr" },
    hint: { a: 1 },
    mirrored: true,
    comment: "x",
  });
  assert.deepEqual(p, {
    collection: "c",
    key: "a.b",
    query: { x: 1 },
    collation: { locale: "fr" },
    hint: { a: 1 },
  });
});

Deno.test("distinct params: a missing key is 40414", () => {
  assertCommandError(
    () => parseDistinct({ distinct: "c" }),
    40414,
    "BSON field 'distinct.key' is missing but a required field",
  );
});

Deno.test("distinct params: a key that is not a string is TypeMismatch", () => {
  assertCommandError(
    () => parseDistinct({ distinct: "c", key: 1 }),
    "TypeMismatch",
    "BSON field 'distinct.key' is the wrong type 'int', expected type 'string'",
  );
});

Deno.test("distinct params: an unknown field is 40415", () => {
  assertCommandError(() => parseDistinct({ distinct: "c", key: "a", sort: {} }), 40415);
});

Deno.test("distinct explain: the query is the filter, with hint and collation", () => {
  const shape = distinct.explain!(parseDistinct({ distinct: "c", key: "a", query: { b: 2 }, hint: "b_1" }));
  assert.deepEqual(shape, {
    coll: "c",
    parts: { filter: { b: 2 }, hint: "b_1", collation: undefined },
    distinctKey: "a",
  });
});

Deno.test("FoundValues: each scalar once (the first met), everything else as met", () => {
  const f = new FoundValues();
  const d1 = { x: 1 };
  for (const v of ["a", 1, "a", null, 1, true, null, d1, { x: 1 }, new Long(1), "A", true]) f.push(v);
  assert.deepEqual(f.list, ["a", 1, null, true, d1, { x: 1 }, new Long(1), "A"]);
});
