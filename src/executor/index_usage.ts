/**
 * Index access counters for `$indexStats`: one counter per (collection uuid, index name), counting
 * each execution of a user query plan that reads the index (find, count, distinct, update, delete,
 * findAndModify, aggregate; explain and internal work such as TTL deletes do not count). Counters
 * live in memory (mongod also starts them afresh at startup) and restart, with a new `since`, when
 * the index is created, dropped or modified (`resetIndexUsage`). The storage ident is remembered so an
 * index dropped and recreated behind our back (another path through the catalog) also starts over.
 */
import type { CollectionEntry } from "../storage/api.ts";
import type { AccessPath } from "../planner/plan.ts";

export interface IndexUsage {
  readonly ops: number;
  readonly since: Date;
}

interface Counter {
  ident: string;
  ops: number;
  since: Date;
}

const counters = new Map<string, Counter>();
let clock: () => Date = () => new Date();

/** Test hook: the clock `since` is read from. */
export function setIndexUsageClock(fn: () => Date): void {
  clock = fn;
}

function hex(u: Uint8Array): string {
  let s = "";
  for (const b of u) s += b.toString(16).padStart(2, "0");
  return s;
}

/** The hex of each collection uuid seen (the uuid bytes of a catalog entry never change). */
const uuidHex = new WeakMap<Uint8Array, string>();

function keyOf(coll: CollectionEntry, name: string): string {
  let h = uuidHex.get(coll.uuid);
  if (h === undefined) {
    h = hex(coll.uuid);
    uuidHex.set(coll.uuid, h);
  }
  return `${h}\u0000${name}`;
}

/** The counter key of each index entry seen, with the uuid it was made for (a key is a new string each time). */
const entryKeys = new WeakMap<object, { uuid: Uint8Array; key: string }>();

function counterOf(coll: CollectionEntry, name: string): Counter | undefined {
  const ix = coll.indexes.find((i) => i.name === name);
  if (!ix) return undefined;
  let k = entryKeys.get(ix);
  if (k === undefined || k.uuid !== coll.uuid) {
    k = { uuid: coll.uuid, key: keyOf(coll, name) };
    entryKeys.set(ix, k);
  }
  const key = k.key;
  let c = counters.get(key);
  if (!c || c.ident !== ix.ident) {
    c = { ident: ix.ident, ops: 0, since: clock() };
    counters.set(key, c);
  }
  return c;
}

/** Counts one access of `name` (no-op for an index the collection does not have). */
export function recordIndexAccess(coll: CollectionEntry, name: string): void {
  const c = counterOf(coll, name);
  if (c) c.ops++;
}

/** Counts the index an access path reads, if any (IDHACK reads `_id_`). */
export function recordPlanAccess(coll: CollectionEntry, access: AccessPath): void {
  if (access.kind === "idLookup") recordIndexAccess(coll, "_id_");
  else if (access.kind === "ixScan" || access.kind === "geoNear") recordIndexAccess(coll, access.indexName);
  else if (access.kind === "or") {
    // (an OR reads each of its branches' indexes once per query, however many branches share one)
    for (const name of new Set(access.branches.map((b) => b.indexName))) recordIndexAccess(coll, name);
  }
}

/** The counter of one index (created at zero, `since` now, on first sight). */
export function indexUsage(coll: CollectionEntry, name: string): IndexUsage {
  const c = counterOf(coll, name);
  return c ? { ops: c.ops, since: c.since } : { ops: 0, since: clock() };
}

/** Restarts the counter of one index (create, drop, collMod). */
export function resetIndexUsage(coll: CollectionEntry, name: string): void {
  counters.delete(keyOf(coll, name));
}
