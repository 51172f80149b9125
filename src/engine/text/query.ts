/**
 * query.ts — the `$text` operator's argument: `{$search, $language?, $caseSensitive?,
 * $diacriticSensitive?}`, and the `$search` string's grammar: words, "quoted phrases", a leading
 * `-` negating a word or phrase. Words of positive phrases also count as terms (as on mongod).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { type TextLanguage, textLanguage } from "../../keys/text_language.ts";
import { fold, type TermOptions, terms } from "../../keys/text_tokenize.ts";

export interface TextQuery {
  /** Positive terms (stemmed, folded), unique. */
  readonly terms: readonly string[];
  readonly negatedTerms: readonly string[];
  /** Phrases, folded as the options say (matched as substrings of the indexed strings). */
  readonly phrases: readonly string[];
  readonly negatedPhrases: readonly string[];
  readonly language: TextLanguage | undefined;
  readonly options: TermOptions;
}

/** Validates a `$text` argument (mongod's codes). `defaultLanguage` comes from the text index. */
export function parseTextArgument(arg: unknown): {
  search: string;
  language?: string;
  caseSensitive: boolean;
  diacriticSensitive: boolean;
} {
  if (!isDocument(arg)) throw new CommandError("BadValue", "$text expects an object");
  let search: string | undefined;
  let language: string | undefined;
  let caseSensitive = false;
  let diacriticSensitive = false;
  for (const [k, v] of Object.entries(arg)) {
    if (k === "$search") {
      if (typeof v !== "string") throw new CommandError("TypeMismatch", "$search requires a string value");
      search = v;
    } else if (k === "$language") {
      if (typeof v !== "string") throw new CommandError("TypeMismatch", "$language requires a string value");
      language = v;
    } else if (k === "$caseSensitive") {
      if (typeof v !== "boolean") {
        throw new CommandError("TypeMismatch", "$caseSensitive requires a boolean value");
      }
      caseSensitive = v;
    } else if (k === "$diacriticSensitive") {
      if (typeof v !== "boolean") {
        throw new CommandError("TypeMismatch", "$diacriticSensitive requires a boolean value");
      }
      diacriticSensitive = v;
    } else {
      throw new CommandError("BadValue", `extra fields in $text: ${k}`);
    }
  }
  if (search === undefined) throw new CommandError("FailedToParse", "$search required");
  return { search, ...(language !== undefined ? { language } : {}), caseSensitive, diacriticSensitive };
}

/** Parses a `$search` string under `language` (undefined: the document's / index's language). */
export function parseTextQuery(
  search: string,
  languageName: string,
  options: TermOptions,
): TextQuery {
  const language = textLanguage(languageName);
  if (!language) throw new CommandError("BadValue", `language override unsupported: ${languageName}`);
  const pos = new Set<string>();
  const neg = new Set<string>();
  const phrases: string[] = [];
  const negPhrases: string[] = [];
  let i = 0;
  while (i < search.length) {
    const c = search[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const negated = c === "-" && (i === 0 || /\s/.test(search[i - 1]!));
    const start = negated ? i + 1 : i;
    if (search[start] === '"') {
      const end = search.indexOf('"', start + 1);
      const text = search.slice(start + 1, end < 0 ? search.length : end);
      i = end < 0 ? search.length : end + 1;
      if (text.trim().length === 0) continue;
      if (negated) negPhrases.push(fold(text, options));
      else {
        phrases.push(fold(text, options));
        for (const t of terms(text, language, options)) pos.add(t);
      }
      continue;
    }
    let end = start;
    while (end < search.length && !/\s/.test(search[end]!) && search[end] !== '"') end++;
    const word = search.slice(start, end);
    i = end === start ? end + 1 : end;
    for (const t of terms(word, language, options)) (negated ? neg : pos).add(t);
  }
  return {
    terms: [...pos],
    negatedTerms: [...neg],
    phrases,
    negatedPhrases: negPhrases,
    language,
    options,
  };
}
