/**
 * The offline dump source (`secantusdb dump --storage-path DIR`): every collection of a data
 * directory read straight through the storage API, in one read-only snapshot per collection, the
 * stored BSON bytes unchanged. `local`, `config` and `system.profile` are left out, as mongodump does;
 * views (the documents of `<db>.system.views`) become view metadata without documents, as mongodump
 * writes them, and `system.views` itself is not dumped.
 */
import { deserialize } from "bson";
import type { CollectionEntry, StorageEngine } from "../../storage/api.ts";
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
      if (c.name === "system.views") {
        out.push(...views(storage, c, only?.collection));
        continue;
      }
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
  return out.sort((a, b) =>
    a.db !== b.db ? (a.db < b.db ? -1 : 1) : a.metadata.collectionName < b.metadata.collectionName ? -1 : 1
  );
}

/** The views defined in a `system.views` collection, as view metadata. */
function views(storage: StorageEngine, sys: CollectionEntry, only: string | undefined): DumpCollection[] {
  const out: DumpCollection[] = [];
  storage.read((txn) => {
    for (const r of txn.scan(sys)) {
      const { _id, ...options } = deserialize(r.bytes, { promoteValues: false });
      const name = String(_id).slice(sys.db.length + 1);
      if (only !== undefined && only !== name) continue;
      out.push({
        db: sys.db,
        metadata: { options, indexes: [], uuid: "", collectionName: name, type: "view" },
        docs: async function* () {},
      });
    }
  });
  return out;
}
