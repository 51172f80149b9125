/**
 * score.ts — matching and scoring one document for a `$text` query under its collection's text index,
 * with mongod's formula (keys/text_terms.ts: per indexed string, summed per term; a document's score
 * is the sum over the query's positive terms). A document matches when it has at least one positive
 * term, every positive phrase, and no negated term or phrase. The score of a matched document is
 * kept in `textScores` (keyed by the document object) for `{$meta: "textScore"}` in projections,
 * sorts and expressions. `textLookupTerms` gives the index terms a query reads (TEXT_OR) when the
 * index can answer it.
 */
import type { Document as Doc } from "../../bson/document.ts";
import { textLanguage } from "../../keys/text_language.ts";
import { fold } from "../../keys/text_tokenize.ts";
import { addStringScores, indexedStrings, type TextIndexInfo, textIndexInfo } from "../../keys/text_terms.ts";
import { parseTextArgument, parseTextQuery } from "./query.ts";

export { type TextIndexInfo, textIndexInfo };

/** Scores of documents matched by a `$text` predicate (read by `{$meta: "textScore"}`). */
export const textScores: WeakMap<object, number> = new WeakMap();

/** The score a `$text` match gave `doc`, or undefined. */
export function textScoreOf(doc: unknown): number | undefined {
  return doc !== null && typeof doc === "object" ? textScores.get(doc) : undefined;
}

/** Compiles a `$text` argument against a text index into a scoring predicate (0 = no match). */
export function compileTextSearch(arg: unknown, index: TextIndexInfo): (doc: Doc) => number {
  const a = parseTextArgument(arg);
  const options = { caseSensitive: a.caseSensitive, diacriticSensitive: a.diacriticSensitive };
  const queryLanguage = a.language ?? index.defaultLanguage;
  const q = parseTextQuery(a.search, queryLanguage, options);
  if (q.terms.length === 0) return () => 0;
  return (doc) => {
    const override = doc[index.languageOverride];
    const docLang = (typeof override === "string" ? textLanguage(override) : undefined) ??
      (a.language !== undefined ? q.language : undefined) ?? textLanguage(index.defaultLanguage)!;
    const strings = indexedStrings(doc, index);
    const scores = new Map<string, number>();
    for (const [s, w] of strings) addStringScores(s, w, docLang, scores, q.options);
    let score = 0;
    let any = false;
    for (const t of q.terms) {
      const s = scores.get(t);
      if (s !== undefined) {
        score += s;
        any = true;
      }
    }
    if (!any) return 0;
    for (const t of q.negatedTerms) if (scores.has(t)) return 0;
    if (q.phrases.length > 0 || q.negatedPhrases.length > 0) {
      const folded = strings.map(([s]) => fold(s, options));
      for (const p of q.phrases) if (!folded.some((s) => s.includes(p))) return 0;
      for (const p of q.negatedPhrases) if (folded.some((s) => s.includes(p))) return 0;
    }
    return score;
  };
}

/** The parsed query as explain's `parsedTextQuery` shows it. */
export function parsedTextQuery(arg: unknown, index: TextIndexInfo): Doc {
  const a = parseTextArgument(arg);
  const q = parseTextQuery(a.search, a.language ?? index.defaultLanguage, {
    caseSensitive: a.caseSensitive,
    diacriticSensitive: a.diacriticSensitive,
  });
  return {
    terms: [...q.terms].sort(),
    negatedTerms: [...q.negatedTerms].sort(),
    phrases: q.phrases,
    negatedPhrases: q.negatedPhrases,
  };
}

/**
 * The index terms whose entries hold every document the `$text` argument can match (sorted, unique;
 * empty when it can match nothing), or undefined when the index cannot answer it: a `$language`
 * other than the index default (the matcher then stems unmarked documents in the query's language).
 * A case / diacritic sensitive search reads the folded terms, as mongod's (the index holds folded
 * terms; a document matching the sensitive term holds its folded form), and TEXT_MATCH applies the
 * sensitivity.
 */
export function textLookupTerms(arg: unknown, index: TextIndexInfo): string[] | undefined {
  const a = parseTextArgument(arg);
  const def = textLanguage(index.defaultLanguage);
  if (a.language !== undefined && textLanguage(a.language)?.name !== def?.name) return undefined;
  const q = parseTextQuery(a.search, index.defaultLanguage, {});
  return [...new Set(q.terms)].sort();
}
