/**
 * Users and roles, kept as mongod keeps them: one document per user in `admin.system.users`
 * (`_id: "<db>.<user>"`, `userId` UUID, `user`, `db`, `credentials`, `roles`, `customData`,
 * `authenticationRestrictions`) and one per custom role in `admin.system.roles` (`_id:
 * "<db>.<role>"`, `role`, `db`, `privileges`, `roles`, `authenticationRestrictions`), written
 * through the storage API only — so they are in backups and, once the oplog exists, in it, as on
 * mongod. Reads come from an in-memory copy that is dropped whenever either collection changes
 * (a write hook sees every change, whoever makes it), so a change applies to connected users at
 * their next command.
 */
import { BSON } from "bson";
import type { CollectionEntry, IndexKeys, StorageEngine, WriteTxn } from "../storage/api.ts";
import { decodeDocument } from "../bson/decode.ts";
import type { RoleName } from "./builtin_roles.ts";
import type { Privilege } from "./privileges.ts";
import type { ScramCredential, ScramMechanism } from "./scram.ts";

export const AUTH_DB = "admin";
export const USERS_COLLECTION = "system.users";
export const ROLES_COLLECTION = "system.roles";
/** mongod's server configuration collection; holds the auth schema document. */
export const VERSION_COLLECTION = "system.version";
/** `{_id: "authSchema", currentVersion: 5}`: mongod's SCRAM-era schema, what mongorestore checks for. */
export const AUTH_SCHEMA_ID = "authSchema";
export const AUTH_SCHEMA_VERSION = 5;

type Doc = Record<string, unknown>;

export interface UserCredentials {
  readonly "SCRAM-SHA-1"?: ScramCredential;
  readonly "SCRAM-SHA-256"?: ScramCredential;
  /** `$external` users (MONGODB-X509) have no password. */
  readonly external?: boolean;
}

export interface UserDoc {
  readonly _id: string;
  readonly userId: unknown;
  readonly user: string;
  readonly db: string;
  readonly credentials: UserCredentials;
  readonly roles: readonly RoleName[];
  readonly customData?: Doc;
  readonly authenticationRestrictions?: readonly Doc[];
}

export interface RoleDoc {
  readonly _id: string;
  readonly role: string;
  readonly db: string;
  readonly privileges: readonly Privilege[];
  readonly roles: readonly RoleName[];
  readonly authenticationRestrictions?: readonly Doc[];
}

/** Index keys of a document in a collection (the composition root passes the executor's). */
export type KeysOf = (coll: CollectionEntry, doc: Doc) => IndexKeys;

interface Loaded {
  readonly users: Map<string, { doc: UserDoc; rid: bigint }>;
  readonly roles: Map<string, { doc: RoleDoc; rid: bigint }>;
}

export function userMechanisms(u: UserDoc): ScramMechanism[] {
  const out: ScramMechanism[] = [];
  if (u.credentials["SCRAM-SHA-1"]) out.push("SCRAM-SHA-1");
  if (u.credentials["SCRAM-SHA-256"]) out.push("SCRAM-SHA-256");
  return out;
}

export class AuthStore {
  readonly #storage: StorageEngine;
  readonly #keysOf: KeysOf;
  #cache: Loaded | undefined;
  /** Bumped whenever users or roles may have changed (for callers that cache derived data). */
  generation = 0;

  constructor(storage: StorageEngine, keysOf: KeysOf) {
    this.#storage = storage;
    this.#keysOf = keysOf;
    storage.addWriteHook({
      onChange: (change) => {
        const touched = "coll" in change
          ? change.coll.db === AUTH_DB && isAuthCollection(change.coll.name)
          : change.op === "renameCollection"
          ? [change.from, change.to].some((c) => c.db === AUTH_DB && isAuthCollection(c.name))
          : change.db === AUTH_DB;
        if (touched) this.invalidate();
      },
    });
  }

  /** Told at each invalidation (inside the write that changes users or roles, before it commits). */
  readonly #invalidated = new Set<() => void>();

