/**
 * create: makes a collection explicitly. Options are validated and kept in the catalog; options whose
 * feature is not built yet (capped, validator, timeseries, clusteredIndex, viewOn) are refused with a
 * clear NotImplemented rather than silently accepted. An existing collection is 48 NamespaceExists.
 */
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName, validateDbName } from "../params/readers.ts";

const NOT_YET = [
  "capped",
  "size",
  "max",
  "validator",
  "validationLevel",
  "validationAction",
  "timeseries",
  "clusteredIndex",
  "viewOn",
  "pipeline",
  "changeStreamPreAndPostImages",
  "expireAfterSeconds",
  "encryptedFields",
];

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("create", body);
  validateDbName(ctx.db);
  const options: Doc = {};
  for (const [k, v] of Object.entries(body).slice(1)) {
    if (
      k.startsWith("$") ||
      [
        "lsid",
        "txnNumber",
        "writeConcern",
        "comment",
        "autocommit",
        "startTransaction",
        "apiVersion",
        "apiStrict",
        "apiDeprecationErrors",
        "maxTimeMS",
        "readConcern",
      ].includes(k)
    ) continue;
    if (NOT_YET.includes(k) && v !== false && v !== undefined) {
      throw new CommandError("NotImplemented", `create option '${k}' is not supported yet by SecantusDB`);
    }
    options[k] = v;
  }
  try {
    ctx.storage.catalog.createCollection(ctx.db, name, options);
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      throw new CommandError("NamespaceExists", `Collection ${ctx.db}.${name} already exists.`);
    }
    throw e;
  }
  return { ok: 1 };
}

export const create: LegacyCommandSpec = {
  name: "create",
  help: "creates a collection: {create: <name>, ...options}",
  auth: "createCollection",
  fields: {
    capped: "optional",
    size: "optional",
    max: "optional",
    validator: "optional",
    validationLevel: "optional",
    validationAction: "optional",
    timeseries: "optional",
    clusteredIndex: "optional",
    viewOn: "optional",
    pipeline: "optional",
    collation: "optional",
    storageEngine: "optional",
    indexOptionDefaults: "optional",
    changeStreamPreAndPostImages: "optional",
    expireAfterSeconds: "optional",
    encryptedFields: "optional",
    autoIndexId: "ignored",
    flags: "ignored",
    idIndex: "ignored",
  },
  run,
};
