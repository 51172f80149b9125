/**
 * text_keys.ts — PURE. The entries of a text index for one document, as mongod's FTS index format
 * lays them out: one entry per distinct term, `[<prefix values>, term, score, <suffix values>]` for
 * the stored key pattern `{<prefix>, _fts: "text", _ftsx: 1, <suffix>}` (terms and scores from
 * `text_terms.ts`). A document without any term has no entry. `$text` reads the entries of its
 * query terms (TEXT_OR) and re-checks and scores the fetched documents (TEXT_MATCH).
 */
import type { Document as Doc } from "../bson/document.ts";
import { isDocument } from "../bson/values.ts";
import { CommandError } from "../errors/command_error.ts";
import { encodeIndexKey, encodeValue } from "./key_string.ts";
import { expandKeys } from "./multikey.ts";
import { documentTermScores, type OverrideMode, type TextIndexInfo, textIndexInfo } from "./text_terms.ts";
import { show } from "../engine/geo/geometry.ts";

/**
 * The catalog's `keyFormat` of a text index holding these entries (storage/api.ts IndexEntry). A
 * text index with another (or none) was written by an earlier version: `$text` does not read it, and
 * the server rewrites it at startup (executor/text_index_upgrade.ts). Absent: one placeholder entry
 * per document; `TEXT_TERM_KEYS_V2`: term entries of text_keys_v2.ts.
 */
export const TEXT_TERM_KEYS = 3;
export const TEXT_TERM_KEYS_V2 = 2;

export interface TextKeyShape {
  readonly index: TextIndexInfo;
  /** Scalar key fields before `_fts` and after `_ftsx` (compound text index). */
  readonly prefix: readonly string[];
  readonly suffix: readonly string[];
  /** Their directions (-1 inverts a field's bytes); `_fts` and `_ftsx` are ascending. */
  readonly prefixDirs: readonly (1 | -1)[];
  readonly suffixDirs: readonly (1 | -1)[];
}

/** The text-key shape of an index spec, or undefined when it is not a text index. */
export function textKeyShape(spec: Doc): TextKeyShape | undefined {
  const index = textIndexInfo(spec);
  if (!index) return undefined;
  const fields = Object.keys(isDocument(spec["key"]) ? spec["key"] as Doc : {});
  const at = fields.indexOf("_fts");
  const after = fields.indexOf("_ftsx");
  const prefix = fields.slice(0, at);
  const suffix = fields.slice(after < 0 ? at + 1 : after + 1);
  const pattern = spec["key"] as Doc;
  const dir = (f: string) => (Number(pattern[f]) < 0 ? -1 : 1) as 1 | -1;
  return { index, prefix, suffix, prefixDirs: prefix.map(dir), suffixDirs: suffix.map(dir) };
}

/**
 * Encoded values by value, both ascending (a term's, a score's): documents repeat their words, and
 * scores take few values, so most keys are two copies. Bounded: cleared when full.
 */
const termBytes = new Map<string, Uint8Array>();
const scoreBytes = new Map<number, Uint8Array>();
const ENCODED_MAX = 100_000;

function cached<K>(cache: Map<K, Uint8Array>, v: K & (string | number)): Uint8Array {
  let b = cache.get(v);
  if (b === undefined) {
    if (cache.size >= ENCODED_MAX) cache.clear();
    cache.set(v, b = encodeValue(v).slice());
  }
  return b;
}

/**
 * The encoded entries of `doc` (one per term, unique, in no particular order; empty when it has no
 * term): the same bytes as encoding each `textKeyTuples` tuple, built from cached term and score
 * encodings into one buffer per document. Throws mongod's errors for an array in a prefix or suffix
 * field, and (`strict`) for a language override it cannot use.
 */
export function textKeys(shape: TextKeyShape, doc: Doc, mode: OverrideMode = "strict"): Uint8Array[] {
  const before = shape.prefix.length ? extraValues(shape.prefix, doc, mode) : undefined;
  const after = shape.suffix.length ? extraValues(shape.suffix, doc, mode) : undefined;
  const scores = documentTermScores(doc, shape.index, mode);
  if (scores.size === 0) return [];
  const head = before ? encodeIndexKey(before, shape.prefixDirs).slice() : EMPTY;
  const tail = after ? encodeIndexKey(after, shape.suffixDirs).slice() : EMPTY;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [term, score] of scores) {
    const t = cached(termBytes, term);
    const s = cached(scoreBytes, score);
    parts.push(t, s);
    total += head.length + t.length + s.length + tail.length;
  }
  const buf = new Uint8Array(total);
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const start = at;
    buf.set(head, at);
    at += head.length;
    buf.set(parts[i]!, at);
    at += parts[i]!.length;
    buf.set(parts[i + 1]!, at);
    at += parts[i + 1]!.length;
    buf.set(tail, at);
    at += tail.length;
    out.push(buf.subarray(start, at));
  }
  return out;
}

const EMPTY = new Uint8Array(0);

/**
 * The value of each prefix or suffix field of `doc` (null when missing), as mongod's
 * extractNonFTSKeyElement: an array anywhere along the path (a numeric step into one excepted, as in
 * `a.3`) is refused with 201 CannotBuildIndexKeys, naming the field and showing the document — a
 * document's entries carry one value per field. `lenient` (a stored document's keys, for its
 * removal) takes the first value instead, as earlier versions stored it.
 */
function extraValues(paths: readonly string[], doc: Doc, mode: OverrideMode): unknown[] {
  return paths.map((path) => {
    let cur: unknown = doc;
    const parts = path.split(".");
    for (let i = 0; i < parts.length && cur !== undefined; i++) {
      const part = parts[i]!;
      if (Array.isArray(cur) && /^\d+$/.test(part)) cur = cur[Number(part)];
      else if (Array.isArray(cur)) return arrayInPath(path, doc, mode);
      else cur = isDocument(cur) ? (cur as Doc)[part] : undefined;
    }
    if (Array.isArray(cur)) return arrayInPath(path, doc, mode);
    return cur === undefined ? null : cur;
  });
}

function arrayInPath(path: string, doc: Doc, mode: OverrideMode): unknown {
  if (mode === "lenient") return expandKeys(doc, [path]).tuples[0]?.[0] ?? null;
  throw new CommandError(
    "CannotBuildIndexKeys",
    `Field '${path}' of text index contains an array in document: ${show(doc)}`,
  );
}

/** One value tuple per term of `doc` (empty when it has none), in key-pattern order. */
export function textKeyTuples(shape: TextKeyShape, doc: Doc, mode: OverrideMode = "strict"): unknown[][] {
  const prefix = shape.prefix.length ? extraValues(shape.prefix, doc, mode) : [];
  const suffix = shape.suffix.length ? extraValues(shape.suffix, doc, mode) : [];
  const scores = documentTermScores(doc, shape.index, mode);
  if (scores.size === 0) return [];
  const out: unknown[][] = [];
  for (const [term, score] of scores) out.push([...prefix, term, score, ...suffix]);
  return out;
}
