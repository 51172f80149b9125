import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { resolveCollation, suggestLocale } from "./resolve.ts";

const full = (locale: string, over: Record<string, unknown> = {}) => ({
  locale,
  caseLevel: false,
  caseFirst: "off",
  strength: 3,
  numericOrdering: false,
  alternate: "non-ignorable",
  maxVariable: "punct",
  normalization: false,
  backwards: false,
  version: "57.1",
  ...over,
});

Deno.test("resolveCollation: the full spec in mongod's field order, given fields kept", () => {
  const r = resolveCollation({ strength: 2, locale: "en_US", numericOrdering: true });
  assertEquals(r, full("en_US", { strength: 2, numericOrdering: true }));
  assertEquals(Object.keys(r!), Object.keys(full("x")));
  assertEquals(resolveCollation({ locale: "en", version: "57.1" }), full("en"));
});

Deno.test("resolveCollation: per-locale ICU defaults (fr_CA backwards, da upper first, th shifted, hi normalized)", () => {
  assertEquals(resolveCollation({ locale: "fr_CA" }), full("fr_CA", { backwards: true }));
  assertEquals(resolveCollation({ locale: "da" }), full("da", { caseFirst: "upper" }));
  assertEquals(resolveCollation({ locale: "th" }), full("th", { alternate: "shifted", normalization: true }));
  assertEquals(resolveCollation({ locale: "hi" }), full("hi", { normalization: true }));
  assertEquals(
    resolveCollation({ locale: "de@collation=search" }),
    full("de@collation=search", { normalization: true }),
  );
  assertEquals(resolveCollation({ locale: "fr_CA", backwards: false }), full("fr_CA"));
});

Deno.test("resolveCollation: simple is no collation; simple with other fields is 9", () => {
  assertEquals(resolveCollation({ locale: "simple" }), undefined);
  throws(() => resolveCollation({ locale: "simple", strength: 1 }), { code: ErrorCode.FailedToParse });
});

Deno.test("resolveCollation: mongod's errors", () => {
  throws(() => resolveCollation({}), {
    code: ErrorCode.NoSuchKey,
    message: 'Missing expected field "locale"',
  });
  throws(() => resolveCollation({ locale: 1 }), { code: ErrorCode.TypeMismatch });
  throws(() => resolveCollation({ locale: "" }), { code: ErrorCode.BadValue });
  throws(() => resolveCollation({ locale: "xx" }), {
    code: ErrorCode.BadValue,
    message: `Field 'locale' is invalid in: { locale: "xx" }`,
  });
  throws(() => resolveCollation({ locale: "en-US" }), {
    code: ErrorCode.BadValue,
    message: `Field 'locale' is invalid in: { locale: "en-US" }. Did you mean 'en_US'?`,
  });
  throws(() => resolveCollation({ locale: "en_GB" }), { message: /Did you mean 'en'\?/ });
  throws(() => resolveCollation({ locale: "en", blah: 1 }), {
    code: ErrorCode.FailedToParse,
    message: `Collation spec contains unknown field. Collation spec: { locale: "en", blah: 1 }`,
  });
  throws(() => resolveCollation({ locale: "en", strength: 99 }), {
    code: ErrorCode.FailedToParse,
    message: "Field 'strength' must be an integer 1 through 5. Got: 99",
  });
  throws(() => resolveCollation({ locale: "en", strength: 1.5 }), { code: ErrorCode.BadValue });
  throws(() => resolveCollation({ locale: "en", strength: "1" }), { code: ErrorCode.TypeMismatch });
  throws(() => resolveCollation({ locale: "en", caseLevel: 1 }), {
    code: ErrorCode.TypeMismatch,
    message: '"caseLevel" had the wrong type. Expected bool, found int',
  });
  throws(() => resolveCollation({ locale: "en", caseFirst: "x" }), {
    code: ErrorCode.FailedToParse,
    message: "Field 'caseFirst' must be 'upper', 'lower', or 'off'. Got: x",
  });
  throws(() => resolveCollation({ locale: "en", alternate: "x" }), { code: ErrorCode.FailedToParse });
  throws(() => resolveCollation({ locale: "en", maxVariable: "x" }), { code: ErrorCode.FailedToParse });
  throws(() => resolveCollation({ locale: "en", version: "1.0" }), {
    code: ErrorCode.IncompatibleCollationVersion,
  });
  throws(() => resolveCollation({ locale: "en", strength: 1, backwards: true }), {
    code: ErrorCode.BadValue,
  });
  throws(() => resolveCollation({ locale: "en", strength: 2, caseFirst: "upper" }), {
    code: ErrorCode.BadValue,
  });
  // with caseLevel on, caseFirst is valid at strength 1
  assertEquals(
    resolveCollation({ locale: "en", strength: 1, caseLevel: true, caseFirst: "upper" }),
    full("en", { strength: 1, caseLevel: true, caseFirst: "upper" }),
  );
});

Deno.test("suggestLocale: ICU's fallback for an id it does not know exactly", () => {
  assertEquals(suggestLocale("en-us"), "en_US");
  assertEquals(suggestLocale("fr_FR"), "fr");
  assertEquals(suggestLocale("zh-hant-tw"), "zh_Hant_TW");
  assertEquals(suggestLocale("xx"), undefined);
});
