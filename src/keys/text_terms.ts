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
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
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

/** One string a text index sees in a document: its weight and the language it is read in. */
export type IndexedString = readonly [text: string, weight: number, language: TextLanguage];

/**
 * How `indexedStrings` treats a language override it cannot use (not a string: mongod's 17261;
 * an unsupported language: 17262): `strict` refuses, as mongod's key generation does on every write;
 * `lenient` reads the text in the enclosing language instead (the `$text` matcher over stored
 * documents, and the rewrite of an index written by an earlier version, which let such documents in).
 */
export type OverrideMode = "strict" | "lenient";

/** The weighted paths of the index, sorted as mongod's weight map (`$**` apart). */
interface WeightTable {
  readonly paths: readonly string[];
  readonly weights: Readonly<Record<string, number>>;
  readonly wildcard: boolean;
}

const weightTables = new WeakMap<TextIndexInfo, WeightTable>();

function weightTable(index: TextIndexInfo): WeightTable {
  let t = weightTables.get(index);
  if (!t) {
    const weights: Record<string, number> = {};
    for (const [p, w] of Object.entries(index.weights)) if (p !== "$**") weights[p] = w;
    const paths = Object.keys(weights).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    weightTables.set(index, t = { paths, weights, wildcard: "$**" in index.weights });
  }
  return t;
}

/** The first weighted path not below `name` (std::map::lower_bound), or undefined. */
function lowerBound(paths: readonly string[], name: string): string | undefined {
  let lo = 0;
  let hi = paths.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (paths[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return paths[lo];
}

/** The language of an object's text: its override field when present, else the enclosing one. */
function frameLanguage(
  obj: Doc | unknown[],
  override: string,
  current: TextLanguage,
  mode: OverrideMode,
): TextLanguage {
  if (!Object.hasOwn(obj, override)) return current;
  const v = (obj as Record<string, unknown>)[override];
  if (typeof v !== "string") {
    if (mode === "lenient") return current;
    throw new CommandError(
      Location.TextLanguageOverrideNotString,
      "found language override field in document with non-string type",
    );
  }
  const lang = textLanguage(v);
  if (lang) return lang;
  if (mode === "lenient") return current;
  throw new CommandError(Location.TextLanguageOverrideUnsupported, `language override unsupported: ${v}`);
}

/**
 * Every (string, weight, language) the index sees in `doc`, in document order, as mongod's
 * FTSElementIterator walks it: a weighted path's strings (array elements included, one array level
 * deep); with `$**` every string, and the language override fields themselves skipped at any depth.
 * Each sub-document (and array) is read in its own override language when it has one, else its
 * parent's. The weight of a string is that of the first weighted path not sorting below its dotted
 * name (mongod's lower_bound: with `$**`, a field sorting before some weighted path takes that
 * path's weight), 1 past the last.
 */
export function indexedStrings(
  doc: Doc,
  index: TextIndexInfo,
  mode: OverrideMode = "strict",
): IndexedString[] {
  const table = weightTable(index);
  const override = index.languageOverride;
  const out: IndexedString[] = [];
  const base = textLanguage(index.defaultLanguage) ?? textLanguage("none")!;
  const walk = (obj: Doc | unknown[], lang: TextLanguage, parent: string, isArray: boolean): void => {
    const entries: [string, unknown][] = Array.isArray(obj)
      ? obj.map((v, i) => [String(i), v])
      : Object.entries(obj);
    for (const [field, value] of entries) {
      if (table.wildcard && field === override) continue;
      const dotted = parent === "" ? field : isArray ? parent : `${parent}.${field}`;
      const object = isDocument(value);
      const bound = lowerBound(table.paths, object ? `${dotted}.` : dotted);
      if (!table.wildcard && (bound === undefined || !(bound === dotted || bound.startsWith(`${dotted}.`)))) {
        continue;
      }
      const exact = bound === dotted;
      const weight = bound === undefined ? 1 : table.weights[bound]!;
      if (typeof value === "string") {
        if (exact || table.wildcard) out.push([value, weight, lang]);
      } else if (object) {
        if (!exact || table.wildcard) walk(value, frameLanguage(value, override, lang, mode), dotted, false);
      } else if (Array.isArray(value)) {
        if (!isArray || table.wildcard) walk(value, frameLanguage(value, override, lang, mode), dotted, true);
      }
    }
  };
  walk(doc, frameLanguage(doc, override, base, mode), "", false);
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

/**
 * term → score of `doc` under the index (case and diacritics folded): one index entry per term,
 * each string scored in its own language.
 */
export function documentTermScores(
  doc: Doc,
  index: TextIndexInfo,
  mode: OverrideMode = "strict",
): Map<string, number> {
  const scores = new Map<string, number>();
  for (const [s, w, lang] of indexedStrings(doc, index, mode)) addStringScores(s, w, lang, scores);
  return scores;
}