  invalidate(): void {
    this.#cache = undefined;
    this.generation++;
    for (const fn of this.#invalidated) fn();
  }

  /** `fn` at every invalidation; returns a function that unregisters it. */
  onInvalidate(fn: () => void): () => void {
    this.#invalidated.add(fn);
    return () => this.#invalidated.delete(fn);
  }

  #load(): Loaded {
    if (this.#cache) return this.#cache;
    const users = new Map<string, { doc: UserDoc; rid: bigint }>();
    const roles = new Map<string, { doc: RoleDoc; rid: bigint }>();
    this.#storage.read((txn) => {
      const u = this.#storage.catalog.getCollection(AUTH_DB, USERS_COLLECTION);
      if (u) {
        for (const r of txn.scan(u)) {
          const doc = decodeDocument(r.bytes) as unknown as UserDoc;
          if (typeof doc.user === "string" && typeof doc.db === "string") {
            users.set(key(doc.db, doc.user), { doc, rid: r.rid });
          }
        }
      }
      const ro = this.#storage.catalog.getCollection(AUTH_DB, ROLES_COLLECTION);
      if (ro) {
        for (const r of txn.scan(ro)) {
          const doc = decodeDocument(r.bytes) as unknown as RoleDoc;
          if (typeof doc.role === "string" && typeof doc.db === "string") {
            roles.set(key(doc.db, doc.role), { doc, rid: r.rid });
          }
        }
      }
    });
    this.#cache = { users, roles };
    return this.#cache;
  }

  getUser(db: string, user: string): UserDoc | undefined {
    return this.#load().users.get(key(db, user))?.doc;
  }

  hasAnyUser(): boolean {
    return this.#load().users.size > 0;
  }

  /** Users of `db` (every database when undefined), sorted by `_id`. */
  listUsers(db?: string): UserDoc[] {
    return [...this.#load().users.values()].map((e) => e.doc).filter((u) => db === undefined || u.db === db)
      .sort((a, b) => a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
  }

  getRole(db: string, role: string): RoleDoc | undefined {
    return this.#load().roles.get(key(db, role))?.doc;
  }

  listRoles(db?: string): RoleDoc[] {
    return [...this.#load().roles.values()].map((e) => e.doc).filter((r) => db === undefined || r.db === db)
      .sort((a, b) => a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
  }

  #collection(name: string): CollectionEntry {
    const c = this.#storage.catalog.getCollection(AUTH_DB, name);
    if (c) return c;
    this.#storage.catalog.createCollection(AUTH_DB, name);
    const index = name === USERS_COLLECTION
      ? { name: "user_1_db_1", key: { user: 1, db: 1 } }
      : { name: "role_1_db_1", key: { role: 1, db: 1 } };
    return this.#storage.catalog.createIndex(AUTH_DB, name, {
      name: index.name,
      spec: { v: 2, key: index.key, name: index.name, unique: true },
      unique: true,
    });
  }

  /**
   * Writes `{_id: "authSchema", currentVersion: 5}` into admin.system.version when it is missing or
   * different, in the transaction of a user/role change — as mongod's user-management commands do
   * (writeAuthSchemaVersionIfNeeded), so mongodump carries it and mongorestore accepts the users.
   */
  #writeAuthSchema(txn: WriteTxn, version: CollectionEntry): void {
    for (const r of txn.scan(version)) {
      const d = decodeDocument(r.bytes);
      if (d["_id"] !== AUTH_SCHEMA_ID) continue;
      if (d["currentVersion"] === AUTH_SCHEMA_VERSION) return;
      const next = { ...d, currentVersion: AUTH_SCHEMA_VERSION };
      txn.update(version, r.rid, BSON.serialize(next), this.#keysOf(version, d), this.#keysOf(version, next));
      return;
    }
    const doc = { _id: AUTH_SCHEMA_ID, currentVersion: AUTH_SCHEMA_VERSION };
    txn.insert(version, BSON.serialize(doc), this.#keysOf(version, doc));
  }

  #versionCollection(): CollectionEntry {
    return this.#storage.catalog.getCollection(AUTH_DB, VERSION_COLLECTION) ??
      this.#storage.catalog.createCollection(AUTH_DB, VERSION_COLLECTION);
  }

  /** Inserts a user or role document (StorageError DuplicateKey when it exists). */
  insert(which: "users" | "roles", doc: UserDoc | RoleDoc): void {
    const coll = this.#collection(which === "users" ? USERS_COLLECTION : ROLES_COLLECTION);
    const version = this.#versionCollection();
    const plain = doc as unknown as Doc;
    try {
      this.#storage.write((txn) => {
        txn.insert(coll, BSON.serialize(plain), this.#keysOf(coll, plain));
        this.#writeAuthSchema(txn, version);
      }, { syncNow: true });
    } finally {
      this.invalidate();
    }
  }

  /** Replaces the stored document with the same `_id`; false when there is none. */
  replace(which: "users" | "roles", doc: UserDoc | RoleDoc): boolean {
    const loaded = this.#load();
    const entry = which === "users" ? loaded.users.get(doc._id) : loaded.roles.get(doc._id);
    if (!entry) return false;
    const coll = this.#collection(which === "users" ? USERS_COLLECTION : ROLES_COLLECTION);
    const version = this.#versionCollection();
    const plain = doc as unknown as Doc;
    try {
      this.#storage.write((txn) => {
        const before = txn.get(coll, entry.rid);
        if (!before) return;
        const oldKeys = this.#keysOf(coll, decodeDocument(before));
        txn.update(coll, entry.rid, BSON.serialize(plain), oldKeys, this.#keysOf(coll, plain));
        this.#writeAuthSchema(txn, version);
      }, { syncNow: true });
    } finally {
      this.invalidate();
    }
    return true;
  }

  /** Removes documents by `_id`; returns how many were removed. */
  remove(which: "users" | "roles", ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    const loaded = this.#load();
    const coll = this.#storage.catalog.getCollection(
      AUTH_DB,
      which === "users" ? USERS_COLLECTION : ROLES_COLLECTION,
    );
    if (!coll) return 0;
    const version = this.#versionCollection();
    let n = 0;
    try {
      this.#storage.write((txn) => {
        this.#writeAuthSchema(txn, version);
        for (const id of ids) {
          const entry = which === "users" ? loaded.users.get(id) : loaded.roles.get(id);
          if (!entry) continue;
          const before = txn.get(coll, entry.rid);
          if (!before) continue;
          txn.remove(coll, entry.rid, this.#keysOf(coll, decodeDocument(before)));
          n++;
        }
      }, { syncNow: true });
    } finally {
      this.invalidate();
    }
    return n;
  }
}

function isAuthCollection(name: string): boolean {
  return name === USERS_COLLECTION || name === ROLES_COLLECTION;
}

/** The `_id` of a user or role: `<db>.<name>`. */
export function key(db: string, name: string): string {
  return `${db}.${name}`;
}
