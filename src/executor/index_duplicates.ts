/**
 * Duplicate keys of a non-unique index (collMod's unique conversion and its dryRun): one scan in key
 * order; records whose entries share a key form a group. Stops once the groups hold `maxIds` record
 * ids (mongod returns up to 16 MB of them: enough to diagnose, bounded memory).
 */
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import { compareKeys } from "../keys/key_string.ts";

export function duplicateKeyGroups(
  storage: StorageEngine,
  coll: CollectionEntry,
  indexName: string,
  maxIds = 1_000_000,
): bigint[][] {
  return storage.read((txn) => {
    const groups: bigint[][] = [];
    let prev: { key: Uint8Array; rid: bigint } | undefined;
    let cur: bigint[] = [];
    let held = 0;
    for (const hit of txn.scanIndex(coll, indexName)) {
      if (prev && compareKeys(prev.key, hit.key) === 0) {
        if (cur.length === 0) cur.push(prev.rid);
        cur.push(hit.rid);
        held++;
      } else if (cur.length > 0) {
        groups.push(cur);
        cur = [];
      }
      prev = { key: hit.key, rid: hit.rid };
      if (held >= maxIds) break;
    }
    if (cur.length > 0) groups.push(cur);
    return groups;
  });
}
