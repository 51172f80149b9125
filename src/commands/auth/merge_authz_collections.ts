/**
 * _mergeAuthzCollections: mongod's internal command for mongorestore, `{_mergeAuthzCollections: 1,
 * tempUsersCollection: "admin.tempusers", tempRolesCollection: "admin.temproles", db, drop}`.
 * mongorestore loads a dump's `system.users` / `system.roles` into the temporary collections, then
 * asks the server to merge them into admin.system.users / admin.system.roles (it never writes those
 * directly). As mongod 8.0 does:
 * - only the users / roles of `db` are taken (`db: ""` = every database);
 * - without `drop`, each one is inserted, and one that already exists is kept as it is (a warning is
 *   logged, the command goes on — mongod matches mongorestore's continue-on-failure);
 * - with `drop`, existing ones of the same name are replaced, new ones inserted, and those in scope
 *   that the temporary collection does not hold are removed afterwards (never all first, so the
 *   caller is not locked out in between);
 * - at least one of the temporary collections must be named (2 BadValue), admin database only (13);
 * - the auth schema document is (re)written, and the users' privileges apply at their next command.
 * Privileges: createUser, createRole, grantRole, revokeRole (+ dropUser, dropRole with `drop`) on
 * every normal resource, and `find` on each temporary collection (required_privileges.ts).
 */
import { CommandError } from "../../errors/command_error.ts";
import { decodeDocument } from "../../bson/decode.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, optional, parseShape, required, str } from "../params/schema.ts";
import { type AuthStore, key, type RoleDoc, type UserDoc } from "../../auth/store.ts";
import type { StorageEngine } from "../../storage/api.ts";

const NAME = "_mergeAuthzCollections";
const FIELDS = {
  tempUsersCollection: optional(str),
  tempRolesCollection: optional(str),
  db: required(str),
  drop: optional(bool),
} as const;

export interface MergeAuthzParams {
  readonly tempUsersCollection: string;
  readonly tempRolesCollection: string;
  readonly db: string;
  readonly drop: boolean;
}

function parse(body: Doc): MergeAuthzParams {
  const p = parseShape(NAME, body, FIELDS, { skip: NAME, alsoAccept: GENERIC_FIELDS });
  return {
    tempUsersCollection: p.tempUsersCollection ?? "",
    tempRolesCollection: p.tempRolesCollection ?? "",
    db: p.db,
    drop: p.drop ?? false,
  };
}

/** The documents of collection `ns` ("db.coll"); none when it does not exist. */
function readNamespace(storage: StorageEngine, ns: string): Doc[] {
  const dot = ns.indexOf(".");
  if (dot <= 0) throw new CommandError("InvalidNamespace", `Invalid namespace specified '${ns}'`);
  const coll = storage.catalog.getCollection(ns.slice(0, dot), ns.slice(dot + 1));
  if (!coll) return [];
  return storage.read((txn) => [...txn.scan(coll)].map((r) => decodeDocument(r.bytes)));
}

/** `field` of an authorization document as a string (mongod's bsonExtractStringField errors). */
function nameField(d: Doc, field: string): string {
  const v = d[field];
  if (v === undefined) throw new CommandError("NoSuchKey", `Missing expected field "${field}"`);
  if (typeof v !== "string") {
    throw new CommandError("TypeMismatch", `"${field}" had the wrong type. Expected string`);
  }
  return v;
}

interface Outcome {
  inserted: number;
  updated: number;
  removed: number;
  skipped: number;
}

/** Merges one kind (users or roles) from the temporary collection `ns` into the store. */
function mergeKind(
  ctx: RequestContext<MergeAuthzParams>,
  which: "users" | "roles",
  ns: string,
): Outcome {
  const store: AuthStore = ctx.auth.store;
  const { db, drop } = ctx.params;
  const nameKey = which === "users" ? "user" : "role";
  const existing = () =>
    which === "users" ? store.listUsers(db || undefined) : store.listRoles(db || undefined);
  const toDrop = new Set<string>(drop ? existing().map((d) => d._id) : []);
  const out: Outcome = { inserted: 0, updated: 0, removed: 0, skipped: 0 };
  for (const d of readNamespace(ctx.storage, ns)) {
    const name = nameField(d, nameKey);
    const ownerDb = nameField(d, "db");
    if (db !== "" && ownerDb !== db) continue;
    const id = key(ownerDb, name);
    const doc = { ...d, _id: id } as unknown as UserDoc | RoleDoc;
    try {
      if (drop && toDrop.has(id)) {
        store.replace(which, doc);
        out.updated++;
      } else {
        store.insert(which, doc);
        out.inserted++;
      }
    } catch (e) {
      // mongod logs and goes on (mongorestore's behaviour): an existing user stays as it is.
      out.skipped++;
      ctx.log.warning(
        `could not ${drop && toDrop.has(id) ? "update" : "insert"} ${nameKey} "${name}@${ownerDb}" ` +
          `during ${NAME}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    toDrop.delete(id);
  }
  out.removed = store.remove(which, [...toDrop]);
  return out;
}

function run(ctx: RequestContext<MergeAuthzParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${NAME} may only be run against the admin database.`);
  }
  const p = ctx.params;
  if (p.tempUsersCollection === "" && p.tempRolesCollection === "") {
    throw new CommandError(
      "BadValue",
      'Must provide at least one of "tempUsersCollection" and "tempRolescollection"',
    );
  }
  const scope = p.db === "" ? "every database" : `"${p.db}"`;
  if (p.tempUsersCollection !== "") {
    const o = mergeKind(ctx, "users", p.tempUsersCollection);
    ctx.log.info(
      `${NAME}: users of ${scope} from ${p.tempUsersCollection}: ${o.inserted} inserted, ${o.updated} ` +
        `replaced, ${o.removed} removed, ${o.skipped} kept as they were (conn #${ctx.client.connectionId})`,
    );
  }
  if (p.tempRolesCollection !== "") {
    const o = mergeKind(ctx, "roles", p.tempRolesCollection);
    ctx.log.info(
      `${NAME}: roles of ${scope} from ${p.tempRolesCollection}: ${o.inserted} inserted, ${o.updated} ` +
        `replaced, ${o.removed} removed, ${o.skipped} kept as they were (conn #${ctx.client.connectionId})`,
    );
  }
  ctx.auth.store.invalidate();
  return { ok: 1 };
}

export const mergeAuthzCollections = defineCommand<MergeAuthzParams>({
  name: NAME,
  help: "merges mongorestore's temporary users/roles collections into admin.system.users/roles",
  auth: "createUser",
  parse,
  run,
});
