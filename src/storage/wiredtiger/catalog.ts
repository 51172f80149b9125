/**
 * The persistent catalog: table `table:_catalog` maps a namespace ("db.coll", UTF-8) to a BSON
 * document {db, name, uuid, options, indexes: [{name, spec, unique, ident}], ident}; the key "$meta"
 * holds {nextIdent, pendingDrops}. Idents are `coll-<n>` / `index-<n>`, never derived from user
 * names. Entries are cached in memory and rewritten (with a synced commit) on every DDL.
 *
 * Table creation is not transactional in WiredTiger: tables are created before their catalog entry
 * commits (a crash in between leaves an orphan that is dropped and recreated if its ident comes
 * up again, because the ident counter only advances with the entry), and dropped after their entry
 * is removed (a drop that fails, e.g. EBUSY from a cursor still in use, is remembered in
 * `pendingDrops` and retried on later DDL, on close and on open).
 *
 * A multi-document transaction's `create` / `createIndexes` are staged instead (`stageCollection`,
 * `stageIndex`): idents taken and tables created at once, the namespace's row written by the
 * transaction's own session, the cache updated when it commits (`publishStaged`) and the tables
 * dropped when it aborts (`discardStaged`). Until then the namespace is reserved: creating or
 * renaming onto it is a WriteConflict.
 *
 * Write hooks are told of each user-visible change inside the catalog's own transaction, after its
 * rows are written: their rows commit with it, or roll back with it (a hook that throws rolls the
 * change back, drops any table the change had just created, and the error is rethrown). The sticky
 * multikey flag and pending-drop bookkeeping are not reported.
 */

import { Binary, BSON } from "bson";
import {
  type Catalog,
  type CollectionEntry,
  type IndexEntry,
  type StorageChange,
  StorageError,
} from "../api.ts";
import { WtError } from "../../../ffi/wiredtiger/mod.ts";
import { guard } from "./errors.ts";
import type { HookSet } from "./hooks.ts";
import { CatalogScope } from "./scope.ts";
import type { SessionCtx, SessionPool } from "./sessions.ts";
import { asWtTable, WtTableTxn } from "./tables.ts";

export const CATALOG_URI = "table:_catalog";
const META_KEY = "$meta";
const RECORD_CONFIG = "key_format=q,value_format=u,exclusive=true";
const INDEX_CONFIG = "key_format=u,value_format=u,prefix_compression=true,exclusive=true";
const EEXIST = 17;

const enc = new TextEncoder();
const dec = new TextDecoder();

interface MetaDoc {
  nextIdent: number;
  pendingDrops: string[];
}

export const tableUri = (ident: string): string => `table:${ident}`;
const nsKey = (db: string, name: string): Uint8Array => enc.encode(`${db}.${name}`);

function freezeEntry(e: CollectionEntry): CollectionEntry {
  return Object.freeze({ ...e, indexes: Object.freeze(e.indexes.map((i) => Object.freeze({ ...i }))) });
}

function encodeEntry(e: CollectionEntry): Uint8Array {
  return BSON.serialize({
    db: e.db,
    name: e.name,
    uuid: new Binary(e.uuid, 4),
    options: e.options,
    indexes: e.indexes.map((i) => ({
      name: i.name,
      spec: i.spec,
      unique: i.unique,
      ident: i.ident,
      ...(i.multikey ? { multikey: true } : {}),
      ...(i.building ? { building: true } : {}),
      ...(i.keyFormat !== undefined ? { keyFormat: i.keyFormat } : {}),
    })),
    ident: e.ident,
  });
}

function decodeEntry(bytes: Uint8Array): CollectionEntry {
  const d = BSON.deserialize(bytes);
  const uuid = d.uuid as Binary;
  return freezeEntry({
    db: String(d.db),
    name: String(d.name),
    uuid: new Uint8Array(uuid.buffer.subarray(0, uuid.position)),
    options: d.options as Record<string, unknown>,
    indexes: (d.indexes as IndexEntry[]).map((i) => ({
      name: String(i.name),
      spec: i.spec,
      unique: Boolean(i.unique),
      ident: String(i.ident),
      ...(i.multikey ? { multikey: true } : {}),
      ...(i.building ? { building: true } : {}),
      ...(typeof i.keyFormat === "number" ? { keyFormat: i.keyFormat } : {}),
    })),
    ident: String(d.ident),
  });
}

