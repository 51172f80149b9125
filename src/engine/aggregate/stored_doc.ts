/**
 * stored_doc.ts — a stored document handed to a stage as its BSON bytes instead of a decoded object
 * (issue 15 item 6).
 *
 * A stage whose `storedInput` is set (a `$sort` without `$meta` keys, a `$facet`, `$count`) accepts,
 * among its input's documents, `StoredDoc`s: the document's bytes as stored, valid only until the next
 * item is pulled
 * (the stage copies what it keeps). The command layer feeds a collection scan that way
 * (`scanStored`, commands/aggregate/pipeline_source.ts) when such a stage comes first: the sort decodes
 * only its key's fields and packs the bytes as they are, so no per-document object is made — decoded
 * input documents lived long enough to be promoted into V8's old generation, 90–112 MiB of its pages
 * at a 2 GB sort's highest samples.
 */
import type { Document } from "./types.ts";

/** A stored document's BSON bytes (a view valid until the next input item is pulled). */
export type StoredDoc = Uint8Array;

/** Is this input item a stored document rather than a decoded one? */
export function isStoredDoc(d: unknown): d is StoredDoc {
  return d instanceof Uint8Array;
}

/** A stored document as an item of a stage's input stream. */
export function storedItem(bytes: StoredDoc): Document {
  return bytes as unknown as Document;
}
