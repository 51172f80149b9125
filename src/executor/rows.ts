/**
 * Reading stored documents for the executor: a row is a record's bytes plus its lazily decoded
 * document. Decoding uses the same options as the wire layer so values keep their BSON types
 * (int64 stays Long, regexes stay BSONRegExp).
 */
import { BSON } from "bson";
import type { RecordId } from "../storage/api.ts";
import { decodeFields } from "../bson/partial_decode.ts";
import { decodeDocument } from "../bson/decode.ts";
import type { Document as Doc } from "../bson/document.ts";

export class Row {
  #doc: Doc | undefined;
  #partial: Doc | undefined;
  #partialFields: ReadonlySet<string> | undefined;
  /** The index entry an index scan found this row by (returnKey, `{$meta: "indexKey"}`). */
  key: Uint8Array | undefined;
  constructor(readonly rid: RecordId, public bytes: Uint8Array) {}
  /** A row made from a document (covered queries): the bytes are encoded from it. */
  static fromDoc(rid: RecordId, doc: Doc): Row {
    const row = new Row(rid, BSON.serialize(doc));
    row.#doc = doc;
    return row;
  }
  get doc(): Doc {
    return (this.#doc ??= decodeDocument(this.bytes));
  }
  /**
   * The document as far as `fields` (top-level names) go: a partial decode when only some fields are
   * needed (filters, sort keys), the full document when `fields` is null/undefined or it is decoded
   * already.
   */
  view(fields: ReadonlySet<string> | null | undefined): Doc {
    if (!fields || this.#doc) return this.doc;
    if (this.#partialFields !== fields) {
      this.#partial = decodeFields(this.bytes, fields);
      this.#partialFields = fields;
    }
    return this.#partial!;
  }
  /** Replace the row's document (projection): bytes are re-encoded. */
  setDoc(doc: Doc): void {
    this.#doc = doc;
    this.bytes = BSON.serialize(doc);
  }
}

export function decode(bytes: Uint8Array): Doc {
  return decodeDocument(bytes);
}
