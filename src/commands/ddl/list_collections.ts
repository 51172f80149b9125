/**
 * listCollections: the collections of the request's database as a cursor, mongod's shape
 * ({name, type: "collection", options, info: {readOnly, uuid}, idIndex}), with `filter`, `nameOnly`
 * and `authorizedCollections`.
 */
import { Binary, BSON } from "bson";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { optBool, optDoc } from "../params/readers.ts";
import { compileFilter } from "../../engine/mod.ts";

function run(ctx: CommandContext, body: Doc): Reply {
  const nameOnly = optBool("listCollections", body, "nameOnly") ?? false;
  const filter = optDoc("listCollections", body, "filter");
  const matcher = filter && Object.keys(filter).length > 0 ? compileFilter(filter) : null;
  const docs: Uint8Array[] = [];
  for (const c of ctx.storage.catalog.listCollections(ctx.db)) {
    const full: Doc = {
      name: c.name,
      type: "collection",
      options: c.options,
      info: { readOnly: false, uuid: new Binary(c.uuid, Binary.SUBTYPE_UUID) },
      idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
    };
    if (matcher && !matcher.matches(full)) continue;
    docs.push(BSON.serialize(nameOnly ? { name: c.name, type: "collection" } : full));
  }
  return encodeCursorReply({ id: 0n, ns: `${ctx.db}.$cmd.listCollections`, batchKey: "firstBatch", docs });
}

export const listCollections: LegacyCommandSpec = {
  name: "listCollections",
  help: "lists collections of the current database",
  auth: "listCollections",
  fields: {
    filter: "optional",
    nameOnly: "optional",
    authorizedCollections: "ignored",
    cursor: "ignored",
    includePendingDrops: "ignored",
  },
  run,
};
