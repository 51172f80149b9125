/**
 * collation_key.ts — byte-sortable sort keys for strings under a collation, for collated indexes.
 *
 * `Intl.Collator` exposes no sort keys, so we derive them. Over a fixed repertoire (U+0020..U+007E,
 * U+00A0..U+017F: ASCII and the Latin-1 / Latin Extended-A letters) every character gets three
 * weights, found by sorting the repertoire with the collator itself: its primary class (base letter,
 * sensitivity "base"), its rank inside that class at sensitivity "accent", and its rank inside that
 * at sensitivity "variant" (case). A string's key is its primary weights, 0x00, then (strength ≥ 2)
 * its secondary weights, 0x00, then (strength ≥ 3) its tertiary weights, 0x00 — the UCA level order,
 * exact as long as the locale has no contractions, expansions or backwards accents over the repertoire.
 *
 * That "as long as" is checked, not assumed: the table is accepted only when keys and collator agree
 * on every pair of a deterministic sample (every repertoire character, every 2-letter string over the
 * common letters, seeded random strings up to 5 long), by sorting the sample with the collator and
 * comparing neighbours. Locales that fail (Danish "aa", …) and options we do not model
 * (`numericOrdering`, `caseLevel`) get no keyer: such indexes keep binary string keys and the planner
 * does not use them for string bounds.
 *
 * A string with a character outside the repertoire has no collation key (`encode` returns undefined);
 * key_string.ts files it in a separate bracket after the collatable strings, in binary order. Index
 * bounds on strings therefore always add that whole bracket, and the executor re-checks the filter.
 * Known limit: uniqueness among such out-of-repertoire strings is binary, not collation-aware.
 */
import { isDocument } from "../bson/values.ts";
import type { Document as Doc } from "../bson/document.ts";
import { ALTERNATE_SHIFTED, BACKWARDS, CASE_FIRST_UPPER, NORMALIZATION_ON } from "./collation_locales.ts";

export interface CollationKeyer {
  /** Key body (prefix-free, 0x00-terminated levels), or undefined outside the repertoire. */
  encode(s: string): Uint8Array | undefined;
}

const REPERTOIRE: string[] = [];
for (let c = 0x20; c <= 0x7e; c++) REPERTOIRE.push(String.fromCharCode(c));
for (let c = 0xa0; c <= 0x17f; c++) REPERTOIRE.push(String.fromCharCode(c));
const TABLE_SIZE = 0x180;

/** The `Intl.Collator` options a collation document means (shared with engine/collation). */
export function collatorOptions(collation: Doc, sensitivity?: Intl.CollatorOptions["sensitivity"]): {
  locale: string;
  options: Intl.CollatorOptions;
} {
  // ICU ids ("zh_Hant", "de@collation=phonebook", "root") as BCP 47 tags for Intl.
  const [base = "", keyword] = String(collation["locale"]).split("@collation=", 2);
  const locale = (base === "root" ? "und" : base.replaceAll("_", "-")) + (keyword ? `-u-co-${keyword}` : "");
  const strength = Number(collation["strength"] ?? 3);
  const caseFirst = collation["caseFirst"];
  return {
    locale,
    options: {
      sensitivity: sensitivity ??
        (strength <= 1 ? (collation["caseLevel"] ? "case" : "base") : strength === 2 ? "accent" : "variant"),
      numeric: collation["numericOrdering"] === true,
      ...(caseFirst === "upper" || caseFirst === "lower" ? { caseFirst } : {}),
      ...(collation["alternate"] === undefined
        ? {}
        : { ignorePunctuation: collation["alternate"] === "shifted" }),
      usage: "sort",
    },
  };
}

function collator(collation: Doc, sensitivity?: Intl.CollatorOptions["sensitivity"]): Intl.Collator {
  const { locale, options } = collatorOptions(collation, sensitivity);
  return new Intl.Collator(locale, options);
}

/** Seeded xorshift (deterministic sample). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const COMMON = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZàáâäåæçèéêëíîñóôöøœßþðıłÅÄÖÉÑ -'.0129";

function sample(): string[] {
  const out = [...REPERTOIRE];
  for (const a of COMMON) for (const b of COMMON) out.push(a + b);
  const r = rng(0x5ec4);
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(r() * 5);
    let s = "";
    for (let j = 0; j < n; j++) {
      s += r() < 0.7
        ? COMMON[Math.floor(r() * COMMON.length)]!
        : REPERTOIRE[Math.floor(r() * REPERTOIRE.length)]!;
    }
    out.push(s);
  }
  return out;
}

class TableKeyer implements CollationKeyer {
  constructor(
    private readonly levels: number,
    private readonly weights: readonly (readonly number[] | undefined)[],
    private readonly widths: readonly number[],
  ) {}
  encode(s: string): Uint8Array | undefined {
    const n = s.length;
    let size = this.levels;
    for (let l = 0; l < this.levels; l++) size += n * this.widths[l]!;
    const out = new Uint8Array(size);
    let o = 0;
    for (let l = 0; l < this.levels; l++) {
      const w = this.widths[l]!;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        const ws = c < TABLE_SIZE ? this.weights[c] : undefined;
        if (ws === undefined) return undefined;
        const v = ws[l]!;
        if (w === 2) {
          out[o++] = 1 + Math.floor(v / 254);
          out[o++] = 1 + (v % 254);
        } else out[o++] = v + 1;
      }
      out[o++] = 0;
    }
    return out;
  }
}

function rankGroups(chars: string[], same: (a: string, b: string) => boolean): number[] {
  const ranks: number[] = [];
  let r = 0;
  for (let i = 0; i < chars.length; i++) {
    if (i > 0 && !same(chars[i - 1]!, chars[i]!)) r++;
    ranks.push(r);
  }
  return ranks;
}

/**
 * Characters that sort as several letters (æ ≈ a·e, ß ≈ s·s, ½, …): such a character lies strictly
 * between the previous primary class `p` and `p` followed by the highest character. They cannot carry
 * one weight per level, so they leave the repertoire (their strings go to the uncollatable bracket).
 */
