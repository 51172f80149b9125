/**
 * text_scores.ts — PURE. The `$text` score each matched document was given, kept beside the decoded
 * document object (a WeakMap: it goes with the document): the `$text` predicate (engine/text) or the
 * TEXT_OR scan that scored it from its index entries (executor/text_or.ts) sets it, and
 * `{$meta: "textScore"}` in projections, sorts and expressions reads it.
 */

/** Scores of documents matched by a `$text` query. */
export const textScores: WeakMap<object, number> = new WeakMap();

/** The score a `$text` match gave `doc`, or undefined. */
export function textScoreOf(doc: unknown): number | undefined {
  return doc !== null && typeof doc === "object" ? textScores.get(doc) : undefined;
}
