import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseCollMod } from "./coll_mod.ts";

Deno.test("collMod: the index sub-document is parsed (hidden is a safeBool)", () => {
  const p = parseCollMod({ collMod: "c", index: { name: "a_1", hidden: 1, expireAfterSeconds: 60 } });
  assertEquals(p.collection, "c");
  assertEquals(p.index, { name: "a_1", hidden: true, expireAfterSeconds: 60 });
});

Deno.test("collMod: an unknown field in index is 40415 with its dotted path", () => {
  throws(() => parseCollMod({ collMod: "c", index: { name: "a_1", bogus: true } }), {
    code: 40415,
    message: "BSON field 'collMod.index.bogus' is an unknown field.",
  });
});

Deno.test("collMod: wrong types in index are 14 with their dotted path", () => {
  throws(() => parseCollMod({ collMod: "c", index: { name: 1 } }), {
    code: ErrorCode.TypeMismatch,
    message: "BSON field 'collMod.index.name' is the wrong type 'int', expected type 'string'",
  });
  throws(() => parseCollMod({ collMod: "c", index: { name: "a", expireAfterSeconds: "5" } }), {
    code: ErrorCode.TypeMismatch,
  });
  throws(() => parseCollMod({ collMod: "c", index: "a_1" }), {
    code: ErrorCode.TypeMismatch,
    message: "BSON field 'collMod.index' is the wrong type 'string', expected type 'object'",
  });
});

Deno.test("collMod: collection options not built yet are 238", () => {
  throws(() => parseCollMod({ collMod: "c", cappedSize: 100 }), {
    code: ErrorCode.NotImplemented,
    message: "collMod option 'cappedSize' is not supported yet",
  });
  throws(() => parseCollMod({ collMod: "c", index: { name: "a_1", prepareUnique: true } }), {
    code: ErrorCode.NotImplemented,
  });
});

Deno.test("collMod: validator options are parsed and checked", () => {
  const p = parseCollMod({
    collMod: "c",
    validator: { a: { $type: "string" } },
    validationLevel: "moderate",
  });
  assertEquals(p.validator, { a: { $type: "string" } });
  assertEquals(p.validationLevel, "moderate");
  throws(() => parseCollMod({ collMod: "c", validationLevel: "bogus" }), { code: ErrorCode.BadValue });
  throws(() => parseCollMod({ collMod: "c", validationAction: "bogus" }), { code: ErrorCode.BadValue });
  throws(() => parseCollMod({ collMod: "c", validator: { $where: "1" } }), {
    code: ErrorCode.QueryFeatureNotAllowed,
  });
  throws(() => parseCollMod({ collMod: "c", validator: { a: { $bogus: 1 } } }), { code: ErrorCode.BadValue });
});

Deno.test("collMod: an unknown top-level field is 40415", () => {
  throws(() => parseCollMod({ collMod: "c", bogus: 1 }), { code: 40415 });
});
