/**
 * collMod: index options `hidden` and `expireAfterSeconds` (index named or given by key pattern).
 * Collection-level options (validator, …) are refused as not yet supported; an empty collMod is ok.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName } from "../params/readers.ts";
import { findCollection } from "../shared/namespace.ts";
import { MAX_TTL_SECONDS, sameKeyPattern } from "../../planner/index_spec.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("collMod", body);
  const coll = findCollection(ctx, name);
  if (!coll) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ctx.db}.${name}`);
  for (
    const k of [
      "validator",
      "validationLevel",
      "validationAction",
      "viewOn",
      "pipeline",
      "cappedSize",
      "cappedMax",
    ]
  ) {
    if (body[k] !== undefined) {
      throw new CommandError("NotImplemented", `collMod option '${k}' is not supported yet`);
    }
  }
  const spec = body["index"];
  if (spec === undefined) return { ok: 1 };
  if (!isDocument(spec)) {
    throw new CommandError("TypeMismatch", "BSON field 'collMod.index' is the wrong type");
  }
  const byName = spec["name"];
  const byKey = spec["keyPattern"];
  const ix = typeof byName === "string"
    ? coll.indexes.find((i) => i.name === byName)
    : isDocument(byKey)
    ? coll.indexes.find((i) => sameKeyPattern(i.spec["key"] as Doc, byKey))
    : undefined;
  if (byName === undefined && byKey === undefined) {
    throw new CommandError("InvalidOptions", "must specify either index name or key pattern for collMod");
  }
  if (!ix) {
    throw new CommandError(
      "IndexNotFound",
      `cannot find index ${String(byName ?? JSON.stringify(byKey))} for ns ${ctx.db}.${name}`,
    );
  }
  const hidden = spec["hidden"];
  const ttl = spec["expireAfterSeconds"];
  if (
    hidden === undefined && ttl === undefined && spec["unique"] === undefined &&
    spec["prepareUnique"] === undefined
  ) {
    throw new CommandError("InvalidOptions", "no expireAfterSeconds or hidden field");
  }
  const next: Doc = { ...ix.spec };
  const reply: Doc = {};
  if (hidden !== undefined) {
    if (typeof hidden !== "boolean") {
      throw new CommandError("TypeMismatch", "collMod.index.hidden must be a boolean");
    }
    if (ix.name === "_id_") throw new CommandError("BadValue", "can't hide _id index");
    reply["hidden_old"] = ix.spec["hidden"] === true;
    reply["hidden_new"] = hidden;
    if (hidden) next["hidden"] = true;
    else delete next["hidden"];
  }
  if (ttl !== undefined) {
    const n = Number(ttl);
    if (typeof ttl === "boolean" || !Number.isFinite(n)) {
      throw new CommandError("TypeMismatch", "collMod.index.expireAfterSeconds must be a number");
    }
    if (n < 0 || n > MAX_TTL_SECONDS) {
      throw new CommandError(
        "InvalidOptions",
        "TTL index 'expireAfterSeconds' option must be within an acceptable range",
      );
    }
    if (ix.spec["expireAfterSeconds"] === undefined) {
      throw new CommandError("InvalidOptions", "no expireAfterSeconds field to update");
    }
    reply["expireAfterSeconds_old"] = ix.spec["expireAfterSeconds"];
    reply["expireAfterSeconds_new"] = ttl;
    next["expireAfterSeconds"] = ttl;
  }
  const updated = ctx.storage.catalog.updateIndex(ctx.db, name, ix.name, { spec: next });
  resetIndexUsage(updated, ix.name); // mongod: modifying an index resets its statistics
  return { ...reply, ok: 1 };
}

export const collMod: LegacyCommandSpec = {
  name: "collMod",
  help:
    "changes collection/index options: {collMod: <coll>, index: {name | keyPattern, hidden, expireAfterSeconds}}",
  auth: "createCollection",
  fields: {
    index: "optional",
    validator: "optional",
    validationLevel: "optional",
    validationAction: "optional",
    viewOn: "optional",
    pipeline: "optional",
    cappedSize: "optional",
    cappedMax: "optional",
    changeStreamPreAndPostImages: "ignored",
    dryRun: "ignored",
  },
  run,
};
