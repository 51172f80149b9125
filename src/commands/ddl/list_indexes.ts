/**
 * listIndexes: the stored index specs (`{v: 2, key, name, …options}`) as a cursor reply. Every
 * index comes back in the first batch unless `cursor.batchSize` asks for fewer (then getMore).
 */
import { refuseOnView } from "../shared/views.ts";
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { arrayCursorReply } from "../shared/array_cursor.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc, type Reply } from "../spec.ts";
import { bool, ignored, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { cursorOptions } from "./cursor_options.ts";

const FIELDS = {
  cursor: optional(cursorOptions),
  includeBuildUUIDs: optional(bool),
  includeIndexBuildInfo: optional(bool),
  rawData: ignored,
} as const;

export type ListIndexesParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseListIndexes(body: Doc): ListIndexesParams {
  return {
    ...parseShape("listIndexes", body, FIELDS, { skip: "listIndexes", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("listIndexes", body),
  };
}

function run(ctx: RequestContext<ListIndexesParams>): Promise<Reply> {
  const name = ctx.params.collection;
  const coll = findCollection(ctx, name);
  const ns = `${ctx.db}.${name}`;
  if (!coll) {
    refuseOnView(ctx.storage, ctx.db, name);
    throw new CommandError("NamespaceNotFound", `ns does not exist: ${ns}`);
  }
  // A time-series collection has no _id index to show (mongod: only the indexes created on it).
  const ts = coll.options["timeseries"] !== undefined;
  // as mongod 8.0 without includeIndexBuildInfo: an index being built is not listed yet
  const docs = coll.indexes.filter((i) => !(ts && i.name === "_id_") && !i.building).map((i) =>
    BSON.serialize(i.spec)
  );
  return arrayCursorReply(ctx, ns, docs, ctx.params.cursor?.batchSize);
}

export const listIndexes = defineCommand<ListIndexesParams>({
  name: "listIndexes",
  help: "lists a collection's indexes: {listIndexes: <coll>}",
  auth: "listIndexes",
  parse: parseListIndexes,
  run,
});
