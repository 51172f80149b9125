/**
 * Builds a new secondary index over a collection's existing records, in write transactions of at
 * most `BATCH` records each (a failure — duplicate key, parallel arrays — surfaces with the
 * offending document, and the caller drops the half-built index).
 *
 * With an `OpControl` the build yields between batches (each batch ends when the time slice does),
 * so other clients are served while it runs. Meanwhile the index is in the catalog marked
 * `building`: every write keeps its entries (an entry the build writes again is a no-op, a removal of
 * one not written yet is too), and no query uses it. Before each batch the build checks that the
 * collection and the index are still the ones it started on (a drop ends it with 276
 * IndexBuildAborted); the control's deadline and killOp end it too. Without a control (an index
 * created inside a multi-document transaction, on a collection created there) it runs in one go.
 */
import {
  type CollectionEntry,
  type IndexEntry,
  type ProjectedRecord,
  SCAN_FIELDS_MAX,
  type StorageEngine,
  type WriteTxn,
} from "../storage/api.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decode } from "./rows.ts";
import { type IndexKeyOptions, indexReadsTopFields, keysForIndex } from "./index_keys.ts";
import { decodeFieldsAt } from "../bson/partial_decode.ts";
import type { OpControl } from "../observability/op_control.ts";
import { CommandError } from "../errors/command_error.ts";
import { sameUuid } from "./same_uuid.ts";
import { compareKeys } from "../keys/key_string.ts";

const BATCH = 2000;

/** Thrown when a document cannot be indexed: the original error plus the document. */
export class IndexBuildError extends Error {
  constructor(override readonly cause: unknown, readonly doc: Doc) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "IndexBuildError";
  }
}

/** Writes one record's entries of the index (the default adds them: `indexRecord`). */
export type RecordIndexer = (
  txn: WriteTxn,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
  rec: { readonly rid: bigint; readonly bytes: Uint8Array },
) => void;

export async function buildIndex(
  storage: StorageEngine,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
  ctl?: OpControl,
  each?: RecordIndexer,
): Promise<void> {
  // A non-unique index's entries of a batch are sorted and added at the batch's end (SortedBatch);
  // a unique one's record by record (a duplicate names its document).
  const sorted = each === undefined && !ix.unique && ix.spec["prepareUnique"] !== true;
  const indexer = each ?? indexRecord;
  const top = sorted ? indexReadsTopFields(ix, keyOpts) : null;
  const fields = top !== null && top.length < SCAN_FIELDS_MAX ? new Set(["_id", ...top]) : undefined;
  let after: bigint | undefined;
  for (let batches = 0;; batches++) {
    if (ctl && batches > 0) {
      await ctl.yieldNow();
      stillBuilding(storage, coll, ix);
    }
    const done = storage.write((txn) => {
      let n = 0;
      const batch = sorted ? new SortedBatch() : undefined;
      const opts = after === undefined ? {} : { after };
      // a sorted batch reads only the fields the keys come from (the engine projects them)
      const it = batch && fields ? txn.scanFields(coll, fields, opts) : txn.scan(coll, opts);
      try {
        for (const rec of it) {
          // yielding: the batch also ends with its time slice
          if (n >= BATCH || (ctl && n > 0 && (n & 15) === 0 && ctl.dueNow())) {
            batch?.flush(txn, coll, ix);
            return false;
          }
          if (batch) batch.add(txn, coll, ix, keyOpts, rec, fields);
          else indexer(txn, coll, ix, keyOpts, rec);
          after = rec.rid;
          n++;
        }
      } finally {
        it.return?.();
      }
      batch?.flush(txn, coll, ix);
      return true;
    });
    if (done) return;
  }
}

/**
 * One build batch's entries of a non-unique index, added in key order at the end of the batch:
 * mongod's build sorts its keys before loading them; here a batch of records (up to `BATCH`, or one
 * time slice) is sorted, so consecutive inserts land on the same index pages instead of one page per
 * term (a text index's entries of one document are spread over the whole key range).
 */
