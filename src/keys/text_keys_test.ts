import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { textKeys, textKeyShape, textKeyTuples } from "./text_keys.ts";
import { encodeIndexKey } from "./key_string.ts";
import { documentTermScores, textIndexInfo } from "./text_terms.ts";
import { loadTextLanguages } from "./text_language.ts";

await loadTextLanguages();

const spec = {
  v: 2,
  key: { _fts: "text", _ftsx: 1 },
  name: "t",
  weights: { title: 10, body: 1 },
  default_language: "english",
  language_override: "language",
};

Deno.test("text keys: one entry per distinct stemmed term, with the document's score for it", () => {
  const shape = textKeyShape(spec)!;
  const doc = { title: "Coffee", body: "the coffee shops and more coffee" };
  const tuples = textKeyTuples(shape, doc);
  const byTerm = Object.fromEntries(tuples.map(([t, s]) => [t as string, s as number]));
  assertEquals(Object.keys(byTerm).sort(), ["coffe", "shop"]);
  // title: weight 10, one term; body: 2 of 3 terms are "coffe" (repeats halve: 1 + 0.5)
  assertEquals(byTerm["coffe"], 10 + 1.5 * (0.5 * 2 / 3 + 0.5));
  assertEquals(byTerm, Object.fromEntries(documentTermScores(doc, textIndexInfo(spec)!)));
});

Deno.test("text keys: no term, no entry; a language override stems in that language", () => {
  const shape = textKeyShape(spec)!;
  assertEquals(textKeyTuples(shape, { title: "the and of", other: "coffee" }), []);
  const es = textKeyTuples(shape, { body: "leches", language: "spanish" }).map((t) => t[0]);
  assertEquals(es, ["lech"]);
});

Deno.test("text keys: compound text index carries prefix and suffix values around term and score", () => {
  const shape = textKeyShape({ ...spec, key: { a: 1, _fts: "text", _ftsx: 1, z: 1 }, weights: { s: 1 } })!;
  assertEquals(shape.prefix, ["a"]);
  assertEquals(shape.suffix, ["z"]);
  assertEquals(textKeyTuples(shape, { a: 5, s: "cake", z: "q" }), [[5, "cake", 1.1, "q"]]);
  assertEquals(textKeyShape({ key: { a: 1 } }), undefined);
});

Deno.test("text keys: the encoded entries are the encoded tuples (prefix and suffix directions kept)", () => {
  for (const key of [{ _fts: "text", _ftsx: 1 }, { a: -1, _fts: "text", _ftsx: 1, z: 1 }]) {
    const shape = textKeyShape({ ...spec, key, weights: { s: 1, t: 3 } })!;
    const doc = { a: 5, s: "cake and coffee, more cake", t: "Café", z: "q" };
    const dirs = Object.values(key).map((v) => (v === -1 ? -1 : 1) as 1 | -1);
    const want = textKeyTuples(shape, doc).map((t) => [...encodeIndexKey(t, dirs)].join(",")).sort();
    assertEquals(textKeys(shape, doc).map((k) => [...k].join(",")).sort(), want);
    // again, from the caches
    assertEquals(textKeys(shape, doc).map((k) => [...k].join(",")).sort(), want);
  }
  assertEquals(textKeys(textKeyShape(spec)!, { title: "the" }), []);
});

