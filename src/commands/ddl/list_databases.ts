/**
 * listDatabases: databases that hold at least one collection, with sizes; `nameOnly`, `filter`
 * (on name, sizeOnDisk, empty) and `authorizedDatabases` as mongod.
 */
import { Long } from "bson";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { optBool, optDoc } from "../params/readers.ts";
import { compileFilter } from "../../engine/mod.ts";

function run(ctx: CommandContext, body: Doc): Doc {
  const nameOnly = optBool("listDatabases", body, "nameOnly") ?? false;
  const filter = optDoc("listDatabases", body, "filter");
  const matcher = filter && Object.keys(filter).length > 0 ? compileFilter(filter) : null;
  const dbs: Doc[] = [];
  let total = 0;
  for (const name of ctx.storage.catalog.listDatabases()) {
    let size = 0;
    for (const c of ctx.storage.catalog.listCollections(name)) {
      const s = ctx.storage.sizes(c);
      size += s.storageSize + Object.values(s.indexSizes).reduce((a, b) => a + b, 0);
    }
    const entry: Doc = nameOnly ? { name } : { name, sizeOnDisk: Long.fromNumber(size), empty: size === 0 };
    if (matcher && !matcher.matches({ name, sizeOnDisk: size, empty: size === 0 })) continue;
    dbs.push(entry);
    total += size;
  }
  return nameOnly ? { databases: dbs, ok: 1 } : {
    databases: dbs,
    totalSize: Long.fromNumber(total),
    totalSizeMb: Long.fromNumber(Math.floor(total / 1048576)),
    ok: 1,
  };
}

export const listDatabases: LegacyCommandSpec = {
  name: "listDatabases",
  help: "lists databases",
  auth: "listDatabases",
  fields: { nameOnly: "optional", filter: "optional", authorizedDatabases: "ignored" },
  run,
};