class SortedBatch {
  readonly #keys: Uint8Array[] = [];
  readonly #rids: bigint[] = [];
  #multikey = false;

  /** `rec`'s entries; with `fields`, `rec` holds only those (a `ProjectedRecord`). */
  add(
    txn: WriteTxn,
    coll: CollectionEntry,
    ix: IndexEntry,
    keyOpts: IndexKeyOptions,
    rec: { readonly rid: bigint; readonly bytes: Uint8Array } | ProjectedRecord,
    fields: ReadonlySet<string> | undefined,
  ): void {
    const doc = fields && "buf" in rec
      ? decodeFieldsAt(rec.buf, rec.view, rec.at, fields)
      : decode(rec.bytes);
    let r;
    try {
      r = keysForIndex(ix, doc, keyOpts);
      if (r !== null && r.refusal) throw r.refusal;
    } catch (e) {
      // the error names the whole document
      throw new IndexBuildError(e, fields ? decode(txn.get(coll, rec.rid) ?? rec.bytes) : doc);
    }
    if (r === null) return;
    if (r.multikey) this.#multikey = true;
    for (const k of r.keys) {
      this.#keys.push(k);
      this.#rids.push(rec.rid);
    }
  }

  flush(txn: WriteTxn, coll: CollectionEntry, ix: IndexEntry): void {
    const n = this.#keys.length;
    if (n === 0 && !this.#multikey) return;
    // (equal keys: record-id order, as scanned)
    const keys = this.#keys;
    const rids = this.#rids;
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => compareKeys(keys[a]!, keys[b]!) || a - b);
    txn.insertIndexEntries(
      coll,
      ix.name,
      order.map((i) => keys[i]!),
      order.map((i) => rids[i]!),
      this.#multikey,
    );
  }
}

/** Adds one record's entries to the index being built. */
export function indexRecord(
  txn: WriteTxn,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
  rec: { readonly rid: bigint; readonly bytes: Uint8Array },
): void {
  const doc = decode(rec.bytes);
  try {
    const r = keysForIndex(ix, doc, keyOpts);
    if (r === null) return;
    if (r.refusal) throw r.refusal;
    const keys = new Map([[ix.name, r.keys]]);
    txn.insertIndexKeys(coll, rec.rid, r.multikey ? Object.assign(keys, { multikey: [ix.name] }) : keys);
  } catch (e) {
    throw new IndexBuildError(e, doc);
  }
}

/** 276 IndexBuildAborted when the collection or the index being built went away while it yielded. */
function stillBuilding(storage: StorageEngine, coll: CollectionEntry, ix: IndexEntry): void {
  const now = storage.catalog.getCollection(coll.db, coll.name);
  const same = now !== undefined && sameUuid(now.uuid, coll.uuid) &&
    now.indexes.some((i) => i.name === ix.name && i.ident === ix.ident);
  if (!same) {
    throw new CommandError(
      "IndexBuildAborted",
      `Index build aborted: ${coll.db}.${coll.name} index ${ix.name} was dropped during the build`,
    );
  }
}

/**
 * At startup: drops the indexes whose build a stop or crash interrupted (still marked `building`),
 * and returns them as `db.coll index` for the log. Their createIndexes never answered success; the
 * client runs it again (mongod restarts such a build instead).
 */
export function dropInterruptedBuilds(storage: StorageEngine): string[] {
  const dropped: string[] = [];
  const cat = storage.catalog;
  for (const db of cat.listDatabases()) {
    for (const coll of cat.listCollections(db)) {
      for (const ix of coll.indexes) {
        if (!ix.building) continue;
        cat.dropIndex(db, coll.name, ix.name);
        dropped.push(`${db}.${coll.name} ${ix.name}`);
      }
    }
  }
  return dropped;
}
