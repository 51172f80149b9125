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

Deno.test("collMod: cappedSize and cappedMax are range-checked integers (IDL validators, 51024)", () => {
  assertEquals(parseCollMod({ collMod: "c", cappedSize: 256.0, cappedMax: -1 }).cappedSize, 256);
  assertEquals(parseCollMod({ collMod: "c", cappedSize: 2 ** 50 }).cappedSize, 2 ** 50);
  throws(() => parseCollMod({ collMod: "c", cappedSize: 0 }), {
    code: 51024,
    message: "BSON field 'cappedSize' value must be >= 1, actual value '0'",
  });
  throws(() => parseCollMod({ collMod: "c", cappedSize: 2 ** 50 + 1 }), {
    code: 51024,
    message: "BSON field 'cappedSize' value must be <= 1125899906842624, actual value '1125899906842625'",
  });
  throws(() => parseCollMod({ collMod: "c", cappedMax: 2 ** 31 }), {
    code: 51024,
    message: "BSON field 'cappedMax' value must be < 2147483648, actual value '2147483648'",
  });
  throws(() => parseCollMod({ collMod: "c", cappedSize: 1.5 }), { code: ErrorCode.BadValue });
  throws(() => parseCollMod({ collMod: "c", cappedMax: "1" }), { code: ErrorCode.TypeMismatch });
});

Deno.test("collMod: unique / prepareUnique / forceNonUnique and dryRun are safeBools", () => {
  const p = parseCollMod({
    collMod: "c",
    index: { name: "a_1", prepareUnique: 1, unique: true },
    dryRun: true,
  });
  assertEquals(p.index, { name: "a_1", prepareUnique: true, unique: true });
  assertEquals(p.dryRun, true);
  throws(() => parseCollMod({ collMod: "c", index: { name: "a_1", unique: "yes" } }), {
    code: ErrorCode.TypeMismatch,
  });
  throws(() => parseCollMod({ collMod: "c", dryRun: "yes" }), { code: ErrorCode.TypeMismatch });
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
