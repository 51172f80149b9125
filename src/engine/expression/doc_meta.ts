/**
 * doc_meta.ts — the per-document metadata the executor knows and `{$meta: "recordId"}` /
 * `{$meta: "indexKey"}` read: the record id of a stored document and, when an index scan produced
 * it, the index key it was found by. Kept beside the document object (a WeakMap, like text scores),
 * set by the caller that runs the projection just before it evaluates; the index key is computed
 * only when read.
 */
import type { Document as Doc } from "../../bson/document.ts";

export interface DocMeta {
  /** The stored record's id (absent on a document no record produced, e.g. after a `$group`). */
  readonly recordId?: bigint | undefined;
  /** The index key document (undefined when no index produced the document). */
  readonly indexKey?: (() => Doc | undefined) | undefined;
  /** A `$near` query's distance to the document and the location it was measured to. */
  readonly geoNearDistance?: number;
  readonly geoNearPoint?: unknown;
  /**
   * The sort key values of the document, one per sort field (`{$meta: "sortKey"}`): a find's sort, or
   * the last `$sort` stage of a pipeline that reads them.
   */
  readonly sortKey?: () => unknown[];
}

const metas: WeakMap<object, DocMeta> = new WeakMap();

/** Attaches `meta` to `doc` (replacing any earlier one). */
export function setDocMeta(doc: Doc, meta: DocMeta): void {
  metas.set(doc, meta);
}

/** The metadata attached to `doc`, if any. */
export function docMetaOf(doc: unknown): DocMeta | undefined {
  return doc !== null && typeof doc === "object" ? metas.get(doc) : undefined;
}
