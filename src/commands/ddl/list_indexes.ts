/** listIndexes: the stored index specs (`{v: 2, key, name, …options}`) as a cursor reply. */
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { collectionName } from "../params/readers.ts";
import { findCollection } from "../shared/namespace.ts";

function run(ctx: CommandContext, body: Doc): Reply {
  const name = collectionName("listIndexes", body);
  const coll = findCollection(ctx, name);
  const ns = `${ctx.db}.${name}`;
  if (!coll) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ns}`);
  const docs = coll.indexes.map((i) => BSON.serialize(i.spec));
  return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs });
}

export const listIndexes: LegacyCommandSpec = {
  name: "listIndexes",
  help: "lists a collection's indexes: {listIndexes: <coll>}",
  auth: "listCollections",
  fields: {
    cursor: "ignored",
    includeBuildUUIDs: "ignored",
    includeIndexBuildInfo: "ignored",
    rawData: "ignored",
  },
  run,
};
