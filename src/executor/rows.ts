/**
 * Reading stored documents for the executor: a row is a record's bytes plus its lazily decoded
 * document. Decoding uses the same options as the wire layer so values keep their BSON types
 * (int64 stays Long, regexes stay BSONRegExp).
 */
import type { ProjectedRecord, RecordId } from "../storage/api.ts";
import { decodeFields, decodeFieldsAt } from "../bson/partial_decode.ts";
import { decodeDocument, decodeDocumentCopy } from "../bson/decode.ts";
import type { Document as Doc } from "../bson/document.ts";
import { serializeDocument } from "../bson/undefined_value.ts";
import { textScores } from "../keys/text_scores.ts";

const EMPTY = new Uint8Array(0);

export class Row {
  #doc: Doc | undefined;
  #partial: Doc | undefined;
  #partialFields: ReadonlySet<string> | undefined;
  /** The index entry an index scan found this row by (returnKey, `{$meta: "indexKey"}`). */
  key: Uint8Array | undefined;
  /** A `$near` query's distance to the row and the location it was measured to (`{$meta: "geoNear…"}`). */
  near: { readonly distance: number; readonly loc: unknown } | undefined;
  /** Stored size of a projected row (its `bytes` hold only some fields); -1 for a whole row. */
  #size = -1;
  #bytes: Uint8Array;
  /** The record a projected row was read as (its bytes are decoded in place). */
  #rec: ProjectedRecord | undefined;
  /** `bytes` are valid only while the scan is on this row (`transient`): decodes copy Binary values. */
  #transient = false;
  constructor(readonly rid: RecordId, bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  /**
   * A row whose bytes are a view the storage engine frees once its scan moves on (a transient scan,
   * `ScanOptions.transient`): what is decoded from it owns its bytes, and `keep()` copies the bytes
   * of a row held past that point.
   */
  static transient(rid: RecordId, bytes: Uint8Array): Row {
    const row = new Row(rid, bytes);
    row.#transient = true;
    return row;
  }
  /** A transient row held past its scan's position (the next pull resumes with it): own its bytes. */
  keep(): void {
    if (this.#transient) this.#bytes = this.#bytes.slice();
  }
  /** The stored document (a projected row: its projection). */
  get bytes(): Uint8Array {
    return this.#rec !== undefined ? this.#rec.bytes : this.#bytes;
  }
  set bytes(b: Uint8Array) {
    this.#bytes = b;
  }
  /**
   * A row read through a field projection (`ReadTxn.scanFields`): `bytes` hold only the projected
   * top-level fields, so only `view` of a subset of them may be asked for until `fill` gives the
   * whole document.
   */
  static projected(rec: ProjectedRecord, fields: ReadonlySet<string>): Row {
    const row = new Row(rec.rid, EMPTY);
    row.#rec = rec;
    row.#size = rec.size;
    row.#projection = fields;
    return row;
  }
  /** The fields a projected row holds (its one decode serves every `view` of a subset of them). */
  #projection: ReadonlySet<string> | undefined;
  /** True while `bytes` hold a projection, not the stored document. */
  get projected(): boolean {
    return this.#size >= 0;
  }
  /** The stored document's size in bytes. */
  get size(): number {
    return this.#size >= 0 ? this.#size : this.bytes.length;
  }
  /** The stored document of a projected row: it becomes a whole row (decoded views are kept). */
  fill(bytes: Uint8Array): void {
    this.#bytes = bytes;
    this.#rec = undefined;
    this.#size = -1;
    this.#projection = undefined;
  }
  /** A row made from a document (covered queries): the bytes are encoded from it. */
  static fromDoc(rid: RecordId, doc: Doc): Row {
    const row = new Row(rid, serializeDocument(doc));
    row.#doc = doc;
    return row;
  }
  /** The `$text` score TEXT_OR gave the row from its index entries (text_or.ts), kept with its documents. */
  textScore: number | undefined;
  get doc(): Doc {
    if (this.#size >= 0) throw new Error("internal: the whole document of a projected row");
    if (this.#doc === undefined) {
      this.#doc = this.#transient ? decodeDocumentCopy(this.bytes) : decodeDocument(this.bytes);
      if (this.textScore !== undefined) textScores.set(this.#doc, this.textScore);
    }
    return this.#doc;
  }
  /**
   * The document as far as `fields` (top-level names) go: a partial decode when only some fields are
   * needed (filters, sort keys), the full document when `fields` is null/undefined or it is decoded
   * already. A projected row decodes its projection once and answers every view with it (the caller
   * asks only for fields it holds; the others it holds are there too).
   */
  view(fields: ReadonlySet<string> | null | undefined): Doc {
    if (this.#projection !== undefined && fields) fields = this.#projection;
    if (!fields || this.#doc) return this.doc;
    if (this.#partialFields !== fields) {
      const rec = this.#rec;
      this.#partial = rec !== undefined
        ? decodeFieldsAt(rec.buf, rec.view, rec.at, fields)
        : decodeFields(this.#bytes, fields, this.#transient);
      if (this.textScore !== undefined) textScores.set(this.#partial, this.textScore);
      this.#partialFields = fields;
    }
    return this.#partial!;
  }
  /** Replace the row's document (projection): bytes are re-encoded. */
  setDoc(doc: Doc): void {
    this.#doc = doc;
    this.bytes = serializeDocument(doc);
  }
}

export function decode(bytes: Uint8Array): Doc {
  return decodeDocument(bytes);
}
