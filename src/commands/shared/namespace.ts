/**
 * Namespace helpers for commands: look a collection up, or create it implicitly on first write
 * (mongod's behaviour for insert/update-upsert/createIndexes), with name validation.
 */
import type { CollectionEntry } from "../../storage/api.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { CommandError } from "../../errors/command_error.ts";
import { validateCollectionName, validateDbName } from "../params/names.ts";
import { refuseOnView } from "./views.ts";
import { refuseBucketsNamespace } from "./timeseries.ts";

export function findCollection(ctx: RequestContext, name: string): CollectionEntry | undefined {
  return ctx.storage.catalog.getCollection(ctx.db, name);
}

export function ensureCollection(ctx: RequestContext, name: string): CollectionEntry {
  if (ctx.db === "local" && name === "oplog.rs") {
    throw new CommandError("InvalidNamespace", "cannot write to 'local.oplog.rs'");
  }
  const found = ctx.storage.catalog.getCollection(ctx.db, name);
  if (found) return found;
  refuseOnView(ctx.storage, ctx.db, name);
  refuseBucketsNamespace(ctx.db, name);
  validateDbName(ctx.db);
  validateCollectionName(name);
  try {
    return ctx.storage.catalog.createCollection(ctx.db, name, {});
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      const again = ctx.storage.catalog.getCollection(ctx.db, name);
      if (again) return again;
    }
    throw e;
  }
}
