/**
 * listCollections: the collections of the request's database as a cursor, mongod's shape
 * ({name, type: "collection", options, info: {readOnly, uuid}, idIndex}; time-series collections
 * as {name, type: "timeseries", options, info: {readOnly: false}}), then its views
 * ({name, type: "view", options: {viewOn, pipeline, collation?}, info: {readOnly: true}}), with `filter`, `nameOnly`
 * and `authorizedCollections`. Every collection comes back in the first batch unless
 * `cursor.batchSize` asks for fewer (the rest by getMore).
 */
import { Binary, BSON } from "bson";
import { arrayCursorReply } from "../shared/array_cursor.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc, type Reply } from "../spec.ts";
import { bool, doc, optional, type Parsed, parseShape, strictBool } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { compileFilter } from "../../engine/mod.ts";
import { hasAnyPrivilegeIn } from "../../auth/privileges.ts";
import { cursorOptions } from "./cursor_options.ts";
import { listViews } from "../shared/views.ts";

/** mongod's IDL: nameOnly and authorizedCollections are strict `bool`, includePendingDrops `safeBool`. */
const FIELDS = {
  filter: optional(doc),
  nameOnly: optional(strictBool),
  authorizedCollections: optional(strictBool),
  cursor: optional(cursorOptions),
  includePendingDrops: optional(bool),
} as const;

export type ListCollectionsParams = Parsed<typeof FIELDS>;

export function parseListCollections(body: Doc): ListCollectionsParams {
  return parseShape("listCollections", body, FIELDS, { skip: "listCollections", alsoAccept: GENERIC_FIELDS });
}

function run(ctx: RequestContext<ListCollectionsParams>): Promise<Reply> {
  const nameOnly = ctx.params.nameOnly ?? false;
  const filter = ctx.params.filter;
  const matcher = filter && Object.keys(filter).length > 0 ? compileFilter(filter) : null;
  const docs: Uint8Array[] = [];
  // authorizedCollections + nameOnly without listCollections: only collections the user holds
  // privileges on (dispatch let it through on that condition).
  const az = ctx.authorizer;
  const onlyAuthorized = az.enabled && ctx.params.authorizedCollections === true &&
    !az.isAuthorized(ctx.client, "listCollections", { kind: "database", db: ctx.db });
  const privileges = onlyAuthorized ? az.privileges(ctx.client) : [];
  for (const c of ctx.storage.catalog.listCollections(ctx.db)) {
    if (onlyAuthorized && !hasAnyPrivilegeIn(privileges, ctx.db, c.name)) continue;
    // A time-series collection is listed as mongod lists it: type "timeseries", no uuid, no idIndex.
    const ts = c.options["timeseries"] !== undefined;
    const type = ts ? "timeseries" : "collection";
    const idCollation = c.indexes.find((i) => i.name === "_id_")?.spec["collation"];
    const full: Doc = ts ? { name: c.name, type, options: c.options, info: { readOnly: false } } : {
      name: c.name,
      type,
      options: c.options,
      info: { readOnly: false, uuid: new Binary(c.uuid, Binary.SUBTYPE_UUID) },
      idIndex: { v: 2, key: { _id: 1 }, name: "_id_", ...(idCollation ? { collation: idCollation } : {}) },
    };
    if (matcher && !matcher.matches(full)) continue;
    docs.push(BSON.serialize(nameOnly ? { name: c.name, type } : full));
  }
  for (const v of listViews(ctx.storage, ctx.db)) {
    const full: Doc = {
      name: v.name,
      type: "view",
      options: { viewOn: v.viewOn, pipeline: v.pipeline, ...(v.collation ? { collation: v.collation } : {}) },
      info: { readOnly: true },
    };
    if (matcher && !matcher.matches(full)) continue;
    docs.push(BSON.serialize(nameOnly ? { name: v.name, type: "view" } : full));
  }
  if (ctx.db === "local" && ctx.oplog) {
    // The oplog is an internal table, listed as mongod lists it: a capped collection without _id index.
    const full: Doc = {
      name: "oplog.rs",
      type: "collection",
      options: { capped: true, size: ctx.oplog.retention.maxBytes ?? OPLOG_LISTED_SIZE, autoIndexId: false },
      info: { readOnly: false },
    };
    if (!matcher || matcher.matches(full)) {
      docs.push(BSON.serialize(nameOnly ? { name: "oplog.rs", type: "collection" } : full));
    }
  }
  return arrayCursorReply(ctx, `${ctx.db}.$cmd.listCollections`, docs, ctx.params.cursor?.batchSize);
}

/**
 * The size listCollections reports for local.oplog.rs when its retention is by time and count only (an
 * on-disk server); an in-memory server reports its byte cap (a quarter of the storage cache).
 */
const OPLOG_LISTED_SIZE = 1024 * 1024 * 1024;

export const listCollections = defineCommand<ListCollectionsParams>({
  name: "listCollections",
  help: "lists collections of the current database",
  auth: "listCollections",
  parse: parseListCollections,
  run,
});
