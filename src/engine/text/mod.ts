/**
 * engine/text — text search: the `$text` query grammar, and matching / scoring documents under a
 * collection's text index. Pure. Languages (Snowball stemmers, stop words), tokenizing and the
 * per-document terms and scores live in keys/ (text_language, text_tokenize, text_terms), shared
 * with the text index's key generator.
 */
export {
  compileTextSearch,
  parsedTextQuery,
  type TextIndexInfo,
  textIndexInfo,
  textLookupTerms,
  textScoredByIndex,
  textScoreOf,
  textScores,
} from "./score.ts";
export { textLanguage } from "../../keys/text_language.ts";
