/**
 * The record scans' options and entries (`ReadTxn.scan`, `ReadTxn.scanFields`): part of the storage
 * contract (api.ts re-exports them).
 */
import type { ScalarMatchTerm } from "../bson/scalar_match_term.ts";

/** A record's identity inside one collection: positive, increasing, never reused while the process lives. */
export type RecordId = bigint;

/** One record as read: the id and a private copy of the stored BSON bytes. */
export interface RecordView {
  readonly rid: RecordId;
  readonly bytes: Uint8Array;
  /** With `ScanOptions.prefilter`: a record the engine found failing it (`bytes` empty), examined only. */
  readonly rejected?: boolean;
}

/**
 * One record read through a top-level field projection (`ReadTxn.scanFields`): `bytes` is a BSON
 * document of the FIRST element of each wanted name, in stored order (what mongod's field lookup
 * finds); a stored document that cannot be walked comes whole.
 */
export interface ProjectedRecord {
  readonly rid: RecordId;
  /** Size of the stored document in bytes. */
  readonly size: number;
  /** The projection: `len` bytes at `at` of `buf` (`view`: a DataView over all of `buf`). */
  readonly buf: Uint8Array;
  readonly view: DataView;
  readonly at: number;
  readonly len: number;
  /** The projection as its own view (made on demand). */
  readonly bytes: Uint8Array;
  /** With `ScanOptions.prefilter`: as `RecordView.rejected` (`len` 0). */
  readonly rejected?: boolean;
}

/** Most field names one `scanFields` can project. */
export const SCAN_FIELDS_MAX = 64;

export interface ScanOptions {
  /** Start strictly after this record id (forward) or strictly before it (reverse). */
  readonly after?: RecordId;
  readonly reverse?: boolean;
  /** About how many records the caller will read (sizes the engine's first read-ahead batch). */
  readonly expect?: number | undefined;
  /**
   * The caller keeps no record's `bytes` (nor a view into them, e.g. a decoded Binary) once it asked
   * for the next record: it copies what it keeps. The engine may then free its read-ahead buffers as
   * soon as the scan moves past them instead of leaving them to the GC (issue 15: a sort's memory
   * peak). A view kept anyway reads as empty.
   */
  readonly transient?: boolean;
  /**
   * A filter the engine evaluates on the stored bytes (its C matcher, exact for what it decides): the
   * records it fails come `rejected`, without their bytes; the others come as without it, for the
   * caller's own matcher (it still decides). For a filter whose terms the caller's matcher applies too.
   */
  readonly prefilter?: readonly ScalarMatchTerm[];
}
