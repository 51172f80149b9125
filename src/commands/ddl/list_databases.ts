/**
 * listDatabases: databases that hold at least one collection, with sizes, plus `admin` and (with an
 * oplog) `local`, which a mongod replica-set member always has; `nameOnly`, `filter` (on name,
 * sizeOnDisk, empty) and `authorizedDatabases` as mongod.
 */
import { Long } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool, doc, optional, type Parsed, parseShape, strictBool } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { compileFilter } from "../../engine/mod.ts";
import { hasAnyPrivilegeIn } from "../../auth/privileges.ts";
import { oplogCollStats } from "../shared/oplog_stats.ts";

/** mongod's IDL: nameOnly is `safeBool`, authorizedDatabases a strict `bool`. */
const FIELDS = {
  nameOnly: optional(bool),
  filter: optional(doc),
  authorizedDatabases: optional(strictBool),
} as const;

export type ListDatabasesParams = Parsed<typeof FIELDS>;

export function parseListDatabases(body: Doc): ListDatabasesParams {
  return parseShape("listDatabases", body, FIELDS, { skip: "listDatabases", alsoAccept: GENERIC_FIELDS });
}

function run(ctx: RequestContext<ListDatabasesParams>): Doc {
  const nameOnly = ctx.params.nameOnly ?? false;
  const filter = ctx.params.filter;
  const matcher = filter && Object.keys(filter).length > 0 ? compileFilter(filter) : null;
  const dbs: Doc[] = [];
  let total = 0;
  // With auth on, a user without listDatabases (or asking for authorizedDatabases) sees only the
  // databases they hold privileges in.
  const az = ctx.authorizer;
  const onlyAuthorized = az.enabled &&
    (ctx.params.authorizedDatabases === true ||
      !az.isAuthorized(ctx.client, "listDatabases", { kind: "cluster" }));
  const privileges = onlyAuthorized ? az.privileges(ctx.client) : [];
  // mongod always has `admin` (admin.system.version holds the featureCompatibilityVersion) and, as a
  // replica-set member, `local` (the oplog, which listCollections on local shows here too).
  const names = new Set(ctx.storage.catalog.listDatabases());
  names.add("admin");
  if (ctx.oplog) names.add("local");
  for (const name of [...names].sort()) {
    if (onlyAuthorized && !hasAnyPrivilegeIn(privileges, name)) continue;
    let size = 0;
    for (const c of ctx.storage.catalog.listCollections(name)) {
      const s = ctx.storage.sizes(c);
      size += s.storageSize + Object.values(s.indexSizes).reduce((a, b) => a + b, 0);
    }
    if (name === "local" && ctx.oplog) size += Number(oplogCollStats(ctx.oplog, 1)["storageSize"] ?? 0);
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

export const listDatabases = defineCommand<ListDatabasesParams>({
  name: "listDatabases",
  help: "lists databases",
  auth: "listDatabases",
  parse: parseListDatabases,
  run,
});
