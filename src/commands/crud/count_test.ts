import assert from "node:assert/strict";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { Location } from "../../errors/locations.ts";
import { count, parseCount } from "./count.ts";

Deno.test("count params: collection, query, skip, limit, hint and collation are read; generic fields pass", () => {
  const p = parseCount({
    count: "c",
    query: { a: 1 },
    skip: 2,
    limit: -3,
    hint: "a_1",
    collation: { locale: "fr" },
    fields: { x: 1 },
    maxTimeMS: 10,
    $db: "test",
  });
  assert.deepEqual(p, {
    collection: "c",
    query: { a: 1 },
    skip: 2,
    limit: -3,
    hint: "a_1",
    collation: { locale: "fr" },
  });
});

Deno.test("count params: an unknown field is 40415 with its path", () => {
  assertCommandError(
    () => parseCount({ count: "c", filter: {} }),
    40415,
    /'count\.filter'/,
  );
});

Deno.test("count params: a query that is not a document is TypeMismatch", () => {
  assertCommandError(
    () => parseCount({ count: "c", query: 1 }),
    "TypeMismatch",
    "BSON field 'count.query' is the wrong type 'int', expected type 'object'",
  );
});

Deno.test("count params: a negative skip is 51024, a fractional one BadValue", () => {
  assertCommandError(
    () => parseCount({ count: "c", skip: -1 }),
    Location.IDLNegativeValue,
    "BSON field 'skip' value must be >= 0, actual value '-1'",
  );
  assertCommandError(() => parseCount({ count: "c", skip: 1.5 }), "BadValue");
});

Deno.test("count params: a collection name that is not a string is InvalidNamespace", () => {
  assertCommandError(() => parseCount({ count: 5 }), "InvalidNamespace");
});

Deno.test("count explain: the query becomes the filter under a COUNT stage, limit as its absolute value", () => {
  const shape = count.explain!(parseCount({ count: "c", query: { a: 1 }, skip: 1, limit: -2 }));
  assert.equal(shape.coll, "c");
  assert.equal(shape.wrap, "COUNT");
  assert.deepEqual(shape.parts.filter, { a: 1 });
  assert.equal(shape.parts.skip, 1);
  assert.equal(shape.parts.limit, 2);
});
