/**
 * text_language.ts — the languages text indexes know (mongod's list: names and two-letter codes, plus
 * "none"), each with its Snowball stemmer (npm `snowball-stemmers`) and stop-word list (npm
 * `stopword`). "none" tokenizes only: no stemming, no stop words.
 *
 * The two packages are loaded on demand (`loadTextLanguages`), not at import: evaluating them cost
 * 20–80 ms of every process start (issue 18), and most starts never touch a text index. Whoever may
 * stem — the server at start when a text index exists and before a command that can create one
 * (commands/dispatch.ts); a test — awaits `loadTextLanguages()` first; `textLanguage` of a stemming
 * language before that throws.
 */
type Snowball = { newStemmer(algorithm: string): { stem(word: string): string } };
type Stopwords = Record<string, string[]>;

let packages: { snowball: Snowball; stopwords: Stopwords } | undefined;
let loading: Promise<void> | undefined;

/** Loads the stemmer and stop-word packages (once; later calls return at once). */
export function loadTextLanguages(): Promise<void> {
  return loading ??= (async () => {
    const [snowball, stopwords] = await Promise.all([import("snowball-stemmers"), import("stopword")]);
    packages = {
      snowball: (snowball as unknown as { default: Snowball }).default,
      stopwords: stopwords as unknown as Stopwords,
    };
  })();
}

/** Whether `loadTextLanguages` has finished. */
export function textLanguagesLoaded(): boolean {
  return packages !== undefined;
}

export interface TextLanguage {
  /** mongod's canonical name ("english", "none", …). */
  readonly name: string;
  stem(word: string): string;
  isStopWord(word: string): boolean;
}

/** mongod language name → [two-letter code, Snowball algorithm, stopword list name]. */
const LANGUAGES: Readonly<Record<string, readonly [string, string, string]>> = {
  danish: ["da", "danish", "dan"],
  dutch: ["nl", "dutch", "nld"],
  english: ["en", "english", "eng"],
  finnish: ["fi", "finnish", "fin"],
  french: ["fr", "french", "fra"],
  german: ["de", "german", "deu"],
  hungarian: ["hu", "hungarian", "hun"],
  italian: ["it", "italian", "ita"],
  norwegian: ["nb", "norwegian", "nob"],
  portuguese: ["pt", "portuguese", "por"],
  romanian: ["ro", "romanian", "ron"],
  russian: ["ru", "russian", "rus"],
  spanish: ["es", "spanish", "spa"],
  swedish: ["sv", "swedish", "swe"],
  turkish: ["tr", "turkish", "tur"],
};

const NONE: TextLanguage = { name: "none", stem: (w) => w, isStopWord: () => false };
const cache = new Map<string, TextLanguage>([["none", NONE]]);

function canonical(name: string): string | undefined {
  const n = name.toLowerCase();
  if (n === "none") return "none";
  if (n in LANGUAGES) return n;
  for (const [full, [code]] of Object.entries(LANGUAGES)) if (code === n) return full;
  return undefined;
}

/** The language named `name` (mongod name or two-letter code, any case), or undefined if unsupported. */
export function textLanguage(name: string): TextLanguage | undefined {
  const c = canonical(name);
  if (c === undefined) return undefined;
  const hit = cache.get(c);
  if (hit) return hit;
  if (!packages) {
    throw new Error(`text language '${c}' used before loadTextLanguages() finished`);
  }
  const [, algo, list] = LANGUAGES[c]!;
  const stemmer = packages.snowball.newStemmer(algo);
  const words = new Set(packages.stopwords[list] ?? []);
  const lang: TextLanguage = {
    name: c,
    stem: (w) => stemmer.stem(w),
    isStopWord: (w) => words.has(w),
  };
  cache.set(c, lang);
  return lang;
}
