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

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Raw words of a string, in order. */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Case / diacritic folding of one word or phrase. */
export function fold(text: string, opts: TermOptions): string {
  let s = opts.caseSensitive ? text : text.toLowerCase();
  if (!opts.diacriticSensitive) s = s.normalize("NFD").replace(/\p{M}+/gu, "").normalize("NFC");
  return s;
}

/** The index terms of `text` (stop words removed, stemmed), in order, repeats kept. */
export function terms(text: string, lang: TextLanguage, opts: TermOptions = {}): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    const lower = w.toLowerCase();
    if (lang.isStopWord(lower) || lang.isStopWord(fold(w, {}))) continue;
    out.push(lang.stem(fold(w, opts)));
  }
  return out;
}
