/**
 * text_tokenize.ts — turns text into index terms the way a text index sees it: split on anything that is
 * not a letter, digit or combining mark (apostrophes join, as in "don't"); fold case and strip
 * diacritics unless the search is case / diacritic sensitive; drop the language's stop words; stem.
 */
import type { TextLanguage } from "./text_language.ts";

export interface TermOptions {
  readonly caseSensitive?: boolean;
  readonly diacriticSensitive?: boolean;
}

/**
 * A word, made on first use: creating it costs ~1 ms (V8 builds its Unicode classes), which every start
 * paid at this module's load although most servers never tokenize (issue 18, cold start).
 */
let word: RegExp | undefined;

/** Raw words of a string, in order. */
export function words(text: string): string[] {
  return text.match(word ??= /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu) ?? [];
}

/** True when `s` is plain ASCII (nothing to strip, nothing to normalize). */
function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Case / diacritic folding of one word or phrase. */
export function fold(text: string, opts: TermOptions): string {
  let s = opts.caseSensitive ? text : text.toLowerCase();
  if (!opts.diacriticSensitive && !ascii(s)) {
    s = s.normalize("NFD").replace(/\p{M}+/gu, "").normalize("NFC");
  }
  return s;
}

/** The term of one word (null: a stop word), before caching. */
function wordTerm(w: string, lang: TextLanguage, opts: TermOptions): string | null {
  const lower = w.toLowerCase();
  if (lang.isStopWord(lower) || lang.isStopWord(fold(w, {}))) return null;
  return lang.stem(fold(w, opts));
}

/**
 * Word → term (null = stop word) per language and case / diacritic options: text repeats its words,
 * and stemming is most of the cost of indexing a document. Bounded: cleared when full.
 */
const termCaches = new WeakMap<TextLanguage, Map<string, string | null>[]>();
const TERM_CACHE_MAX = 100_000;

function termCache(lang: TextLanguage, opts: TermOptions): Map<string, string | null> {
  let perOpts = termCaches.get(lang);
  if (!perOpts) termCaches.set(lang, perOpts = []);
  const slot = (opts.caseSensitive ? 1 : 0) + (opts.diacriticSensitive ? 2 : 0);
  return perOpts[slot] ??= new Map();
}

/** The index terms of `text` (stop words removed, stemmed), in order, repeats kept. */
export function terms(text: string, lang: TextLanguage, opts: TermOptions = {}): string[] {
  const out: string[] = [];
  const cache = termCache(lang, opts);
  for (const w of words(text)) {
    let t = cache.get(w);
    if (t === undefined) {
      t = wordTerm(w, lang, opts);
      if (cache.size >= TERM_CACHE_MAX) cache.clear();
      cache.set(w, t);
    }
    if (t !== null) out.push(t);
  }
  return out;
}

/**
 * Each word of `text` in order with its term (null: a stop word), as `terms` makes them (through the
 * same cache): what the frame I/O thread is taught to index text with (commands/point_reads.ts).
 */
export function wordTerms(
  text: string,
  lang: TextLanguage,
  opts: TermOptions = {},
): [string, string | null][] {
  const out: [string, string | null][] = [];
  const cache = termCache(lang, opts);
  for (const w of words(text)) {
    let t = cache.get(w);
    if (t === undefined) {
      t = wordTerm(w, lang, opts);
      if (cache.size >= TERM_CACHE_MAX) cache.clear();
      cache.set(w, t);
    }
    out.push([w, t]);
  }
  return out;
}
