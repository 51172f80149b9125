/**
 * Builds a new secondary index over a collection's existing records, in write transactions of
 * `BATCH` records each (a failure — duplicate key, parallel arrays — surfaces with the offending
 * document, and the caller drops the half-built index). Runs synchronously: no other command can
 * interleave with the build.
 */
import type { CollectionEntry, IndexEntry, StorageEngine } from "../storage/api.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decode } from "./rows.ts";
import { type IndexKeyOptions, keysForIndex } from "./index_keys.ts";

const BATCH = 2000;

/** Thrown when a document cannot be indexed: the original error plus the document. */
export class IndexBuildError extends Error {
  constructor(override readonly cause: unknown, readonly doc: Doc) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "IndexBuildError";
  }
}

export function buildIndex(
  storage: StorageEngine,
  coll: CollectionEntry,
  ix: IndexEntry,
  keyOpts: IndexKeyOptions,
): void {
  let after: bigint | undefined;
  for (;;) {
    const done = storage.write((txn) => {
      let n = 0;
      const batch: { rid: bigint; bytes: Uint8Array }[] = [];
      const it = txn.scan(coll, after === undefined ? {} : { after });
      try {
        for (const rec of it) {
          batch.push(rec);
          if (++n >= BATCH) break;
        }
      } finally {
        it.return?.();
      }
      for (const rec of batch) {
        const doc = decode(rec.bytes);
        try {
          const r = keysForIndex(ix, doc, keyOpts);
          if (r === null) continue;
          const keys = new Map([[ix.name, r.keys]]);
          txn.insertIndexKeys(
            coll,
            rec.rid,
            r.multikey ? Object.assign(keys, { multikey: [ix.name] }) : keys,
          );
        } catch (e) {
          throw new IndexBuildError(e, doc);
        }
      }
      if (batch.length > 0) after = batch[batch.length - 1]!.rid;
      return batch.length < BATCH;
    });
    if (done) return;
  }
}
