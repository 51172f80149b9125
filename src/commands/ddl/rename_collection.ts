/**
 * renameCollection: `{renameCollection: "db.from", to: "db2.to", dropTarget?, stayTemp?}`, run against
 * `admin` as on mongod. Same- and cross-database renames are one catalog change (record and index
 * tables are named by ident, not by namespace, so nothing is copied); indexes, options and the UUID
 * are kept. `dropTarget` drops an existing target first (a UUID value must name the target's UUID).
 * Cursors on the source are killed. Errors as mongod 8.0: 13 outside admin, 26 missing source, 48
 * existing target, 20 renaming onto itself or to/from a system collection, 166 renaming a view, 73
 * for an invalid namespace.
 */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, bool, optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { validateCollectionName, validateDbName } from "../params/names.ts";
import { typeName } from "../../bson/type_name.ts";
import { findView, SYSTEM_VIEWS } from "../shared/views.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";
import { isOplog } from "../shared/namespace.ts";

const FIELDS = {
  to: required(str),
  dropTarget: optional(any),
  stayTemp: optional(bool),
  collectionUUID: optional(any),
} as const;

export type RenameCollectionParams = Parsed<typeof FIELDS> & {
  readonly from: { readonly db: string; readonly coll: string };
  readonly target: { readonly db: string; readonly coll: string };
};

/** "db.coll" → parts, or 73 InvalidNamespace naming which side was bad. */
function splitNs(ns: string, side: "source" | "target"): { db: string; coll: string } {
  const dot = ns.indexOf(".");
  if (dot <= 0 || dot === ns.length - 1) {
    throw new CommandError("InvalidNamespace", `Invalid ${side} namespace: ${ns}`);
  }
  const db = ns.slice(0, dot);
  const coll = ns.slice(dot + 1);
  try {
    validateDbName(db);
    validateCollectionName(coll);
  } catch {
    throw new CommandError("InvalidNamespace", `Invalid ${side} namespace: ${ns}`);
  }
  return { db, coll };
}

export function parseRenameCollection(body: Doc): RenameCollectionParams {
  const p = parseShape("renameCollection", body, FIELDS, {
    skip: "renameCollection",
    alsoAccept: GENERIC_FIELDS,
  });
  const source = body["renameCollection"];
  if (typeof source !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'renameCollection.renameCollection' is the wrong type '${
        typeName(source)
      }', expected type 'string'`,
    );
  }
  const dt = p.dropTarget;
  if (
    dt !== undefined && typeof dt !== "boolean" && typeof dt !== "number" &&
    !(dt instanceof Binary && dt.sub_type === Binary.SUBTYPE_UUID)
  ) {
    throw new CommandError(
      "TypeMismatch",
      "'dropTarget' must be of type bool or UUID",
    );
  }
  return { ...p, from: splitNs(source, "source"), target: splitNs(p.to, "target") };
}

const isSystem = (coll: string): boolean => coll.startsWith("system.");

function sameUuid(a: Uint8Array, b: Binary): boolean {
  const bb = b.buffer.subarray(0, b.position);
  return a.length === bb.length && a.every((x, i) => x === bb[i]);
}

function run(ctx: RequestContext<RenameCollectionParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "renameCollection may only be run against the admin database.");
  }
  const { from, target } = ctx.params;
  const fromNs = `${from.db}.${from.coll}`;
  const toNs = `${target.db}.${target.coll}`;
  const catalog = ctx.storage.catalog;
  if (!ctx.info.standalone && isOplog(from.db, from.coll)) {
    throw new CommandError("IllegalOperation", "can't rename live oplog while replicating");
  }
  if (!ctx.info.standalone && isOplog(target.db, target.coll)) {
    throw new CommandError("IllegalOperation", "can't rename to live oplog while replicating");
  }
  if (isSystem(from.coll) && from.coll !== SYSTEM_VIEWS) {
    throw new CommandError("IllegalOperation", `error with source namespace: cannot write to '${fromNs}'`);
  }
  if (isSystem(target.coll)) {
    throw new CommandError("IllegalOperation", `error with target namespace: cannot write to '${toNs}'`);
  }
  const source = catalog.getCollection(from.db, from.coll);
  if (!source) {
    if (findView(ctx.storage, from.db, from.coll)) {
      throw new CommandError("CommandNotSupportedOnView", `cannot rename view: ${fromNs}`);
    }
    throw new CommandError("NamespaceNotFound", `Source collection ${fromNs} does not exist`);
  }
  if (source.options["timeseries"] !== undefined) {
    // mongod: a time-series collection is a view over its buckets; renaming it is refused.
    throw new CommandError("CommandNotSupportedOnView", `cannot rename view: ${fromNs}`);
  }
  if (fromNs === toNs) throw new CommandError("IllegalOperation", "Can't rename a collection to itself");
  const uuidWanted = ctx.params.collectionUUID;
  if (uuidWanted instanceof Binary && !sameUuid(source.uuid, uuidWanted)) {
    throw new CommandError(
      "CollectionUUIDMismatch",
      `Collection UUID does not match that specified`,
      { db: from.db, collectionUUID: uuidWanted, expectedCollection: from.coll, actualCollection: null },
    );
  }
  if (findView(ctx.storage, target.db, target.coll)) {
    throw new CommandError("NamespaceExists", `a view already exists with that name: ${toNs}`);
  }
  const existing = catalog.getCollection(target.db, target.coll);
  if (existing) {
    const dt = ctx.params.dropTarget;
    const drop = dt instanceof Binary ? true : dt === true || (typeof dt === "number" && dt !== 0);
    if (!drop) throw new CommandError("NamespaceExists", "target namespace exists");
    if (dt instanceof Binary && !sameUuid(existing.uuid, dt)) {
      throw new CommandError(
        "CollectionUUIDMismatch",
        `Cannot drop target collection ${toNs} because UUID does not match`,
      );
    }
    ctx.cursors.killNamespace(toNs);
    catalog.dropCollection(target.db, target.coll);
  }
  validateDbName(target.db);
  ctx.cursors.killNamespace(fromNs, false, "collection renamed");
  try {
    catalog.renameCollection(from.db, from.coll, target.db, target.coll);
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      throw new CommandError("NamespaceExists", "target namespace exists");
    }
    if (e instanceof StorageError && e.code === "NamespaceNotFound") {
      throw new CommandError("NamespaceNotFound", `Source collection ${fromNs} does not exist`);
    }
    throw e;
  }
  return { ok: 1 };
}

export const renameCollection = defineCommand<RenameCollectionParams>({
  name: "renameCollection",
  help: "renames a collection: {renameCollection: 'db.from', to: 'db.to', dropTarget: false} (admin db)",
  auth: "renameCollectionSameDB",
  parse: parseRenameCollection,
  run: afterTransactions(
    (ctx) => ({
      namespaces: [
        `${ctx.params.from.db}.${ctx.params.from.coll}`,
        `${ctx.params.target.db}.${ctx.params.target.coll}`,
      ],
    }),
    run,
  ),
});
