/**
 * dropIndexes: by name, by key pattern, by a list of names, or `"*"` (every index but `_id_`).
 * `_id_` cannot be dropped (72 InvalidOptions); a missing index is 27 IndexNotFound.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName } from "../params/readers.ts";
import { findCollection } from "../shared/namespace.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";
import { sameKeyPattern, showSpec } from "../../planner/index_spec.ts";

function namesToDrop(coll: CollectionEntry, index: unknown): string[] {
  if (index === "*") return coll.indexes.filter((i) => i.name !== "_id_").map((i) => i.name);
  if (typeof index === "string") {
    if (index === "_id_") throw new CommandError("InvalidOptions", "cannot drop _id index");
    if (!coll.indexes.some((i) => i.name === index)) {
      throw new CommandError("IndexNotFound", `index not found with name [${index}]`);
    }
    return [index];
  }
  if (Array.isArray(index)) {
    const out: string[] = [];
    for (const n of index) {
      if (typeof n !== "string") {
        throw new CommandError("TypeMismatch", "dropIndexes index names must be strings");
      }
      if (n === "*") throw new CommandError("BadValue", "'*' cannot be used in a list of index names");
      out.push(...namesToDrop(coll, n));
    }
    return out;
  }
  if (isDocument(index)) {
    const hits = coll.indexes.filter((i) => sameKeyPattern(i.spec["key"] as Doc, index));
    if (hits.length === 0) {
      throw new CommandError("IndexNotFound", `can't find index with key: ${showSpec(index)}`);
    }
    if (hits.length > 1) {
      throw new CommandError(
        "AmbiguousIndexKeyPattern",
        `${hits.length} indexes found for key: ${showSpec(index)}, identify by name instead.`,
      );
    }
    if (hits[0]!.name === "_id_") throw new CommandError("InvalidOptions", "cannot drop _id index");
    return [hits[0]!.name];
  }
  throw new CommandError(
    "TypeMismatch",
    "BSON field 'dropIndexes.index' is the wrong type, expected types '[string, object, array]'",
  );
}

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("dropIndexes", body);
  const coll = findCollection(ctx, name);
  if (!coll) throw new CommandError("NamespaceNotFound", `ns not found ${ctx.db}.${name}`);
  const names = namesToDrop(coll, body["index"]);
  for (const n of names) {
    ctx.storage.catalog.dropIndex(ctx.db, name, n);
    resetIndexUsage(coll, n);
  }
  return { nIndexesWas: coll.indexes.length, ok: 1 };
}

export const dropIndexes: LegacyCommandSpec = {
  name: "dropIndexes",
  aliases: ["deleteIndexes"],
  help: "drops indexes: {dropIndexes: <coll>, index: <name | key pattern | [names] | '*'>}",
  auth: "dropCollection",
  fields: { index: "required", rawData: "ignored" },
  run,
};