function dropExpansions(chars: string[], base: Intl.Collator, variant: Intl.Collator): string[] {
  const sorted = [...chars].sort((a, b) => base.compare(a, b) || variant.compare(a, b));
  const top = sorted[sorted.length - 1]!;
  const out: string[] = [];
  let rep: string | undefined; // first character of the current kept primary class
  let prevRep: string | undefined; // … of the kept class before it
  for (const c of sorted) {
    if (rep !== undefined && base.compare(rep, c) === 0) {
      out.push(c);
      continue;
    }
    if (rep !== undefined && base.compare(c, rep + top + top) < 0) continue; // expansion of rep…
    if (prevRep !== undefined && base.compare(c, prevRep + top + top) < 0) continue;
    prevRep = rep;
    rep = c;
    out.push(c);
  }
  return out;
}

function build(collation: Doc): CollationKeyer | undefined {
  if (collation["numericOrdering"] === true || collation["caseLevel"] === true) return undefined;
  let full: Intl.Collator, base: Intl.Collator, accent: Intl.Collator, variant: Intl.Collator;
  try {
    full = collator(collation);
    base = collator(collation, "base");
    accent = collator(collation, "accent");
    variant = collator(collation, "variant");
  } catch {
    return undefined;
  }
  const strength = Number(collation["strength"] ?? 3);
  const levels = strength <= 1 ? 1 : strength === 2 ? 2 : 3;
  // Ignorable characters (equal to the empty string) have no weight of their own: leave them out.
  const chars = dropExpansions(REPERTOIRE.filter((c) => variant.compare(c, "") !== 0), base, variant);
  const weights: (number[] | undefined)[] = new Array(TABLE_SIZE).fill(undefined);
  const byBase = [...chars].sort((a, b) => base.compare(a, b) || variant.compare(a, b));
  const prim = rankGroups(byBase, (a, b) => base.compare(a, b) === 0);
  const maxRank = [0, 0, 0];
  let i = 0;
  while (i < byBase.length) {
    let j = i;
    while (j < byBase.length && prim[j] === prim[i]) j++;
    const group = byBase.slice(i, j).sort((a, b) => accent.compare(a, b) || variant.compare(a, b));
    const sec = rankGroups(group, (a, b) => accent.compare(a, b) === 0);
    let k = 0;
    while (k < group.length) {
      let m = k;
      while (m < group.length && sec[m] === sec[k]) m++;
      const sub = group.slice(k, m).sort((a, b) => variant.compare(a, b));
      const ter = rankGroups(sub, (a, b) => variant.compare(a, b) === 0);
      sub.forEach((c, t) => {
        const w = [prim[i]!, sec[k]!, ter[t]!];
        maxRank[0] = Math.max(maxRank[0]!, w[0]!);
        maxRank[1] = Math.max(maxRank[1]!, w[1]!);
        maxRank[2] = Math.max(maxRank[2]!, w[2]!);
        weights[c.charCodeAt(0)] = w;
      });
      k = m;
    }
    i = j;
  }
  const keyer = new TableKeyer(levels, weights, maxRank.map((r) => (r >= 254 ? 2 : 1)));
  return verify(keyer, full) ? keyer : undefined;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Keys and collator agree on every pair of the sample (sorted by the collator, neighbours agree). */
export function verify(keyer: CollationKeyer, cmp: { compare(a: string, b: string): number }): boolean {
  const strs = sample();
  const keyed: { s: string; k: Uint8Array }[] = [];
  for (const s of strs) {
    const k = keyer.encode(s);
    if (k !== undefined) keyed.push({ s, k });
  }
  keyed.sort((a, b) => cmp.compare(a.s, b.s));
  for (let i = 1; i < keyed.length; i++) {
    const want = Math.sign(cmp.compare(keyed[i - 1]!.s, keyed[i]!.s));
    if (Math.sign(compareBytes(keyed[i - 1]!.k, keyed[i]!.k)) !== want) return false;
  }
  return true;
}

const cache = new Map<string, CollationKeyer | null>();

/** The collation fields that change the order (normalised, for cache keys and equality). */
export function collationIdentity(collation: unknown): string | undefined {
  if (!isDocument(collation) || typeof collation["locale"] !== "string") return undefined;
  if (collation["locale"] === "simple") return undefined;
  // A field left out means the locale's default (collation_locales.ts), so a stored full spec and the
  // client's short form of it have one identity.
  const locale = collation["locale"];
  return JSON.stringify([
    locale,
    Number(collation["strength"] ?? 3),
    collation["caseLevel"] === true,
    collation["caseFirst"] ?? (CASE_FIRST_UPPER.has(locale) ? "upper" : "off"),
    collation["numericOrdering"] === true,
    collation["alternate"] ?? (ALTERNATE_SHIFTED.has(locale) ? "shifted" : "non-ignorable"),
    collation["maxVariable"] ?? "punct",
    collation["normalization"] ?? NORMALIZATION_ON.has(locale),
    collation["backwards"] ?? BACKWARDS.has(locale),
  ]);
}

/** The keyer of a collation (cached), or undefined when simple or not exactly representable. */
export function collationKeyer(collation: unknown): CollationKeyer | undefined {
  const id = collationIdentity(collation);
  if (id === undefined) return undefined;
  let k = cache.get(id);
  if (k === undefined) {
    k = build(collation as Doc) ?? null;
    cache.set(id, k);
  }
  return k ?? undefined;
}
