/**
 * The offline dump source (`secantusdb dump --storage-path DIR`): every collection of a data
 * directory read straight through the storage API, in one read-only snapshot per collection, the
 * stored BSON bytes unchanged. `local`, `config` and `system.profile` are left out, as mongodump does.
 */
import type { StorageEngine } from "../../storage/api.ts";
import type { DumpCollection } from "./format.ts";
import { hex } from "./metadata.ts";

const SKIP_DBS = new Set(["local", "config"]);

export function storageCollections(
  storage: StorageEngine,
  only?: { db?: string; collection?: string },
): DumpCollection[] {
  const out: DumpCollection[] = [];
  for (const db of storage.catalog.listDatabases().sort()) {
    if (SKIP_DBS.has(db) || (only?.db !== undefined && only.db !== db)) continue;
    for (const c of storage.catalog.listCollections(db).sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (c.name === "system.profile" || (only?.collection !== undefined && only.collection !== c.name)) {
        continue;
      }
      out.push({
        db,
        metadata: {
          options: c.options,
          indexes: c.indexes.map((i) => i.spec),
          uuid: hex(c.uuid),
          collectionName: c.name,
          type: "collection",
        },
        docs: async function* () {
          const txn = storage.begin({ readOnly: true });
          try {
            let n = 0;
            for (const r of txn.scan(c)) {
              yield r.bytes;
              if (++n % 1000 === 0) await Promise.resolve();
            }
          } finally {
            txn.abort();
          }
        },
      });
    }
  }
  return out;
}
