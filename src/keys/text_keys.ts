/**
 * text_keys.ts — PURE. The entries of a text index for one document, as mongod's FTS index format
 * lays them out: one entry per distinct term, `[<prefix values>, term, score, <suffix values>]` for
 * the stored key pattern `{<prefix>, _fts: "text", _ftsx: 1, <suffix>}` (terms and scores from
 * `text_terms.ts`). A document without any term has no entry. `$text` reads the entries of its
 * query terms (TEXT_OR) and re-checks and scores the fetched documents (TEXT_MATCH).
 */
import type { Document as Doc } from "../bson/document.ts";
import { isDocument } from "../bson/values.ts";
import { expandKeys } from "./multikey.ts";
import { documentTermScores, type TextIndexInfo, textIndexInfo } from "./text_terms.ts";

export interface TextKeyShape {
  readonly index: TextIndexInfo;
  /** Scalar key fields before `_fts` and after `_ftsx` (compound text index). */
  readonly prefix: readonly string[];
  readonly suffix: readonly string[];
}

/** The text-key shape of an index spec, or undefined when it is not a text index. */
export function textKeyShape(spec: Doc): TextKeyShape | undefined {
  const index = textIndexInfo(spec);
  if (!index) return undefined;
  const fields = Object.keys(isDocument(spec["key"]) ? spec["key"] as Doc : {});
  const at = fields.indexOf("_fts");
  const after = fields.indexOf("_ftsx");
  return { index, prefix: fields.slice(0, at), suffix: fields.slice(after < 0 ? at + 1 : after + 1) };
}

/** One value tuple per term of `doc` (empty when it has none), in key-pattern order. */
export function textKeyTuples(shape: TextKeyShape, doc: Doc): unknown[][] {
  const scores = documentTermScores(doc, shape.index);
  if (scores.size === 0) return [];
  const prefix = shape.prefix.length ? expandKeys(doc, shape.prefix).tuples[0] ?? [] : [];
  const suffix = shape.suffix.length ? expandKeys(doc, shape.suffix).tuples[0] ?? [] : [];
  const out: unknown[][] = [];
  for (const [term, score] of scores) out.push([...prefix, term, score, ...suffix]);
  return out;
}
