/**
 * score.ts — matching and scoring one document for a `$text` query under its collection's text index,
 * with mongod's formula (per indexed string: each repeat of a term adds a halving contribution,
 * scaled by 0.5 + 0.5 · (term count / terms in the string), times the field's weight, +10% when the
 * whole string is the term; a document's score is the sum over the query's positive terms).
 * A document matches when it has at least one positive term, every positive phrase, and no negated
 * term or phrase. The score of a matched document is kept in `textScores` (keyed by the document
 * object) for `{$meta: "textScore"}` in projections, sorts and expressions.
 */
import { isDocument } from "../../bson/values.ts";
import type { Document as Doc } from "../../bson/document.ts";
import { visitPathValues } from "../path/field_path.ts";
import { splitPath } from "../path/field_path.ts";
import { type TextLanguage, textLanguage } from "./language.ts";
import { fold, terms } from "./tokenize.ts";
import { parseTextArgument, parseTextQuery, type TextQuery } from "./query.ts";

/** What a `$text` query needs of the collection's text index (from its listIndexes spec). */
export interface TextIndexInfo {
  /** Field path → weight; `$**` = every string in the document. */
  readonly weights: Readonly<Record<string, number>>;
  readonly defaultLanguage: string;
  readonly languageOverride: string;
}

/** Scores of documents matched by a `$text` predicate (read by `{$meta: "textScore"}`). */
export const textScores: WeakMap<object, number> = new WeakMap();

/** The score a `$text` match gave `doc`, or undefined. */
export function textScoreOf(doc: unknown): number | undefined {
  return doc !== null && typeof doc === "object" ? textScores.get(doc) : undefined;
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
function indexedStrings(doc: Doc, index: TextIndexInfo): [string, number][] {
  const out: [string, number][] = [];
  for (const [path, weight] of Object.entries(index.weights)) {
    const found: string[] = [];
    if (path === "$**") allStrings(doc, found);
    else {
      visitPathValues(doc, splitPath(path), (v) => {
        if (typeof v === "string") found.push(v);
        return false;
      });
    }
    for (const s of found) out.push([s, weight]);
  }
  return out;
}

/** Adds one string's contribution to `scores` (mongod's per-string formula). */
function scoreString(
  raw: string,
  weight: number,
  lang: TextLanguage,
  scores: Map<string, number>,
  q: TextQuery,
): void {
  const list = terms(raw, lang, q.options);
  if (list.length === 0) return;
  const seen = new Map<string, { count: number; freq: number; exp: number }>();
  for (const t of list) {
    const d = seen.get(t) ?? { count: 0, freq: 0, exp: 0 };
    d.exp = d.exp === 0 ? 1 : d.exp * 2;
    d.count++;
    d.freq += 1 / d.exp;
    seen.set(t, d);
  }
  for (const [t, d] of seen) {
    const coeff = 0.5 * d.count / list.length + 0.5;
    const adjustment = raw.length === t.length && raw.toLowerCase() === t.toLowerCase() ? 1.1 : 1;
    scores.set(t, (scores.get(t) ?? 0) + weight * d.freq * coeff * adjustment);
  }
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
    for (const [s, w] of strings) scoreString(s, w, docLang, scores, q);
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
