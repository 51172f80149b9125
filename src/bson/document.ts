/**
 * document.ts — THE document type of the codebase: a decoded BSON document as every layer sees it,
 * a plain insertion-ordered object whose values are what npm:bson deserialises (see values.ts). One
 * alias, here at the bottom, so no layer imports upward (or re-declares it) for a type.
 */

/** A decoded BSON document (plain object, insertion-ordered). */
export type Document = Record<string, unknown>;
