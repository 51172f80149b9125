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

Deno.test("text keys: an array in a prefix field is refused (16675), as mongod; elsewhere it is not", () => {
  const shape = textKeyShape({ key: { a: 1, _fts: "text", _ftsx: 1 }, weights: { s: 1 } })!;
  for (const doc of [{ a: [1, 2], s: "coffee" }, { a: [1], s: "" }]) {
    throws(() => textKeys(shape, doc), (e: { code: number }) => e.code === 16675);
    throws(() => textKeyTuples(shape, doc), (e: { code: number }) => e.code === 16675);
  }
  assertEquals(textKeyTuples(shape, { a: 1, s: "coffee" }), [[1, "coffe", 1]]);
  assertEquals(textKeyTuples(shape, { s: "coffee" }), [[null, "coffe", 1]]);
});
