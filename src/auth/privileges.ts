/**
 * Privileges and resources, as mongod stores and prints them: a privilege is `{resource, actions}`
 * and a resource is `{db, collection}` (empty strings are wildcards), `{cluster: true}` or
 * `{anyResource: true}`. A request names one target — the cluster, a database, or a collection —
 * and `matches` says whether a resource covers it, with mongod's rule that wildcards never reach
 * system collections (`system.*`): those are granted only by naming them, or by anyResource. A
 * `{db, system_buckets}` resource (mongod's any_system_buckets patterns) covers time-series buckets
 * namespaces `system.buckets.<name>`: `db` "" = any database, `system_buckets` "" = any name. Pure.
 */

export type Resource =
  | { readonly db: string; readonly collection: string }
  | { readonly db: string; readonly system_buckets: string }
  | { readonly cluster: true }
  | { readonly anyResource: true };

export interface Privilege {
  readonly resource: Resource;
  readonly actions: readonly string[];
}

/** What a command acts on. */
export type Target =
  | { readonly kind: "cluster" }
  | { readonly kind: "database"; readonly db: string }
  | { readonly kind: "collection"; readonly db: string; readonly collection: string };

const BUCKETS = "system.buckets.";

/** Whether a `system_buckets` resource naming `name` ("" = any) covers `collection`. */
function coversBuckets(name: string, collection: string): boolean {
  if (!collection.startsWith(BUCKETS)) return false;
  return name === "" || collection === BUCKETS + name;
}

/** A collection wildcards may cover (not `system.*`). */
export function isNormalCollection(name: string): boolean {
  return !name.startsWith("system.");
}

export function matches(r: Resource, t: Target): boolean {
  if ("anyResource" in r) return true;
  if ("cluster" in r) return t.kind === "cluster";
  if (t.kind === "cluster") return false;
  if (r.db !== "" && r.db !== t.db) return false;
  if ("system_buckets" in r) return t.kind === "collection" && coversBuckets(r.system_buckets, t.collection);
  if (t.kind === "database") return r.collection === "";
  if (r.collection === "") return isNormalCollection(t.collection);
  return r.collection === t.collection;
}

/** True when some privilege grants `action` on `target`. */
export function allows(privileges: readonly Privilege[], action: string, target: Target): boolean {
  for (const p of privileges) {
    if (p.actions.includes(action) && matches(p.resource, target)) return true;
  }
  return false;
}

/**
 * True when some privilege names something inside `db` (or `db.collection`): what
 * listDatabases / listCollections with authorizedDatabases / authorizedCollections show.
 */
export function hasAnyPrivilegeIn(
  privileges: readonly Privilege[],
  db: string,
  collection?: string,
): boolean {
  for (const p of privileges) {
    if (p.actions.length === 0) continue;
    const r = p.resource;
    if ("anyResource" in r) return true;
    if ("cluster" in r) continue;
    if (r.db !== "" && r.db !== db) continue;
    if (collection === undefined) return true;
    if ("system_buckets" in r) {
      if (coversBuckets(r.system_buckets, collection)) return true;
      continue;
    }
    if (r.collection === "" ? isNormalCollection(collection) : r.collection === collection) return true;
  }
  return false;
}

export function resourceKey(r: Resource): string {
  if ("anyResource" in r) return "any";
  if ("cluster" in r) return "cluster";
  if ("system_buckets" in r) return `buckets:${r.db}\0${r.system_buckets}`;
  return `ns:${r.db}\0${r.collection}`;
}

/** Merges privileges on the same resource (actions sorted, deduplicated), as mongod prints them. */
export function mergePrivileges(list: readonly Privilege[]): Privilege[] {
  const byKey = new Map<string, { resource: Resource; actions: Set<string> }>();
  for (const p of list) {
    const k = resourceKey(p.resource);
    let e = byKey.get(k);
    if (!e) byKey.set(k, e = { resource: p.resource, actions: new Set() });
    for (const a of p.actions) e.actions.add(a);
  }
  return [...byKey.values()].map((e) => ({ resource: e.resource, actions: [...e.actions].sort() }));
}

/** Reads a resource document as given to createRole / grantPrivilegesToRole; null when malformed. */
export function parseResource(v: unknown): Resource | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(",");
  if (keys === "cluster" && o["cluster"] === true) return { cluster: true };
  if (keys === "anyResource" && o["anyResource"] === true) return { anyResource: true };
  if (keys === "collection,db" && typeof o["db"] === "string" && typeof o["collection"] === "string") {
    return { db: o["db"], collection: o["collection"] };
  }
  if (
    keys === "db,system_buckets" && typeof o["db"] === "string" && typeof o["system_buckets"] === "string"
  ) {
    return { db: o["db"], system_buckets: o["system_buckets"] };
  }
  return null;
}
