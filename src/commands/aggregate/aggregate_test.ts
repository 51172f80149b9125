import assert from "node:assert/strict";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import { Location } from "../../errors/locations.ts";
import { aggregate, parseAggregate } from "./aggregate.ts";

Deno.test("aggregate params: collection, pipeline, cursor options and let are read", () => {
  const p = parseAggregate({
    aggregate: "c",
    pipeline: [{ $match: { a: 1 } }],
    cursor: { batchSize: 5 },
    let: { v: 1 },
    allowDiskUse: true,
    $db: "test",
  }, "test");
  assert.equal(p.collection, "c");
  assert.equal(p.source, "collection");
  assert.deepEqual(p.cursor, { batchSize: 5 });
  assert.deepEqual(p.stages, [{ $match: { a: 1 } }]);
  assert.equal(p.write, undefined);
});

Deno.test("aggregate params: {aggregate: 1} is collection-less; another number is FailedToParse", () => {
  assert.equal(parseAggregate({ aggregate: 1, pipeline: [], cursor: {} }, "test").collection, undefined);
  assertCommandError(
    () => parseAggregate({ aggregate: 2, pipeline: [], cursor: {} }, "test"),
    "FailedToParse",
  );
  assertCommandError(
    () => parseAggregate({ aggregate: "", pipeline: [], cursor: {} }, "test"),
    "InvalidNamespace",
  );
});

Deno.test("aggregate params: a missing pipeline is 40414, a non-array one TypeMismatch", () => {
  assertCommandError(
    () => parseAggregate({ aggregate: "c", cursor: {} }, "test"),
    40414,
    "BSON field 'aggregate.pipeline' is missing but a required field",
  );
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: {}, cursor: {} }, "test"),
    "TypeMismatch",
  );
});

Deno.test("aggregate params: an unknown field is 40415", () => {
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: [], cursor: {}, sort: {} }, "test"),
    40415,
    "BSON field 'aggregate.sort' is an unknown field.",
  );
});

Deno.test("aggregate params: cursor options are a declared shape (path, type, negative batchSize)", () => {
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: [], cursor: { batch: 1 } }, "test"),
    40415,
    "BSON field 'aggregate.cursor.batch' is an unknown field.",
  );
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: [], cursor: { batchSize: "x" } }, "test"),
    "TypeMismatch",
    "BSON field 'aggregate.cursor.batchSize' is the wrong type 'string', expected type 'long'",
  );
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: [], cursor: { batchSize: -1 } }, "test"),
    Location.IDLNegativeValue,
  );
  assertCommandError(
    () => parseAggregate({ aggregate: "c", pipeline: [], cursor: 1 }, "test"),
    "TypeMismatch",
  );
});

Deno.test("aggregate params: a trailing $out is split off and resolved against the request database", () => {
  const p = parseAggregate({ aggregate: "c", pipeline: [{ $match: {} }, { $out: "o" }], cursor: {} }, "db1");
  assert.deepEqual(p.stages, [{ $match: {} }]);
  assert.deepEqual(p.write, { kind: "$out", db: "db1", coll: "o" });
});

Deno.test("aggregate params: source stages are recognised ($indexStats needs a collection)", () => {
  assert.equal(
    parseAggregate({ aggregate: "c", pipeline: [{ $indexStats: {} }], cursor: {} }, "t").source,
    "$indexStats",
  );
  assert.equal(
    parseAggregate({ aggregate: 1, pipeline: [{ $listLocalSessions: {} }], cursor: {} }, "t").source,
    "$listLocalSessions",
  );
  assertCommandError(
    () => parseAggregate({ aggregate: 1, pipeline: [{ $indexStats: {} }], cursor: {} }, "t"),
    "InvalidNamespace",
  );
});

Deno.test("aggregate params: the stages themselves are left to the engine", () => {
  const p = parseAggregate({ aggregate: "c", pipeline: [{ $nonsense: 1 }, 7], cursor: {} }, "t");
  assert.deepEqual(p.stages, [{ $nonsense: 1 }, 7]);
});

Deno.test("aggregate explain: leading $match stages become the filter, the rest follow", () => {
  const shape = aggregate.explain!(parseAggregate({
    aggregate: "c",
    pipeline: [{ $match: { a: 1 } }, { $match: { b: 2 } }, { $group: { _id: "$a" } }],
    hint: "a_1",
    cursor: {},
  }, "t"));
  assert.equal(shape.coll, "c");
  assert.deepEqual(shape.parts.filter, { $and: [{ a: 1 }, { b: 2 }] });
  assert.equal(shape.parts.hint, "a_1");
  assert.deepEqual(shape.rest, [{ $group: { _id: "$a" } }]);
});

Deno.test("aggregate explain: parses without a cursor (the explain command sends none)", () => {
  const shape = aggregate.explain!(parseAggregate({ aggregate: "c", pipeline: [{ $match: { a: 1 } }] }, "t"));
  assert.deepEqual(shape.parts.filter, { a: 1 });
  assert.deepEqual(shape.rest, []);
});
