/**
 * text_keys_v2.ts — PURE. The entries a text index held in its second layout (catalog `keyFormat`
 * 2, `TEXT_TERM_KEYS_V2`), kept only to remove them while such an index is rewritten into the
 * current layout (executor/text_index_upgrade.ts). That layout differed from mongod's: with `$**` it
 * also indexed the language override field's value and scored a string of an explicitly weighted
 * field twice, it read every string in the top-level document's language, and it kept the first
 * element of an array in a suffix field. Frozen: never changed, or the rewrite would leave stale
 * entries behind.
 */
import type { Document as Doc } from "../bson/document.ts";
import { isDocument } from "../bson/values.ts";
import { encodeIndexKey } from "./key_string.ts";
import { expandKeys, pathValues } from "./multikey.ts";
import type { TextKeyShape } from "./text_keys.ts";
import { textLanguage } from "./text_language.ts";
import { addStringScores } from "./text_terms.ts";

function allStrings(v: unknown, out: string[]): void {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) { for (const x of v) allStrings(x, out); }
  else if (isDocument(v)) { for (const x of Object.values(v as Doc)) allStrings(x, out); }
}

function termScoresV2(doc: Doc, shape: TextKeyShape): Map<string, number> {
  const index = shape.index;
  const override = doc[index.languageOverride];
  const lang = (typeof override === "string" ? textLanguage(override) : undefined) ??
    textLanguage(index.defaultLanguage) ?? textLanguage("none")!;
  const scores = new Map<string, number>();
  for (const [path, weight] of Object.entries(index.weights)) {
    const found: string[] = [];
    if (path === "$**") allStrings(doc, found);
    else for (const v of pathValues(doc, path).values) if (typeof v === "string") found.push(v);
    for (const s of found) addStringScores(s, weight, lang, scores);
  }
  return scores;
}

/** The value at `path` without looking into arrays on the way. */
function valueAt(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (!isDocument(cur)) return undefined;
    cur = (cur as Doc)[part];
  }
  return cur;
}

/**
 * The encoded entries the second layout held for `doc` (empty when it held none: no term, or an
 * array in a prefix field, which that layout refused).
 */
export function textKeysV2(shape: TextKeyShape, doc: Doc): Uint8Array[] {
  if (shape.prefix.some((p) => Array.isArray(valueAt(doc, p)))) return [];
  const prefix = shape.prefix.length ? expandKeys(doc, shape.prefix).tuples[0] ?? [] : [];
  const suffix = shape.suffix.length ? expandKeys(doc, shape.suffix).tuples[0] ?? [] : [];
  const dirs = [...shape.prefixDirs, 1, 1, ...shape.suffixDirs] as (1 | -1)[];
  const out: Uint8Array[] = [];
  for (const [term, score] of termScoresV2(doc, shape)) {
    out.push(encodeIndexKey([...prefix, term, score, ...suffix], dirs).slice());
  }
  return out;
}
