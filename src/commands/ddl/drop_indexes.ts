/**
 * dropIndexes: by name, by key pattern, by a list of names, or `"*"` (every index but `_id_`).
 * `_id_` cannot be dropped (72 InvalidOptions); a missing index is 27 IndexNotFound.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { ignored, type Parsed, parseShape, type Reader, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { wrongType } from "../params/errors.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";
import { sameKeyPattern, showSpec } from "../../planner/index_spec.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";

/** Which indexes: a name (`"*"` = all but `_id_`), a list of names, or a key pattern. */
export type IndexSelector = string | string[] | Doc;

/** mongod's IDL variant `[string, array<string>, object]`. */
const indexSelector: Reader<IndexSelector> = (v, path) => {
  if (typeof v === "string" || isDocument(v)) return v;
  if (Array.isArray(v)) {
    for (const n of v) {
      if (typeof n !== "string") {
        throw new CommandError("TypeMismatch", "dropIndexes index names must be strings");
      }
    }
    return v as string[];
  }
  throw wrongType(path, v, ["string", "object", "array"]);
};

const FIELDS = { index: required(indexSelector), rawData: ignored } as const;

export type DropIndexesParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseDropIndexes(body: Doc): DropIndexesParams {
  return {
    // The command key may be the alias (deleteIndexes); messages use the canonical name.
    ...parseShape("dropIndexes", body, FIELDS, {
      skip: Object.keys(body)[0] ?? "dropIndexes",
      alsoAccept: GENERIC_FIELDS,
    }),
    collection: collectionName("dropIndexes", body),
  };
}

function namesToDrop(coll: CollectionEntry, index: IndexSelector): string[] {
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
      if (n === "*") throw new CommandError("BadValue", "'*' cannot be used in a list of index names");
      out.push(...namesToDrop(coll, n));
    }
    return out;
  }
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

function run(ctx: RequestContext<DropIndexesParams>): Doc {
  const name = ctx.params.collection;
  const coll = findCollection(ctx, name);
  if (!coll) throw new CommandError("NamespaceNotFound", `ns not found ${ctx.db}.${name}`);
  const names = namesToDrop(coll, ctx.params.index);
  for (const n of names) {
    ctx.storage.catalog.dropIndex(ctx.db, name, n);
    resetIndexUsage(coll, n);
  }
  return { nIndexesWas: coll.indexes.length, ok: 1 };
}

export const dropIndexes = defineCommand<DropIndexesParams>({
  name: "dropIndexes",
  aliases: ["deleteIndexes"],
  help: "drops indexes: {dropIndexes: <coll>, index: <name | key pattern | [names] | '*'>}",
  auth: "dropIndex",
  parse: parseDropIndexes,
  run: afterTransactions(
    (ctx) => ({
      namespaces: [`${ctx.db}.${ctx.params.collection}`, `${ctx.db}.system.buckets.${ctx.params.collection}`],
    }),
    run,
  ),
});