function newUuid(): Uint8Array {
  const u = crypto.getRandomValues(new Uint8Array(16));
  u[6] = (u[6]! & 0x0f) | 0x40;
  u[8] = (u[8]! & 0x3f) | 0x80;
  return u;
}

/** A transaction that stages catalog rows (`WtTxn`): its session and what it has created. */
export interface StagingTxn {
  readonly ctx: SessionCtx;
  createdCollection(db: string, name: string): CollectionEntry | undefined;
}

function newCollectionEntry(
  db: string,
  name: string,
  options: Record<string, unknown>,
  ident: string,
  idIdent: string,
): CollectionEntry {
  return freezeEntry({
    db,
    name,
    uuid: newUuid(),
    options,
    indexes: [{ name: "_id_", spec: idIndexSpec(options), unique: true, ident: idIdent }],
    ident,
  });
}

/**
 * The `_id_` index spec of a new collection. A clustered collection's (options `clusteredIndex`, checked by
 * the command layer) carries the clustered index's name and `unique`/`clustered: true`, as listIndexes
 * shows it; it is made with the collection so that creating one inside a transaction needs no later DDL.
 * A plain collection with a default collation gives it that collation, as mongod does: its keys are then
 * collation keys (executor/index_keys.ts `idKeyOf`), so `_id` uniqueness follows the collation. Collections
 * created before this kept an `_id_` spec without one, and with it their binary `_id` keys.
 */
function idIndexSpec(options: Record<string, unknown>): Record<string, unknown> {
  // (an `idIndex` option may ask for a v1 index; its name is always "_id_")
  const idIndex = options["idIndex"];
  const v =
    idIndex !== null && typeof idIndex === "object" && Number((idIndex as Record<string, unknown>)["v"]) === 1
      ? 1
      : 2;
  const base = { v, key: { _id: 1 }, name: "_id_" };
  const ci = options["clusteredIndex"];
  if (ci === null || typeof ci !== "object") {
    const collation = options["collation"];
    const collated = collation !== null && typeof collation === "object" &&
      (collation as Record<string, unknown>)["locale"] !== "simple" && options["timeseries"] === undefined;
    return collated ? { ...base, collation } : base;
  }
  const name = (ci as Record<string, unknown>)["name"];
  return { ...base, ...(typeof name === "string" ? { name } : {}), unique: true, clustered: true };
}

export interface CatalogHooks {
  /** Called after tables are dropped or their entries removed, so per-table state can be forgotten. */
  forget(idents: readonly string[]): void;
  /** Called after a new, empty record table is created (its count is known: 0). */
  created?(ident: string): void;
  /** True when DDL commits should be synced (on-disk engines). */
  readonly durable: boolean;
  /** Write hooks, told of every catalog change inside its transaction. */
  readonly hooks?: HookSet;
  /**
   * Told of user-visible namespace changes just before the cache shows them: each namespace with its
   * entry until now (undefined: it did not exist). Open transactions keep those as their catalog.
   */
  changing?(changes: readonly (readonly [ns: string, before: CollectionEntry | undefined])[]): void;
  /** True while an open transaction may still read table `ident` (its drop waits in pendingDrops). */
  held?(ident: string): boolean;
  /**
   * Told before any collection's catalog entry changes (readers and writers outside the JS thread let go
   * of every namespace's tables: a dropped or renamed one must not be read after it commits, an index whose
   * build starts must be kept by every write, a multikey flag changes what a range read may use).
   */
  committing?(): void;
}

/** True when `entry`'s record table or one of its index tables is `ident`. */
export function usesIdent(entry: CollectionEntry, ident: string): boolean {
  return entry.ident === ident || entry.indexes.some((i) => i.ident === ident);
}

