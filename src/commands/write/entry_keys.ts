/**
 * The index entries a delete removes and an update removes and adds, computed from partial decodes
 * (issue 18): the fields the indexes concerned read (executor/index_reads.ts `keyFieldsOf`) of the
 * stored document and of the document after, not the whole documents. Over ~700-byte documents the
 * fields no index read were most of the decode (a deleteMany decoded each document once for its keys,
 * an updateMany that `$inc`s an indexed field twice).
 *
 * A document whose keys are refused (a text index's array prefix, a geo value it cannot index, parallel
 * arrays) has them computed again from the whole document: the errors show the document, as mongod's.
 */
import { decodeFields } from "../../bson/partial_decode.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { keyFieldsOf } from "../../executor/index_reads.ts";
import type { Row } from "../../executor/rows.ts";
import type { CollectionEntry, IndexEntry, IndexKeys } from "../../storage/api.ts";
import type { Document as Doc } from "../../bson/document.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

const NO_KEYS: IndexKeys = new Map();

/**
 * `indexKeysOf(coll, whole())` from `part` (the fields `keyFieldsOf` named; undefined: none were,
 * the whole document it is), the whole document again when the part's keys are refused.
 */
function keysOf(coll: CollectionEntry, part: Doc | undefined, whole: () => Doc): IndexKeys {
  if (part === undefined) return indexKeysOf(coll, whole(), keyOpts);
  let keys;
  try {
    keys = indexKeysOf(coll, part, keyOpts);
  } catch {
    return indexKeysOf(coll, whole(), keyOpts);
  }
  return keys.refusal === undefined ? keys : indexKeysOf(coll, whole(), keyOpts);
}

/** The keys of the stored document `row` for every index of `entry` (the fields they read decoded). */
export function storedKeys(entry: CollectionEntry, row: Row): IndexKeys {
  const fields = keyFieldsOf(entry.indexes);
  return keysOf(entry, fields && row.view(fields), () => row.doc);
}

/**
 * The keys before (`row`) and after (the stored bytes `bytes`; `after.whole` decodes all of them,
 * `after.decoded` is the document when something decoded it already) of the indexes `affected` of
 * `entry` (those reading a field the update changed; none: no keys).
 */
export function changedKeys(
  entry: CollectionEntry,
  affected: readonly IndexEntry[],
  row: Row,
  bytes: Uint8Array,
  after: { readonly decoded: Doc | undefined; whole(): Doc },
): { readonly oldKeys: IndexKeys; readonly newKeys: IndexKeys } {
  if (affected.length === 0) return { oldKeys: NO_KEYS, newKeys: NO_KEYS };
  const all = affected.length === entry.indexes.length;
  const view = all ? entry : { ...entry, indexes: affected };
  const fields = keyFieldsOf(all ? entry.indexes : affected, all);
  const part = fields && (after.decoded ?? decodeFields(bytes, fields));
  return {
    oldKeys: keysOf(view, fields && row.view(fields), () => row.doc),
    newKeys: keysOf(view, part, () => after.decoded ?? after.whole()),
  };
}
