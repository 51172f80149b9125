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

/** True for `local.oplog.rs`, which only the server writes (an internal table, not a collection). */
export function isOplog(db: string, name: string): boolean {
  return db === "local" && name === "oplog.rs";
}

/** The `admin` system collections a client may create and write (mongod's isLegalClientSystemNS). */
const ADMIN_SYSTEM: ReadonlySet<string> = new Set([
  "system.roles",
  "system.version",
  "system.keys",
  "system.backup_users",
  "system.new_users",
]);

/** mongod's isLegalClientSystemNS: the `system.` namespaces a client may create or write. */
function legalClientSystem(db: string, name: string): boolean {
  if (name === "system.users" || name === "system.js" || name === "system.views") return true;
  if (name.startsWith("system.buckets.")) return true; // (mongorestore writes time-series buckets)
  if (db === "admin") return ADMIN_SYSTEM.has(name);
  if (db === "config") return name === "system.sessions" || name === "system.indexBuilds";
  if (db === "local") return name === "system.replset" || name === "system.healthlog";
  return false;
}

/** mongod's `userAllowedCreateNS` for `system.` names: 73 "Invalid system namespace" (the profile is allowed). */
export function refuseUserCreate(db: string, name: string): void {
  if (!name.startsWith("system.") || name === "system.profile" || legalClientSystem(db, name)) return;
  throw new CommandError("InvalidNamespace", `Invalid system namespace: ${db}.${name}`);
}

/**
 * mongod's `userAllowedWriteNS`: a client's insert, update or delete on the profile, a database's view
 * definitions or the oplog is 73 (the server writes them), and on a `system.` namespace it could not create.
 */
export function refuseUserWrite(db: string, name: string): void {
  if (name === "system.profile" || name === "system.views" || isOplog(db, name)) {
    throw new CommandError("InvalidNamespace", `cannot write to ${db}.${name}`);
  }
  refuseUserCreate(db, name);
}

export function ensureCollection(ctx: RequestContext, name: string): CollectionEntry {
  refuseUserWrite(ctx.db, name);
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
