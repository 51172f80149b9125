/**
 * Computes the index entries of a document for every index of its collection, in the byte-sortable
 * encoding of `src/keys/`. Today: the `_id_` index and plain (non-multikey) field indexes; multikey,
 * sparse, partial and special kinds arrive with the index issue.
 */
import type { CollectionEntry, IndexKeys } from "../storage/api.ts";
import { encodeIndexKey } from "../keys/key_string.ts";
import type { Doc } from "./rows.ts";

/** Encoded key of an `_id` value in the `_id_` index. */
export function idIndexKey(id: unknown): Uint8Array {
  return encodeIndexKey([id], [1]);
}

function getPath(doc: Doc, path: string): unknown {
  if (!path.includes(".")) return doc[path];
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Doc)[part];
  }
  return cur;
}

export function indexKeysOf(coll: CollectionEntry, doc: Doc): IndexKeys {
  const keys = new Map<string, Uint8Array[]>();
  for (const ix of coll.indexes) {
    if (ix.name === "_id_") {
      keys.set("_id_", [idIndexKey(doc["_id"])]);
      continue;
    }
    const pattern = (ix.spec["key"] ?? {}) as Doc;
    const values: unknown[] = [];
    const dirs: (1 | -1)[] = [];
    for (const [field, dir] of Object.entries(pattern)) {
      const v = getPath(doc, field);
      values.push(v === undefined ? null : v);
      dirs.push(Number(dir) < 0 ? -1 : 1);
    }
    keys.set(ix.name, [encodeIndexKey(values, dirs)]);
  }
  return keys;
}