Deno.test("text keys: an array in a prefix or suffix field is refused (201), as mongod 8.0", () => {
  const shape = textKeyShape({ key: { a: 1, _fts: "text", _ftsx: 1, z: 1 }, weights: { s: 1 } })!;
  for (
    const doc of [{ a: [1, 2], s: "coffee" }, { a: [1], s: "" }, { a: 1, z: [3], s: "x" }, { a: { b: [] } }]
  ) {
    const want = { code: 201, message: /^Field '[az]' of text index contains an array in document: \{ / };
    if ("b" in Object(doc.a)) continue;
    throws(() => textKeys(shape, doc), want);
    throws(() => textKeyTuples(shape, doc), want);
  }
  // an array along a dotted path, too; a numeric step into one is a single value
  const dotted = textKeyShape({ key: { "a.b": 1, _fts: "text", _ftsx: 1, "z.1": 1 }, weights: { s: 1 } })!;
  throws(() => textKeys(dotted, { a: [{ b: 1 }], s: "x" }), { code: 201, message: /^Field 'a\.b' / });
  assertEquals(textKeyTuples(dotted, { a: { b: 1 }, z: [5, 6], s: "cake" }), [[1, "cake", 1.1, 6]]);
  assertEquals(textKeyTuples(shape, { a: 1, s: "coffee" }), [[1, "coffe", 1, null]]);
  assertEquals(textKeyTuples(shape, { s: "coffee" }), [[null, "coffe", 1, null]]);
  // lenient (a stored document's keys, for its removal): the first value, as earlier versions kept
  assertEquals(textKeyTuples(shape, { a: 1, z: [3, 4], s: "cake" }, "lenient"), [[1, "cake", 1.1, 3]]);
});

const wild = { ...spec, weights: { "$**": 1 } };
const terms = (s: Record<string, unknown>, doc: Record<string, unknown>) =>
  Object.fromEntries(documentTermScores(doc, textIndexInfo(s)!));

Deno.test("text terms: $** skips the language override fields, at any depth (mongod's FTSElementIterator)", () => {
  assertEquals(terms(wild, { language: "english", t: "cake" }), { cake: 1.1 });
  assertEquals(terms(wild, { sub: { language: "spanish", t: "leches" }, arr: [{ language: "en" }] }), {
    lech: 1,
  });
  // with named fields, a field called like the override is indexed when weighted
  assertEquals(terms({ ...spec, weights: { language: 1 } }, { language: "english" }), { english: 1.1 });
  assertEquals(
    terms({ ...spec, language_override: "lang", weights: { language: 1 } }, { language: "cakes" }),
    { cake: 1 },
  );
});

Deno.test("text terms: a sub-document's language override applies to its own strings", () => {
  const s = { ...spec, weights: { body: 1, "sub.t": 1, "arr.t": 1 } };
  const doc = {
    body: "running leches",
    sub: { language: "spanish", t: "corriendo leches" },
    arr: [{ t: "runs" }, { language: "none", t: "runs" }],
  };
  assertEquals(Object.keys(terms(s, doc)).sort(), ["corr", "lech", "run", "runs"]);
  // the top-level override reaches every sub-document without its own
  assertEquals(Object.keys(terms(s, { language: "spanish", sub: { t: "corriendo" } })), ["corr"]);
});

Deno.test("text terms: weights as mongod looks them up (each string once, lower_bound with $**)", () => {
  // a string of a weighted field counts once, at its weight (it used to count under $** too)
  const s = { ...spec, weights: { "$**": 1, title: 5 } };
  assertEquals(terms(s, { title: "cake" }), { cake: 5 * 1.1 });
  // with $**, a field sorting before a weighted path takes that path's weight; past the last, 1
  assertEquals(terms(s, { body: "cake", zz: "shop" }), { cake: 5 * 1.1, shop: 1.1 });
  // named fields: arrays one level deep, sub-documents by dotted path
  const named = { ...spec, weights: { a: 2, "b.c": 3 } };
  assertEquals(terms(named, { a: ["cake", ["shop"]], b: [{ c: "tea" }], c: "no" }), {
    cake: 2 * 1.1,
    tea: 3 * 1.1,
  });
  assertEquals(terms(wild, { a: ["cake", ["shop"]] }), { cake: 1.1, shop: 1.1 });
});

Deno.test("text terms: an unusable language override is 17261 / 17262 (strict), else read in the parent's", () => {
  const info = textIndexInfo(spec)!;
  throws(() => documentTermScores({ language: 5, title: "x" }, info), {
    code: 17261,
    message: "found language override field in document with non-string type",
  });
  throws(() => documentTermScores({ language: null }, info), { code: 17261 });
  throws(() => documentTermScores({ title: "x", language: "klingon" }, info), {
    code: 17262,
    message: "language override unsupported: klingon",
  });
  const sub = { ...spec, weights: { "s.t": 1 } };
  throws(() => documentTermScores({ s: { language: ["x"], t: "y" } }, textIndexInfo(sub)!), { code: 17261 });
  // a sub-document the index does not descend into is not looked at
  assertEquals(documentTermScores({ other: { language: 5 }, title: "cakes" }, info).size, 1);
  assertEquals(
    Object.fromEntries(documentTermScores({ language: 5, title: "cakes" }, info, "lenient")),
    { cake: 10 },
  );
});