export class WtCatalog implements Catalog {
  readonly #pool: SessionPool;
  readonly #hooks: CatalogHooks;
  readonly #entries = new Map<string, CollectionEntry>();
  /** The same entries by database, then name: `getCollection` (every request) builds no `db.name` key. */
  readonly #byDb = new Map<string, Map<string, CollectionEntry>>();
  /** Namespaces created by a transaction handle that has not ended (see `stageCollection`). */
  readonly #staged = new Map<string, StagingTxn>();
  #meta: MetaDoc = { nextIdent: 1, pendingDrops: [] };
  /**
   * The user-visible namespace changes of the snapshot-history window, in commit order: each
   * namespace's entry before a change committed at `ts` (undefined: it did not exist), so a handle
   * reading as of an earlier time sees the catalog as it was then (`asOf`; mongod's point-in-time
   * catalog). Pruned as the window's start moves (`pruneHistory`); the tables of the entries kept here
   * are not dropped meanwhile. Changes without a commit timestamp (no oplog) are not kept.
   */
  readonly #history: { ns: string; before: CollectionEntry | undefined; ts: bigint }[] = [];

  constructor(pool: SessionPool, hooks: CatalogHooks) {
    this.#pool = pool;
    this.#hooks = hooks;
    guard("catalog open", () =>
      this.#withCtx((ctx) => {
        // in memory the catalog is exempt from the cache limit (as mongod's metadata tables), so a full
        // cache still lets drops run and free it
        ctx.session.create(
          CATALOG_URI,
          hooks.durable
            ? "key_format=u,value_format=u"
            : "key_format=u,value_format=u,ignore_in_memory_cache_size=true",
        );
        const cur = ctx.acquire(CATALOG_URI);
        try {
          for (const [k, v] of cur.scanKv()) {
            const key = dec.decode(k);
            if (key === META_KEY) {
              const m = BSON.deserialize(v);
              this.#meta = {
                nextIdent: Number(m.nextIdent),
                pendingDrops: [...(m.pendingDrops as string[])],
              };
            } else {
              const entry = decodeEntry(v);
              this.#entries.set(key, entry);
              this.#indexEntry(entry.db, entry.name, entry);
            }
          }
        } finally {
          ctx.release(cur);
        }
      }));
    this.retryPendingDrops();
  }

  // ---------------------------------------------------------------- reads

  listDatabases(): string[] {
    return [...new Set([...this.#entries.values()].map((e) => e.db))].sort();
  }

  listCollections(db: string): CollectionEntry[] {
    return [...this.#entries.values()].filter((e) => e.db === db).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  getCollection(db: string, name: string): CollectionEntry | undefined {
    return this.#byDb.get(db)?.get(name);
  }

  /** Keeps `#byDb` in step with `#entries` (null: removed). */
  #indexEntry(db: string, name: string, entry: CollectionEntry | null): void {
    let names = this.#byDb.get(db);
    if (entry === null) {
      names?.delete(name);
      if (names?.size === 0) this.#byDb.delete(db);
      return;
    }
    if (!names) this.#byDb.set(db, names = new Map());
    names.set(name, entry);
  }

  /** Every entry (for engine-level iteration). */
  all(): CollectionEntry[] {
    return [...this.#entries.values()];
  }

  // ---------------------------------------------------------------- DDL

  createCollection(db: string, name: string, options: Record<string, unknown> = {}): CollectionEntry {
    return guard(`createCollection ${db}.${name}`, () => {
      if (this.getCollection(db, name)) {
        throw new StorageError("NamespaceExists", `collection ${db}.${name} already exists`);
      }
      this.#refuseStaged(db, name);
      this.#refuseDifferentCase(db);
      const meta = { ...this.#meta };
      const ident = `coll-${meta.nextIdent++}`;
      const idIdent = `index-${meta.nextIdent++}`;
      this.#createTable(ident, RECORD_CONFIG);
      this.#hooks.created?.(ident);
      this.#createTable(idIdent, INDEX_CONFIG);
      const entry = newCollectionEntry(db, name, options, ident, idIdent);
      this.#commit(meta, [[db, name, entry]], { op: "createCollection", coll: entry }, [ident, idIdent]);
      return entry;
    });
  }

  // ------------------------------------------- DDL inside a transaction handle (see api.ts)

  /**
   * Creates a collection whose catalog row is written by `owner`'s transaction: the idents are
   * taken (committed) and the tables created at once; the entry becomes the catalog's when the owner
   * commits (`publishStaged`) and its tables are dropped when it aborts (`discardStaged`).
   */
  stageCollection(
    owner: StagingTxn,
    db: string,
    name: string,
    options: Record<string, unknown>,
  ): CollectionEntry {
    return guard(`createCollection ${db}.${name}`, () => {
      if (this.getCollection(db, name) || owner.createdCollection(db, name)) {
        throw new StorageError("NamespaceExists", `collection ${db}.${name} already exists`);
      }
      this.#refuseStaged(db, name);
      this.#refuseDifferentCase(db);
      const [ident, idIdent] = this.#takeIdents(["coll", "index"]) as [string, string];
      this.#createTable(ident, RECORD_CONFIG);
      this.#hooks.created?.(ident);
      this.#createTable(idIdent, INDEX_CONFIG);
      const entry = newCollectionEntry(db, name, options, ident, idIdent);
      this.#staged.set(`${db}.${name}`, owner);
      owner.ctx.cursor(CATALOG_URI).put(nsKey(db, name), encodeEntry(entry));
      return entry;
    });
  }

  /** Adds an index to a collection `owner` staged (same rules as `stageCollection`). */
  stageIndex(owner: StagingTxn, coll: CollectionEntry, index: Omit<IndexEntry, "ident">): CollectionEntry {
    return guard(`createIndex ${coll.db}.${coll.name}.${index.name}`, () => {
      if (coll.indexes.some((i) => i.name === index.name)) {
        throw new StorageError(
          "InternalError",
          `index ${index.name} already exists on ${coll.db}.${coll.name}`,
        );
      }
      const [ident] = this.#takeIdents(["index"]) as [string];
      this.#createTable(ident, INDEX_CONFIG);
      const entry = freezeEntry({
        ...coll,
        indexes: [...coll.indexes, {
          name: index.name,
          spec: index.spec,
          unique: index.unique,
          ident,
          ...(index.keyFormat !== undefined ? { keyFormat: index.keyFormat } : {}),
        }],
      });
      owner.ctx.cursor(CATALOG_URI).put(nsKey(coll.db, coll.name), encodeEntry(entry));
      return entry;
    });
  }

  /** The owner of staged entries committed: they are the catalog's now. */
  publishStaged(entries: readonly CollectionEntry[], commitTs?: bigint): void {
    this.#changing(entries.map((e) => [`${e.db}.${e.name}`, undefined] as const), commitTs);
    for (const e of entries) {
      this.#staged.delete(`${e.db}.${e.name}`);
      this.#entries.set(`${e.db}.${e.name}`, e);
      this.#indexEntry(e.db, e.name, e);
    }
  }

  /** The owner of staged entries aborted: forget them and drop their tables (busy ones later). */
  discardStaged(entries: readonly CollectionEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.#staged.delete(`${e.db}.${e.name}`);
    const idents = entries.flatMap((e) => [e.ident, ...e.indexes.map((i) => i.ident)]);
    this.#hooks.forget(idents);
    try {
      const left = this.#withCtx((ctx) => idents.filter((ident) => !this.#dropTable(ctx, ident)));
      if (left.length > 0) {
        this.#commit({ ...this.#meta, pendingDrops: [...this.#meta.pendingDrops, ...left] }, []);
      }
    } catch { /* orphans without a catalog row are recycled when their ident comes up again */ }
  }

  /**
   * A namespace in a database whose name differs only in case from an existing one is refused (mongod's
   * DatabaseHolder: two such databases could not live side by side in a case-insensitive file system).
   */
  #refuseDifferentCase(db: string): void {
    if (this.#byDb.has(db)) return;
    const lower = db.toLowerCase();
    for (const other of this.#byDb.keys()) {
      if (other !== db && other.toLowerCase() === lower) {
        throw new StorageError(
          "DatabaseDifferCase",
          `db already exists with different case already have: [${other}] trying to create [${db}]`,
        );
      }
    }
  }

  #refuseStaged(db: string, name: string): void {
    if (this.#staged.has(`${db}.${name}`)) {
      throw new StorageError(
        "WriteConflict",
        `collection ${db}.${name} is being created by a transaction that has not committed yet`,
      );
    }
  }

  /** Fresh idents, one per prefix (committed at once, never reused even if the caller aborts). */
  #takeIdents(prefixes: readonly ("coll" | "index")[]): string[] {
    const meta = { ...this.#meta };
    const out = prefixes.map((p) => `${p}-${meta.nextIdent++}`);
    this.#commit(meta, []);
    return out;
  }

  dropCollection(db: string, name: string): boolean {
    return guard(`dropCollection ${db}.${name}`, () => {
      const e = this.getCollection(db, name);
      if (e === undefined) return false;
      this.#dropEntries([e], { op: "dropCollection", coll: e });
      return true;
    });
  }

  dropDatabase(db: string): string[] {
    return guard(`dropDatabase ${db}`, () => {
      const list = this.listCollections(db);
      if (list.length > 0) this.#dropEntries(list, { op: "dropDatabase", db, colls: list });
      return list.map((e) => e.name);
    });
  }

  createIndex(db: string, name: string, index: Omit<IndexEntry, "ident">): CollectionEntry {
    return guard(`createIndex ${db}.${name}.${index.name}`, () => {
      const e = this.#require(db, name);
      if (e.indexes.some((i) => i.name === index.name)) {
        throw new StorageError("InternalError", `index ${index.name} already exists on ${db}.${name}`);
      }
      const meta = { ...this.#meta };
      const ident = `index-${meta.nextIdent++}`;
      this.#createTable(ident, INDEX_CONFIG);
      const entry = freezeEntry({
        ...e,
        indexes: [...e.indexes, {
          name: index.name,
          spec: index.spec,
          unique: index.unique,
          ident,
          ...(index.building ? { building: true } : {}),
          ...(index.keyFormat !== undefined ? { keyFormat: index.keyFormat } : {}),
        }],
      });
      const added = entry.indexes[entry.indexes.length - 1]!;
      // an index being built is reported (createIndex) when its build finishes (updateIndex below)
      const change: StorageChange | undefined = index.building
        ? undefined
        : { op: "createIndex", coll: entry, index: added };
      this.#commit(meta, [[db, name, entry]], change, [ident]);
      return entry;
    });
  }

  dropIndex(db: string, name: string, indexName: string): CollectionEntry {
    return guard(`dropIndex ${db}.${name}.${indexName}`, () => {
      const e = this.#require(db, name);
      const idx = e.indexes.find((i) => i.name === indexName);
      if (idx === undefined) {
        throw new StorageError("IndexNotFound", `index not found with name [${indexName}]`);
      }
      const entry = freezeEntry({ ...e, indexes: e.indexes.filter((i) => i !== idx) });
      const meta = { ...this.#meta, pendingDrops: [...this.#meta.pendingDrops, idx.ident] };
      // an index whose build did not finish was never reported: its drop is not either
      this.#commit(
        meta,
        [[db, name, entry]],
        idx.building ? undefined : { op: "dropIndex", coll: entry, index: idx },
      );
      this.#hooks.forget([idx.ident]);
      this.retryPendingDrops();
      return entry;
    });
  }

  updateIndex(
    db: string,
    name: string,
    indexName: string,
    patch: {
      readonly spec?: Record<string, unknown>;
      readonly multikey?: boolean;
      readonly building?: false;
      readonly keyFormat?: number;
    },
  ): CollectionEntry {
    return guard(`updateIndex ${db}.${name}.${indexName}`, () => {
      const e = this.#require(db, name);
      const idx = e.indexes.find((i) => i.name === indexName);
      if (idx === undefined) {
        throw new StorageError("IndexNotFound", `index not found with name [${indexName}]`);
      }
      const { building: _, ...rest } = idx;
      const next: IndexEntry = {
        ...(patch.building === false ? rest : idx),
        ...(patch.spec !== undefined ? { spec: patch.spec } : {}),
        ...(patch.multikey ? { multikey: true } : {}),
        ...(patch.keyFormat !== undefined ? { keyFormat: patch.keyFormat } : {}),
      };
      const entry = freezeEntry({ ...e, indexes: e.indexes.map((i) => (i === idx ? next : i)) });
      const index = entry.indexes.find((i) => i.name === indexName)!;
      // the end of a build is the index's creation for the hooks (mongod logs createIndexes then)
      const built = patch.building === false && idx.building === true;
      this.#commit(
        this.#meta,
        [[db, name, entry]],
        built && patch.spec === undefined
          ? { op: "createIndex", coll: entry, index }
          : { op: "updateIndex", coll: entry, index },
      );
      return entry;
    });
  }

  convertIndex(
    db: string,
    name: string,
    indexName: string,
    patch: { readonly spec: Record<string, unknown>; readonly unique: boolean },
  ): CollectionEntry {
    return guard(`convertIndex ${db}.${name}.${indexName}`, () => {
      const e = this.#require(db, name);
      const idx = e.indexes.find((i) => i.name === indexName);
      if (idx === undefined) {
        throw new StorageError("IndexNotFound", `index not found with name [${indexName}]`);
      }
      if (idx.unique === patch.unique) return this.updateIndex(db, name, indexName, { spec: patch.spec });
      const meta = { ...this.#meta, pendingDrops: [...this.#meta.pendingDrops, idx.ident] };
      const ident = `index-${meta.nextIdent++}`;
      this.#createTable(ident, INDEX_CONFIG);
      try {
        this.#copyIndex(idx, ident, patch.unique);
      } catch (err) {
        this.#undoCreate([ident]);
        if (err instanceof WtError && err.isDuplicateKey) {
          throw new StorageError("DuplicateKey", `E11000 duplicate key error (index: ${idx.name})`, idx.name);
        }
        throw err;
      }
      const next: IndexEntry = { ...idx, spec: patch.spec, unique: patch.unique, ident };
      const entry = freezeEntry({ ...e, indexes: e.indexes.map((i) => (i === idx ? next : i)) });
      const index = entry.indexes.find((i) => i.name === indexName)!;
      this.#commit(meta, [[db, name, entry]], { op: "updateIndex", coll: entry, index, before: idx }, [
        ident,
      ]);
      this.#hooks.forget([idx.ident]);
      this.retryPendingDrops();
      return entry;
    });
  }

  /** Copies every (key, record id) of `from` into the new table `ident` in the other layout. */
  #copyIndex(from: IndexEntry, ident: string, unique: boolean): void {
    this.#withCtx((ctx) => {
      ctx.session.begin();
      let ended = false; // WiredTiger ends the transaction once its commit is called, success or not
      try {
        const src = ctx.acquire(from.ident);
        try {
          const dst = ctx.cursor(ident);
          for (const hit of src.scanIndex({ unique: from.unique })) dst.idxInsert(unique, hit.key, hit.rid);
        } finally {
          ctx.release(src);
        }
        ended = true;
        ctx.session.commit(undefined, this.#hooks.durable ? "sync=on" : undefined);
      } catch (e) {
        if (!ended) ctx.session.rollback();
        throw e;
      }
    });
  }

  /** Sets the sticky multikey flag on the named indexes that lack it (one durable commit, or none). */
  markMultikey(db: string, name: string, indexNames: readonly string[]): void {
    const e = this.getCollection(db, name);
    if (e === undefined) return;
    const todo = e.indexes.filter((i) => !i.multikey && indexNames.includes(i.name));
    if (todo.length === 0) return;
    guard(`markMultikey ${db}.${name}`, () => {
      const entry = freezeEntry({
        ...e,
        indexes: e.indexes.map((i) => (todo.includes(i) ? { ...i, multikey: true } : i)),
      });
      // no change a reader sees, but reads made outside this thread walk an index's range only while
      // it is not multikey (nativeReads: the I/O thread's finds over a single-field index): #commit tells
      this.#commit(this.#meta, [[db, name, entry]]);
    });
  }

  renameCollection(db: string, from: string, toDb: string, to: string): CollectionEntry {
    return guard(`renameCollection ${db}.${from} -> ${toDb}.${to}`, () => {
      const e = this.#require(db, from);
      if (this.getCollection(toDb, to)) {
        throw new StorageError("NamespaceExists", `target namespace ${toDb}.${to} exists`);
      }
      this.#refuseStaged(toDb, to);
      this.#refuseDifferentCase(toDb);
      const entry = freezeEntry({ ...e, db: toDb, name: to });
      this.#commit(this.#meta, [[db, from, null], [toDb, to, entry]], {
        op: "renameCollection",
        from: e,
        to: entry,
      });
      return entry;
    });
  }

  updateCollection(db: string, name: string, options: Record<string, unknown>): CollectionEntry {
    return guard(`updateCollection ${db}.${name}`, () => {
      const e = this.#require(db, name);
      const entry = freezeEntry({ ...e, options });
      this.#commit(this.#meta, [[db, name, entry]], { op: "updateCollection", coll: entry, before: e });
      return entry;
    });
  }

  /** Entries as of commit timestamp `readAt` of the namespaces changed since (null: did not exist). */
  asOf(readAt: bigint): Map<string, CollectionEntry | null> {
    const out = new Map<string, CollectionEntry | null>();
    for (const h of this.#history) if (h.ts > readAt && !out.has(h.ns)) out.set(h.ns, h.before ?? null);
    return out;
  }

  /** No reader asks for a time before `oldest` any more: forget the changes up to it, drop their tables. */
  pruneHistory(oldest: bigint): void {
    const kept = this.#history.filter((h) => h.ts > oldest);
    if (kept.length === this.#history.length) return;
    this.#history.splice(0, this.#history.length, ...kept);
    this.retryPendingDrops();
  }

  /** Open handles keep `changes`' entries as they were; the history keeps them for later readers. */
  #changing(
    changes: readonly (readonly [string, CollectionEntry | undefined])[],
    ts: bigint | undefined,
  ): void {
    this.#hooks.changing?.(changes);
    if (ts !== undefined) { for (const [ns, before] of changes) this.#history.push({ ns, before, ts }); }
  }

  /** Try to drop every table whose catalog entry is gone; keep the ones that are still busy. */
  retryPendingDrops(): void {
    if (this.#meta.pendingDrops.length === 0) return;
    const left = this.#withCtx((ctx) =>
      this.#meta.pendingDrops.filter((ident) => !this.#dropTable(ctx, ident))
    );
    if (left.length !== this.#meta.pendingDrops.length) {
      this.#commit({ ...this.#meta, pendingDrops: left }, []);
    }
  }

  // ---------------------------------------------------------------- internals

  #require(db: string, name: string): CollectionEntry {
    const e = this.getCollection(db, name);
    if (e === undefined) throw new StorageError("NamespaceNotFound", `ns not found: ${db}.${name}`);
    return e;
  }

  #withCtx<T>(fn: (ctx: SessionCtx) => T): T {
    const ctx = this.#pool.take();
    try {
      return fn(ctx);
    } finally {
      this.#pool.give(ctx);
    }
  }

  #createTable(ident: string, config: string): void {
    this.#withCtx((ctx) => {
      const uri = tableUri(ident);
      try {
        ctx.session.create(uri, config);
      } catch (e) {
        if (!(e instanceof WtError && e.rc === EEXIST)) throw e;
        // An orphan from a crash between create and catalog commit: start afresh.
        this.#pool.closeIdent(ident);
        ctx.session.drop(uri);
        ctx.session.create(uri, config);
      }
    });
  }

  /** Drop one table; false when it is busy. */
  #dropTable(ctx: SessionCtx, ident: string): boolean {
    if (this.#history.some((h) => h.before !== undefined && usesIdent(h.before, ident))) return false;
    if (this.#hooks.held?.(ident)) return false;
    const uri = tableUri(ident);
    this.#pool.closeIdent(ident);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        ctx.session.drop(uri, "force=true");
        return true;
      } catch (e) {
        if (!(e instanceof WtError && e.isBusy)) throw e;
      }
    }
    return false;
  }

  #dropEntries(list: readonly CollectionEntry[], change: StorageChange): void {
    const idents = list.flatMap((e) => [e.ident, ...e.indexes.map((i) => i.ident)]);
    const meta = { ...this.#meta, pendingDrops: [...this.#meta.pendingDrops, ...idents] };
    this.#commit(meta, list.map((e) => [e.db, e.name, null] as const), change);
    this.#hooks.forget(idents);
    this.retryPendingDrops();
  }

  /**
   * Write meta plus entry changes (null = delete) and the hooks' rows for `change` in one
   * transaction, then update the cache. When it does not commit, the tables in `created` (made for
   * this change just before) are dropped again, best effort.
   */
  #commit(
    meta: MetaDoc,
    changes: readonly (readonly [string, string, CollectionEntry | null])[],
    change?: StorageChange,
    created: readonly string[] = [],
  ): void {
    let commitTs: bigint | undefined;
    // (any entry's change, reported or not: an index whose build starts must be kept by every writer from
    // now on — the I/O thread's too, whose registrations knew the indexes as they were)
    if (changes.length > 0) this.#hooks.committing?.();
    try {
      this.#withCtx((ctx) => {
        ctx.session.begin();
        let ended = false; // WiredTiger ends the transaction once its commit is called, success or not
        try {
          const cur = ctx.cursor(CATALOG_URI);
          cur.put(enc.encode(META_KEY), BSON.serialize(meta));
          for (const [db, name, entry] of changes) {
            if (entry === null) cur.remove(nsKey(db, name));
            else cur.put(nsKey(db, name), encodeEntry(entry));
          }
          const hooks = this.#hooks.hooks;
          if (change !== undefined && hooks?.active) {
            const scope = new CatalogScope(ctx);
            try {
              hooks.notify(change, {
                table: (t) => new WtTableTxn(scope, asWtTable(t)),
                commitAt: (ts) => commitTs = ts,
              });
            } finally {
              scope.end();
            }
          }
          const flush = this.#hooks.durable ? "sync=on" : undefined;
          ended = true;
          // the commit timestamp rides in the commit's own call, as every data write's does
          if (commitTs !== undefined) ctx.session.commitAt(commitTs, flush);
          else ctx.session.commit(undefined, flush);
        } catch (e) {
          if (!ended) ctx.session.rollback();
          throw e;
        }
      });
    } catch (e) {
      if (created.length > 0) this.#undoCreate(created);
      throw e;
    }
    this.#meta = meta;
    // internal bookkeeping (the sticky multikey flag, pending drops) is no change a reader can see
    if (change !== undefined && changes.length > 0) {
      this.#changing(
        changes.map(([db, name]) => [`${db}.${name}`, this.getCollection(db, name)] as const),
        commitTs,
      );
    }
    for (const [db, name, entry] of changes) {
      if (entry === null) this.#entries.delete(`${db}.${name}`);
      else this.#entries.set(`${db}.${name}`, entry);
      this.#indexEntry(db, name, entry);
    }
  }

  /** Drop tables whose catalog change did not commit (nobody can have used them); best effort. */
  #undoCreate(idents: readonly string[]): void {
    try {
      this.#withCtx((ctx) => {
        for (const ident of idents) this.#dropTable(ctx, ident);
      });
    } catch { /* an orphan is recycled when its ident comes up again (see the module comment) */ }
  }
}
