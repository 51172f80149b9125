/**
 * create: makes a collection explicitly. Options are validated and kept in the catalog; options whose
 * feature is not built yet (capped, validator, timeseries, clusteredIndex, viewOn) are refused with a
 * clear NotImplemented rather than silently accepted. An existing collection is 48 NamespaceExists.
 */
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool, doc, int, optional, type Parsed, parseShape, type Reader, shape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName, validateDbName } from "../params/names.ts";

/**
 * An option whose feature is not built yet: `false` is accepted (and kept, as given); anything else
 * is 238 NotImplemented.
 */
const notYet: Reader<false> = (v, path) => {
  if (v === false) return false;
  const option = path.slice(path.lastIndexOf(".") + 1);
  throw new CommandError("NotImplemented", `create option '${option}' is not supported yet by SecantusDB`);
};

/** mongod's `IndexOptionDefaults` (a strict struct). */
const INDEX_OPTION_DEFAULTS = { storageEngine: optional(doc) } as const;

const FIELDS = {
  capped: optional(notYet),
  size: optional(notYet),
  max: optional(notYet),
  validator: optional(notYet),
  validationLevel: optional(notYet),
  validationAction: optional(notYet),
  timeseries: optional(notYet),
  clusteredIndex: optional(notYet),
  viewOn: optional(notYet),
  pipeline: optional(notYet),
  changeStreamPreAndPostImages: optional(notYet),
  expireAfterSeconds: optional(notYet),
  encryptedFields: optional(notYet),
  collation: optional(doc),
  storageEngine: optional(doc),
  indexOptionDefaults: optional(shape(INDEX_OPTION_DEFAULTS)),
  autoIndexId: optional(bool),
  flags: optional(int),
  idIndex: optional(doc),
} as const;

/** The parsed options in body order: what the catalog stores and listCollections shows. */
export type CreateOptions = Parsed<typeof FIELDS>;

export interface CreateParams {
  readonly collection: string;
  readonly options: CreateOptions;
}

export function parseCreate(body: Doc): CreateParams {
  return {
    options: parseShape("create", body, FIELDS, { skip: "create", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("create", body),
  };
}

function run(ctx: RequestContext<CreateParams>): Doc {
  const name = ctx.params.collection;
  validateDbName(ctx.db);
  try {
    ctx.storage.catalog.createCollection(ctx.db, name, { ...ctx.params.options });
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      throw new CommandError("NamespaceExists", `Collection ${ctx.db}.${name} already exists.`);
    }
    throw e;
  }
  return { ok: 1 };
}

export const create = defineCommand<CreateParams>({
  name: "create",
  help: "creates a collection: {create: <name>, ...options}",
  auth: "createCollection",
  parse: parseCreate,
  run,
});
