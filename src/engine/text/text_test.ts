import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { loadTextLanguages, textLanguage } from "../../keys/text_language.ts";
import { terms, words } from "../../keys/text_tokenize.ts";
import { parseTextQuery } from "./query.ts";
import { compileTextSearch, type TextIndexInfo, textIndexInfo, textLookupTerms } from "./score.ts";

await loadTextLanguages();

const en = textLanguage("english")!;
const index: TextIndexInfo = {
  weights: { subject: 1 },
  defaultLanguage: "english",
  languageOverride: "language",
};

Deno.test("text: words split on punctuation, stop words go, terms are stemmed and folded", () => {
  assertEquals(words("coffee-shop, Baking's!"), ["coffee", "shop", "Baking's"]);
  assertEquals(terms("The Baking of cakes", en), ["bake", "cake"]);
  assertEquals(terms("Café", en), ["cafe"]);
  assertEquals(terms("Café", en, { diacriticSensitive: true }), ["café"]);
  assertEquals(textLanguage("es")?.name, "spanish");
  assertEquals(textLanguage("klingon"), undefined);
  assertEquals(terms("the running", textLanguage("none")!), ["the", "running"]);
});

Deno.test("text: $search grammar — terms, phrases, negations", () => {
  const q = parseTextQuery('bake "coffee shop" -cake -"ice cream"', "english", {});
  assertEquals(q.terms, ["bake", "coffe", "shop"]);
  assertEquals(q.negatedTerms, ["cake"]);
  assertEquals(q.phrases, ["coffee shop"]);
  assertEquals(q.negatedPhrases, ["ice cream"]);
  // A hyphen inside a word is a delimiter, not a negation.
  assertEquals(parseTextQuery("coffee-shop", "english", {}).negatedTerms, []);
  throws(() => parseTextQuery("x", "klingon", {}), { code: ErrorCode.BadValue });
});

Deno.test("text: matching and mongod's score formula", () => {
  const score = (search: string, subject: string) =>
    compileTextSearch({ $search: search }, index)({ subject });
  assertEquals(score("cake", "Baking a cake"), 0.75);
  assertEquals(score("coffee", "coffee"), 1);
  assertEquals(score("coffee", "tea"), 0);
  assertEquals(score("coffee -shop", "Coffee Shopping"), 0);
  assertEquals(score('"coffee shop"', "Coffee Shopping"), 1.5);
  assertEquals(score('"shop coffee"', "Coffee Shopping"), 0);
  // Repeats add halving contributions: 1 + 1/2, times (0.5 + 0.5 · 2/2).
  assertEquals(score("cake", "cake cake"), 1.5);
  // Weights multiply, every indexed field counts.
  const weighted = compileTextSearch({ $search: "cake" }, { ...index, weights: { subject: 10, body: 1 } });
  // "cake" is the whole subject string: +10%; "a" is a stop word, so the body is one term too.
  assertEquals(weighted({ subject: "cake", body: "a cake" }), 10 * 1.1 + 1);
  // Only negations match nothing.
  assertEquals(score("-cake", "tea"), 0);
  // language_override in the document.
  const es = compileTextSearch({ $search: "leche", $language: "spanish" }, index);
  ok(es({ subject: "Café con leche", language: "spanish" }) > 0);
  // mongod reads a document in its own language (override, else the index default), never the query's:
  // "corriendo" stems to "corr" in Spanish; an English document keeps "corriendo".
  const run = compileTextSearch({ $search: "corriendo", $language: "spanish" }, index);
  assertEquals(run({ subject: "corriendo" }), 0);
  assertEquals(run({ subject: "corriendo", language: "spanish" }), 1);
  // Sensitive searches score by the folded terms (the index entries), then check the sensitive term.
  const cased = compileTextSearch({ $search: "Coffee", $caseSensitive: true }, index);
  assertEquals(cased({ subject: "Coffee coffee shop" }), 1.5 * (0.5 * 2 / 3 + 0.5));
  assertEquals(cased({ subject: "coffee shop" }), 0);
  throws(() => compileTextSearch({ $search: 1 }, index), { code: ErrorCode.TypeMismatch });
  throws(() => compileTextSearch({ $search: "a", $bogus: 1 }, index), { code: ErrorCode.BadValue });
});

Deno.test("text: index info from the stored spec", () => {
  assertEquals(
    textIndexInfo({ key: { _fts: "text", _ftsx: 1 }, weights: { a: 2 }, default_language: "french" }),
    { weights: { a: 2 }, defaultLanguage: "french", languageOverride: "language" },
  );
  assertEquals(textIndexInfo({ key: { a: 1 } }), undefined);
});

Deno.test("textLookupTerms: the folded positive terms, stemmed in the query's language", () => {
  const index = { weights: { s: 1 }, defaultLanguage: "english", languageOverride: "language" };
  assertEquals(textLookupTerms({ $search: 'Coffee "cake shop" -tea' }, index), ["cake", "coffe", "shop"]);
  assertEquals(textLookupTerms({ $search: "the and" }, index), []);
  assertEquals(textLookupTerms({ $search: "coffee", $language: "en" }, index), ["coffe"]);
  assertEquals(textLookupTerms({ $search: "corriendo", $language: "spanish" }, index), ["corr"]);
  assertEquals(textLookupTerms({ $search: "corriendo" }, index), ["corriendo"]);
  // sensitive searches read the folded terms; TEXT_MATCH applies the sensitivity
  assertEquals(textLookupTerms({ $search: "Coffee", $caseSensitive: true }, index), ["coffe"]);
  assertEquals(textLookupTerms({ $search: "Café", $diacriticSensitive: true }, index), ["cafe"]);
});
