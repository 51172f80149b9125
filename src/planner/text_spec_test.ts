import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../errors/codes.ts";
import { validateIndexSpec } from "./index_spec.ts";

const ok = () => {};

Deno.test("text index specs take mongod's stored form", () => {
  const v = validateIndexSpec({
    key: { a: 1, title: "text", body: "text", z: 1 },
    name: "t",
    weights: { title: 5 },
  }, ok);
  assertEquals(v.spec, {
    v: 2,
    key: { a: 1, _fts: "text", _ftsx: 1, z: 1 },
    name: "t",
    weights: { body: 1, title: 5 },
    default_language: "english",
    language_override: "language",
    textIndexVersion: 3,
  });
  assertEquals(
    validateIndexSpec({ key: { "$**": "text" }, name: "all" }, ok).spec["weights"],
    { "$**": 1 },
  );
});

Deno.test("text index specs: bad weights and languages are refused", () => {
  throws(() => validateIndexSpec({ key: { a: "text" }, name: "t", weights: { a: 0 } }, ok), {
    code: ErrorCode.BadValue,
  });
  throws(() => validateIndexSpec({ key: { a: "text" }, name: "t", default_language: "xx" }, ok), {
    code: ErrorCode.CannotCreateIndex,
  });
});

Deno.test("index specs keep `background` as given (listIndexes shows it)", () => {
  assertEquals(validateIndexSpec({ key: { a: 1 }, name: "a_1", background: true }, ok).spec, {
    v: 2,
    key: { a: 1 },
    name: "a_1",
    background: true,
  });
});
