/**
 * A record's removal or update with all its index entries in one shim call (issue 18;
 * ffi/wiredtiger/entries.ts, shim/wt_remove.c): what `WtTxn.remove` and `WtTxn.update` write, packed.
 * A deleteMany over a collection with six secondary indexes crossed into the shim ~8 times per
 * document, an update of an indexed field three times. Also the index helpers those share with txn.ts.
 */
import {
  type CollectionEntry,
  type IndexEntry,
  type IndexKeys,
  type RecordId,
  StorageError,
} from "../api.ts";
import { EntryRemoval, EntryUpdate } from "../../../ffi/wiredtiger/mod.ts";
import type { SessionCtx } from "./sessions.ts";

export function findIndex(coll: CollectionEntry, name: string): IndexEntry {
  for (const i of coll.indexes) if (i.name === name) return i;
  throw new StorageError("IndexNotFound", `index not found with name [${name}] on ${coll.db}.${coll.name}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const has = (list: readonly Uint8Array[] | undefined, k: Uint8Array): boolean =>
  list !== undefined && list.some((x) => sameBytes(x, k));

/** The storage error of a key `idx` (unique, or prepareUnique) already holds for another record. */
export function duplicateKey(idx: IndexEntry): StorageError {
  return new StorageError("DuplicateKey", `E11000 duplicate key error (index: ${idx.name})`, idx.name);
}

/** One record's removal with its index entries, packed (the JS thread writes one at a time). */
const removal = new EntryRemoval();
/** One record's update with its changed index entries, packed. */
const update = new EntryUpdate();

/**
 * Removes record `rid` of `coll` and its entries `keys` (and `keys.removeOnly`): how many entries, or
 * false when the record is absent (nothing removed).
 */
export function removeWithEntries(
  ctx: SessionCtx,
  coll: CollectionEntry,
  rid: RecordId,
  keys: IndexKeys,
): number | false {
  let n = 0;
  try {
    for (const [name, list] of keys) {
      const idx = findIndex(coll, name);
      removal.add(ctx.cursor(idx.ident), idx.unique, list);
      n += list.length;
    }
    if (keys.removeOnly !== undefined) {
      for (const [name, list] of keys.removeOnly) {
        const idx = findIndex(coll, name);
        removal.add(ctx.cursor(idx.ident), idx.unique, list);
        n += list.length;
      }
    }
  } catch (e) {
    removal.clear();
    throw e;
  }
  return removal.removeRecord(ctx.cursor(coll.ident), rid) ? n : false;
}

/**
 * Replaces record `rid` of `coll` with `bytes`, removes the old keys the new document lacks (and
 * `removeOnly`'s), then adds the new keys the old lacked: how many of each, false when the record is
 * absent (nothing written), undefined when an added key goes to a prepareUnique index (nothing
 * written: the caller writes one key at a time, as its check of other records' entries needs).
 * Throws DuplicateKey (the caller's transaction then fails).
 */
export function updateWithEntries(
  ctx: SessionCtx,
  coll: CollectionEntry,
  rid: RecordId,
  bytes: Uint8Array,
  oldKeys: IndexKeys,
  newKeys: IndexKeys,
): { readonly removed: number; readonly added: number } | false | undefined {
  const inserting: IndexEntry[] = [];
  let removed = 0;
  let added = 0;
  try {
    // (no iterators over empty key maps: an update that changes no index, the common one)
    if (oldKeys.size > 0) {
      for (const [name, olds] of oldKeys) removed += stage(ctx, coll, name, olds, newKeys.get(name));
    }
    if (oldKeys.removeOnly !== undefined) {
      for (const [name, list] of oldKeys.removeOnly) {
        removed += stage(ctx, coll, name, list, newKeys.get(name));
      }
    }
    if (newKeys.size > 0) {
      for (const [name, news] of newKeys) {
        const olds = oldKeys.get(name);
        const fresh = news.filter((k) => !has(olds, k));
        if (fresh.length === 0) continue;
        const idx = findIndex(coll, name);
        if (!idx.unique && idx.spec["prepareUnique"] === true) {
          update.clear();
          return undefined;
        }
        update.insert(ctx.cursor(idx.ident), idx.unique, fresh);
        inserting.push(idx);
        added += fresh.length;
      }
    }
  } catch (e) {
    update.clear();
    throw e;
  }
  const r = update.updateRecord(ctx.cursor(coll.ident), rid, bytes);
  if (!r.ok) {
    if (r.missing) return false;
    throw duplicateKey(inserting[r.duplicateAt]!);
  }
  return { removed, added };
}

/** Stages the removal of the keys of `olds` not in `news` (index `name`): how many. */
function stage(
  ctx: SessionCtx,
  coll: CollectionEntry,
  name: string,
  olds: readonly Uint8Array[],
  news: readonly Uint8Array[] | undefined,
): number {
  const gone = olds.filter((k) => !has(news, k));
  if (gone.length === 0) return 0;
  const idx = findIndex(coll, name);
  update.remove(ctx.cursor(idx.ident), idx.unique, gone);
  return gone.length;
}
