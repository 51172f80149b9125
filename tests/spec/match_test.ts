/** Unit tests for the unified-test-format matcher (special operators, root vs nested extra fields). */
import assert from "node:assert/strict";
import { Binary, Double, Int32, Long, ObjectId } from "bson";
import { match, type MatchContext } from "./match.ts";
import { parseSpecJson } from "./ejson.ts";

const ok = (e: unknown, a: unknown, opts: Parameters<typeof match>[2] = {}) =>
  assert.equal(match(e, a, opts), null);
const bad = (e: unknown, a: unknown, opts: Parameters<typeof match>[2] = {}) =>
  assert.notEqual(match(e, a, opts), null, `expected mismatch: ${JSON.stringify(e)}`);

Deno.test("root documents allow extra fields, nested ones do not", () => {
  ok({ a: 1 }, { a: 1, b: 2 });
  bad({ a: { x: 1 } }, { a: { x: 1, y: 2 } });
  ok({ a: { x: 1 } }, { a: { x: 1 } });
  bad({ a: 1 }, { a: 1, b: 2 }, { root: false });
});

Deno.test("documents in a root-level array are root-level; deeper ones are not", () => {
  ok([{ _id: 1 }], [{ _id: 1, x: 2 }]);
  bad([{ _id: 1, x: { y: 1 } }], [{ _id: 1, x: { y: 1, z: 1 } }]);
  bad({ docs: [{ a: 1 }] }, { docs: [{ a: 1, b: 2 }] });
});

Deno.test("arrays need equal length and element-wise matches", () => {
  ok([1, 2], [1, 2]);
  bad([1, 2], [1, 2, 3]);
  bad([1, 2], [2, 1]);
});

Deno.test("numbers compare across int32, int64 and double", () => {
  ok(1, new Long(1));
  ok(new Long(5), 5);
  ok(new Int32(3), 3.0);
  ok(new Double(2), 2);
  bad(1, "1");
  bad(1, 2);
});

Deno.test("$$exists", () => {
  ok({ a: { $$exists: true } }, { a: null });
  ok({ a: { $$exists: false } }, { b: 1 });
  bad({ a: { $$exists: false } }, { a: 1 });
  bad({ a: { $$exists: true } }, {});
});

Deno.test("$$type including number alias and arrays of names", () => {
  ok({ a: { $$type: "string" } }, { a: "x" });
  ok({ a: { $$type: ["int", "long"] } }, { a: new Long(1) });
  ok({ a: { $$type: "number" } }, { a: 1.5 });
  ok({ a: { $$type: "objectId" } }, { a: new ObjectId() });
  ok({ a: { $$type: "binData" } }, { a: new Binary(new Uint8Array([1])) });
  bad({ a: { $$type: "string" } }, { a: 1 });
  bad({ a: { $$type: "long" } }, { a: 1.5 });
  bad({ a: { $$type: "string" } }, {});
});

Deno.test("$$unsetOrMatches", () => {
  ok({ a: { $$unsetOrMatches: 1 } }, {});
  ok({ a: { $$unsetOrMatches: 1 } }, { a: 1 });
  bad({ a: { $$unsetOrMatches: 1 } }, { a: 2 });
  ok({ $$unsetOrMatches: { insertedId: 1 } }, { insertedId: 1, acknowledged: true });
  bad({ a: { $$unsetOrMatches: { x: 1 } } }, { a: { x: 1, y: 2 } });
});

Deno.test("$$matchesEntity and $$sessionLsid use the context", () => {
  const id = new Binary(new Uint8Array(16).fill(7), 4);
  const ctx: MatchContext = {
    entity: (n) => (n === "saved" ? 42 : undefined),
    sessionLsid: (n) => (n === "session0" ? { id } : undefined),
  };
  ok({ v: { $$matchesEntity: "saved" } }, { v: 42 }, { ctx });
  bad({ v: { $$matchesEntity: "saved" } }, { v: 41 }, { ctx });
  ok({ lsid: { $$sessionLsid: "session0" } }, { lsid: { id } }, { ctx });
  bad({ lsid: { $$sessionLsid: "session0" } }, { lsid: { id: new Binary(new Uint8Array(16), 4) } }, { ctx });
  bad({ lsid: { $$sessionLsid: "session0" } }, {}, { ctx });
});

Deno.test("$$lte", () => {
  ok({ n: { $$lte: 5 } }, { n: 5 });
  ok({ n: { $$lte: 5 } }, { n: new Long(3) });
  bad({ n: { $$lte: 5 } }, { n: 6 });
});

Deno.test("$$matchAsDocument parses extended JSON and forbids extra fields", () => {
  ok({ j: { $$matchAsDocument: { x: 1, y: 2 } } }, { j: '{ "x": 1, "y": 2.0 }' });
  ok({ j: { $$matchAsDocument: { x: { $$type: "objectId" } } } }, {
    j: '{ "x": { "$oid": "57e193d7a9cc81b4027498b5" } }',
  });
  bad({ j: { $$matchAsDocument: { x: 1 } } }, { j: '{ "x": 1, "y": 2 }' });
  bad({ j: { $$matchAsDocument: { $$matchAsRoot: {} } } }, { j: "1" });
  bad({ j: { $$matchAsDocument: { $$matchAsRoot: {} } } }, { j: "[1]" });
  bad({ j: { $$matchAsDocument: { $$matchAsRoot: {} } } }, { j: '{ "x" }' });
  ok({ j: { $$matchAsDocument: { $$matchAsRoot: { x: 1 } } } }, { j: '{ "x": 1, "y": 2 }' });
});

Deno.test("$$matchAsRoot allows extra fields in a nested document", () => {
  ok({ x: { $$matchAsRoot: { y: 2 } } }, { x: { y: 2, z: 3 } });
  ok({ x: { $$matchAsRoot: { y: 2, z: { $$exists: true } } } }, { x: { y: 2, z: 3 } });
  bad({ x: { $$matchAsRoot: { y: 3 } } }, { x: { y: 2, z: 3 } });
});

Deno.test("BSON values compare by value", () => {
  const oid = new ObjectId();
  ok({ _id: oid }, { _id: new ObjectId(oid.toHexString()) });
  bad({ _id: oid }, { _id: new ObjectId() });
  ok({ d: new Date(5) }, { d: new Date(5) });
  ok({ v: null }, { v: null });
  bad({ v: null }, {});
  ok({ sort: { _id: 1 } }, { sort: new Map([["_id", 1]]) });
});

Deno.test("spec JSON keeps explicit BSON types, plain numbers stay numbers", () => {
  const v = parseSpecJson(
    '{"a": {"$numberLong": "7"}, "b": 1, "c": {"$$exists": true}, "d": {"$oid": "57e193d7a9cc81b4027498b5"}}',
  ) as Record<
    string,
    unknown
  >;
  assert.ok(v.a instanceof Long);
  assert.equal(v.b, 1);
  assert.deepEqual(v.c, { $$exists: true });
  assert.ok(v.d instanceof ObjectId);
});
