/**
 * Copying a collection into a capped one (cloneCollectionAsCapped, convertToCapped): the documents
 * in natural (record-id) order into an empty capped collection, as mongod's clone does, with FIFO
 * eviction applied as they arrive. Leading documents that could not survive eviction anyway are
 * skipped rather than written and evicted again: a first pass measures the source (count and bytes),
 * and a document is copied only when it and everything after it fit the target's limits — the same
 * survivors as inserting everything one by one (the newest document always stays). Both passes go in
 * slices of at most 1,024 records (one storage transaction each) with a cooperative yield between
 * slices (docs/concurrency.md); each written slice also runs the capped eviction of `CappedCollections`.
 * Document validation is not applied (mongod disables it for the copy). The target's index keys come
 * from its own catalog entry (a fresh capped collection has only `_id`).
 *
 * mongod holds an exclusive lock on the source meanwhile; here other clients run between slices.
 * Inserts into the source meanwhile are copied too (they land after the copy's position), but an
 * update or delete of the source, or any DDL on it, would make the copy stale: the copy then stops
 * with 117 ConflictingOperationInProgress (retry), so a conversion never loses a write.
 */
import type { CollectionEntry, RecordId, StorageChange, StorageEngine } from "../storage/api.ts";
import { CommandError } from "../errors/command_error.ts";
import type { OpControl } from "../observability/op_control.ts";
import { decodeDocument } from "../bson/decode.ts";
import { type CappedCollections, cappedLimits } from "./capped.ts";
import { type IndexKeyOptions, indexKeysOf } from "./index_keys.ts";

const SLICE = 1024;

export interface CappedCopy {
  readonly storage: StorageEngine;
  readonly capped: CappedCollections;
  readonly keyOpts: IndexKeyOptions;
  readonly from: CollectionEntry;
  /** An empty capped collection. */
  readonly to: CollectionEntry;
  readonly ctl: OpControl;
  /** Commit each slice durably (the write concern asked for it). */
  readonly sync: boolean;
}

/** True when `change` makes a copy of `from` in progress stale (anything but an insert into it). */
function disturbs(change: StorageChange, from: CollectionEntry): boolean {
  switch (change.op) {
    case "insert":
      return false;
    case "update":
    case "remove":
    case "dropCollection":
    case "updateCollection":
      return change.coll.ident === from.ident;
    case "renameCollection":
      return change.from.ident === from.ident;
    case "dropDatabase":
      return change.db === from.db;
    default:
      return false;
  }
}

/** Copies `from` into capped `to`; returns how many documents the target holds afterwards. */
export async function copyIntoCapped(c: CappedCopy): Promise<number> {
  let disturbed = false;
  const stop = c.storage.addWriteHook({
    onChange: (change) => {
      if (disturbs(change, c.from)) disturbed = true;
    },
  });
  const check = () => {
    if (disturbed) {
      throw new CommandError(
        "ConflictingOperationInProgress",
        `${c.from.db}.${c.from.name} was modified while it was copied into a capped collection; retry`,
      );
    }
  };
  const pause = async () => {
    if (!c.ctl.dueNow()) return;
    await c.ctl.yieldNow();
    check();
  };
  try {
    const n = await copy(c, pause);
    check();
    return n;
  } finally {
    stop();
  }
}

async function copy(c: CappedCopy, pause: () => Promise<void>): Promise<number> {
  const { storage, from, to } = c;
  // Pass 1: what the source holds.
  let count = 0;
  let bytes = 0;
  let after: RecordId | undefined;
  for (;;) {
    const n = storage.read((r) => {
      let seen = 0;
      for (const rec of r.scan(from, after === undefined ? {} : { after })) {
        count++;
        bytes += rec.bytes.length;
        after = rec.rid;
        if (++seen >= SLICE) break;
      }
      return seen;
    });
    if (n < SLICE) break;
    await pause();
  }
  // Pass 2: skip what eviction would remove, insert the rest.
  const { size, max } = cappedLimits(to);
  let restCount = count;
  let restBytes = bytes;
  after = undefined;
  for (;;) {
    const n = storage.write((txn) => {
      let seen = 0;
      for (const rec of txn.scan(from, after === undefined ? {} : { after })) {
        after = rec.rid;
        const len = rec.bytes.length;
        const wouldBeEvicted = restCount > 1 && (restCount > max || restBytes > size);
        restCount--;
        restBytes -= len;
        if (!wouldBeEvicted) txn.insert(to, rec.bytes, indexKeysOf(to, decodeDocument(rec.bytes), c.keyOpts));
        if (++seen >= SLICE) break;
      }
      c.capped.enforce(txn, to);
      return seen;
    }, { sync: c.sync });
    if (n < SLICE) break;
    await pause();
  }
  return storage.read((r) => r.count(to));
}
