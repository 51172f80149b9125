/**
 * text_terms.ts — PURE. What a text index sees of a document: every (string, weight) its fields hold
 * (`$**`: every string), and per term the score mongod stores in the index entry (per string: each
 * repeat of a term adds a halving contribution, scaled by 0.5 + 0.5 · (term count / terms in the
 * string), times the field's weight, +10% when the whole string is the term; summed over strings).
 * Shared by the index key generator (`text_keys.ts`) and the `$text` matcher (engine/text), so the
 * terms an index holds for a document are exactly the terms the matcher scores it by.
 */
import { isDocument } from "../bson/values.ts";
import type { Document as Doc } from "../bson/document.ts";
import { pathValues } from "./multikey.ts";
import { type TextLanguage, textLanguage } from "./text_language.ts";
import { type TermOptions, terms } from "./text_tokenize.ts";

/** What text search needs of a collection's text index (from its listIndexes spec). */
export interface TextIndexInfo {
  /** Field path → weight; `$**` = every string in the document. */
  readonly weights: Readonly<Record<string, number>>;
  readonly defaultLanguage: string;
  readonly languageOverride: string;
}

/** The text index of a listIndexes spec, or undefined when it is not a text index. */
export function textIndexInfo(spec: Doc): TextIndexInfo | undefined {
  const key = spec["key"];
  if (!isDocument(key) || (key as Doc)["_fts"] !== "text") return undefined;
  const w = isDocument(spec["weights"]) ? spec["weights"] as Doc : {};
  const weights: Record<string, number> = {};
  for (const [k, v] of Object.entries(w)) weights[k] = Number(v);
  return {
    weights,
    defaultLanguage: typeof spec["default_language"] === "string" ? spec["default_language"] : "english",
    languageOverride: typeof spec["language_override"] === "string" ? spec["language_override"] : "language",
  };
}

function allStrings(v: unknown, out: string[]): void {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) { for (const x of v) allStrings(x, out); }
  else if (isDocument(v)) { for (const x of Object.values(v as Doc)) allStrings(x, out); }
}

/** Every (string, weight) the index sees in `doc`. */
export function indexedStrings(doc: Doc, index: TextIndexInfo): [string, number][] {
  const out: [string, number][] = [];
  for (const [path, weight] of Object.entries(index.weights)) {
    const found: string[] = [];
    if (path === "$**") allStrings(doc, found);
    else for (const v of pathValues(doc, path).values) if (typeof v === "string") found.push(v);
    for (const s of found) out.push([s, weight]);
  }
  return out;
}

/** Adds one string's per-term contributions to `scores` (mongod's per-string formula). */
export function addStringScores(
  raw: string,
  weight: number,
  lang: TextLanguage,
  scores: Map<string, number>,
  opts: TermOptions = {},
): void {
  const list = terms(raw, lang, opts);
  if (list.length === 0) return;
  const counts = new Map<string, number>();
  for (const t of list) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [t, count] of counts) {
    // repeats add 1, 1/2, 1/4, …: exactly 2 - 2^(1 - count) in binary floating point
    const freq = 2 - 2 ** (1 - count);
    const coeff = 0.5 * count / list.length + 0.5;
    const adjustment = raw.length === t.length && raw.toLowerCase() === t.toLowerCase() ? 1.1 : 1;
    scores.set(t, (scores.get(t) ?? 0) + weight * freq * coeff * adjustment);
  }
}

/** The language a document is indexed in: its override field when it names one, else the default. */
export function documentLanguage(doc: Doc, index: TextIndexInfo): TextLanguage {
  const override = doc[index.languageOverride];
  return (typeof override === "string" ? textLanguage(override) : undefined) ??
    textLanguage(index.defaultLanguage) ?? textLanguage("none")!;
}

/** term → score of `doc` under the index (case and diacritics folded): one index entry per term. */
export function documentTermScores(doc: Doc, index: TextIndexInfo): Map<string, number> {
  const lang = documentLanguage(doc, index);
  const scores = new Map<string, number>();
  for (const [s, w] of indexedStrings(doc, index)) addStringScores(s, w, lang, scores);
  return scores;
}
