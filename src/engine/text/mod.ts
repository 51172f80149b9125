/**
 * engine/text — text search: languages (Snowball stemmers, stop words), tokenizing, the `$text`
 * query grammar, and matching / scoring documents under a collection's text index. Pure.
 */
export { compileTextSearch, type TextIndexInfo, textIndexInfo, textScoreOf, textScores } from "./score.ts";
export { textLanguage } from "./language.ts";
