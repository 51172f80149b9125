/**
 * score.ts — matching and scoring one document for a `$text` query under its collection's text index,
 * with mongod's formula (keys/text_terms.ts: per indexed string, each in its language, summed per
 * term; a document's score
 * is the sum over the query's positive terms). A document matches when it has at least one positive
 * term, every positive phrase, and no negated term or phrase. The score of a matched document is
 * kept in `textScores` (keyed by the document object) for `{$meta: "textScore"}` in projections,
 * sorts and expressions. `textLookupTerms` gives the index terms a query reads (TEXT_OR).
 */
import type { Document as Doc } from "../../bson/document.ts";
import { fold, terms } from "../../keys/text_tokenize.ts";
import { addStringScores, indexedStrings, type TextIndexInfo, textIndexInfo } from "../../keys/text_terms.ts";
import { parseTextArgument, parseTextQuery } from "./query.ts";

export { type TextIndexInfo, textIndexInfo };

export { textScoreOf, textScores } from "../../keys/text_scores.ts";

/**
 * Compiles a `$text` argument against a text index into a scoring predicate (0 = no match), as mongod
 * answers it: the query's words are stemmed in its `$language` (default: the index's), each document
 * is read in its own language (the override field of the document, or of the sub-document holding
 * the string, else the index default — never the query's), the score is the sum of the document's entries for the query's folded terms (TEXT_OR
 * reads the folded terms whatever the sensitivity), and TEXT_MATCH then applies `$caseSensitive` /
 * `$diacriticSensitive` to the positive and negated terms and the phrases.
 */
export function compileTextSearch(arg: unknown, index: TextIndexInfo): (doc: Doc) => number {
  const a = parseTextArgument(arg);
  const options = { caseSensitive: a.caseSensitive, diacriticSensitive: a.diacriticSensitive };
  const sensitive = a.caseSensitive || a.diacriticSensitive;
  const queryLanguage = a.language ?? index.defaultLanguage;
  const q = parseTextQuery(a.search, queryLanguage, options);
  const lookup = sensitive ? parseTextQuery(a.search, queryLanguage, {}).terms : q.terms;
  if (lookup.length === 0) return () => 0;
  return (doc) => {
    // (lenient: a stored document's unusable language override reads in the enclosing language)
    const strings = indexedStrings(doc, index, "lenient");
    const scores = new Map<string, number>();
    for (const [s, w, lang] of strings) addStringScores(s, w, lang, scores);
    let score = 0;
    let any = false;
    for (const t of lookup) {
      const s = scores.get(t);
      if (s !== undefined) {
        score += s;
        any = true;
      }
    }
    if (!any) return 0;
    if (sensitive) {
      const seen = new Set<string>();
      for (const [s, , lang] of strings) for (const t of terms(s, lang, options)) seen.add(t);
      if (!q.terms.some((t) => seen.has(t))) return 0;
      if (q.negatedTerms.some((t) => seen.has(t))) return 0;
    } else if (q.negatedTerms.some((t) => scores.has(t))) return 0;
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
 * empty when it can match nothing): the positive terms stemmed in the query's `$language` (default:
 * the index's) and folded — the index holds folded terms, so a case / diacritic sensitive search
 * reads them too and TEXT_MATCH applies the sensitivity. A document indexed in another language is
 * found only through the terms its own language gave it, as on mongod.
 */
export function textLookupTerms(arg: unknown, index: TextIndexInfo): string[] {
  const a = parseTextArgument(arg);
  const q = parseTextQuery(a.search, a.language ?? index.defaultLanguage, {});
  return [...new Set(q.terms)].sort();
}

/**
 * Whether a `$text` argument's matches and scores are its index entries' alone (executor/text_or.ts):
 * no negated term or phrase, no phrase, not case or diacritic sensitive — the only checks TEXT_MATCH
 * makes on the document beyond "holds one of the terms".
 */
export function textScoredByIndex(arg: unknown, index: TextIndexInfo): boolean {
  const a = parseTextArgument(arg);
  if (a.caseSensitive || a.diacriticSensitive) return false;
  const q = parseTextQuery(a.search, a.language ?? index.defaultLanguage, {});
  return q.negatedTerms.length === 0 && q.phrases.length === 0 && q.negatedPhrases.length === 0;
}
