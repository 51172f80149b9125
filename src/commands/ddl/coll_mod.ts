/**
 * collMod: index options `hidden` and `expireAfterSeconds` (index named or given by key pattern).
 * Collection-level options (validator, …) are refused as not yet supported; an empty collMod is ok.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  bool,
  doc,
  ignored,
  num,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  shape,
  str,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { MAX_TTL_SECONDS, sameKeyPattern } from "../../planner/index_spec.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";

/** A collection option whose feature is not built yet: present (any value) → 238 NotImplemented. */
const notYet: Reader<never> = (_v, path) => {
  const option = path.slice(path.lastIndexOf(".") + 1);
  throw new CommandError("NotImplemented", `collMod option '${option}' is not supported yet`);
};

/** mongod's `CollModIndex` (a strict struct: another field is 40415 `collMod.index.<field>`). */
const INDEX = {
  name: optional(str),
  keyPattern: optional(doc),
  hidden: optional(bool),
  expireAfterSeconds: optional(num),
  unique: optional(bool),
  prepareUnique: optional(bool),
  forceNonUnique: optional(bool),
} as const;

export type CollModIndex = Parsed<typeof INDEX>;

const FIELDS = {
  index: optional(shape(INDEX)),
  validator: optional(notYet),
  validationLevel: optional(notYet),
  validationAction: optional(notYet),
  viewOn: optional(notYet),
  pipeline: optional(notYet),
  cappedSize: optional(notYet),
  cappedMax: optional(notYet),
  changeStreamPreAndPostImages: ignored,
  dryRun: ignored,
} as const;

export type CollModParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseCollMod(body: Doc): CollModParams {
  return {
    ...parseShape("collMod", body, FIELDS, { skip: "collMod", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("collMod", body),
  };
}

function run(ctx: RequestContext<CollModParams>): Doc {
  const name = ctx.params.collection;
  const coll = findCollection(ctx, name);
  if (!coll) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ctx.db}.${name}`);
  const spec = ctx.params.index;
  if (spec === undefined) return { ok: 1 };
  const byName = spec.name;
  const byKey = spec.keyPattern;
  const ix = byName !== undefined
    ? coll.indexes.find((i) => i.name === byName)
    : byKey !== undefined
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
  const hidden = spec.hidden;
  const ttl = spec.expireAfterSeconds;
  if (
    hidden === undefined && ttl === undefined && spec.unique === undefined &&
    spec.prepareUnique === undefined
  ) {
    throw new CommandError("InvalidOptions", "no expireAfterSeconds or hidden field");
  }
  const next: Doc = { ...ix.spec };
  const reply: Doc = {};
  if (hidden !== undefined) {
    if (ix.name === "_id_") throw new CommandError("BadValue", "can't hide _id index");
    reply["hidden_old"] = ix.spec["hidden"] === true;
    reply["hidden_new"] = hidden;
    if (hidden) next["hidden"] = true;
    else delete next["hidden"];
  }
  if (ttl !== undefined) {
    if (!Number.isFinite(ttl)) {
      throw new CommandError("TypeMismatch", "collMod.index.expireAfterSeconds must be a number");
    }
    if (ttl < 0 || ttl > MAX_TTL_SECONDS) {
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

export const collMod = defineCommand<CollModParams>({
  name: "collMod",
  help:
    "changes collection/index options: {collMod: <coll>, index: {name | keyPattern, hidden, expireAfterSeconds}}",
  auth: "createCollection",
  parse: parseCollMod,
  run,
});
