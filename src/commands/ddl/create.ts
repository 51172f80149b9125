/**
 * create: makes a collection or a view explicitly. Options are validated and kept in the catalog as
 * given (listCollections shows them back): `collation`, `validator` / `validationLevel` /
 * `validationAction` (schema validation, checked on every write: commands/write/doc_validation.ts),
 * `changeStreamPreAndPostImages`, `clusteredIndex` (`{key: {_id: 1}, unique: true}` only: the `_id`
 * index takes its name and `clustered: true`; natural order is `_id` order, executor/clustered.ts)
 * with an optional `expireAfterSeconds` (documents expire by their `_id` date), storage options.
 * `viewOn` + `pipeline` (+ `collation`) define a view in `<db>.system.views`
 * (commands/shared/views.ts). `timeseries` (+ `expireAfterSeconds`) makes a time-series collection
 * (commands/shared/timeseries.ts). Options whose feature is not built yet (encryptedFields) are
 * refused with 238 NotImplemented
 * rather than silently accepted. Re-creating a collection or a view with identical options succeeds (mongod
 * 7.0+); with other options it is 48 NamespaceExists (inside a transaction, any existing collection is).
 */
import { UUID } from "bson";
import { jsHost } from "../../engine/js/host.ts";
import { CommandError } from "../../errors/command_error.ts";
import { createTimeseriesCollection, TIMESERIES_FIELDS } from "../shared/timeseries_create.ts";
import { refuseBucketsNamespace } from "../shared/timeseries.ts";
import { Location } from "../../errors/locations.ts";
import { showSpec, validateIndexSpec } from "../../planner/index_spec.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { refuseUserCreate } from "../shared/namespace.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  array,
  bool,
  doc,
  int,
  num,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  shape,
  str,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { cappedOptionsError } from "../../executor/capped.ts";
import { collectionName, validateDbName } from "../params/names.ts";
import {
  checkViewGraph,
  findView,
  insertView,
  referencedCollections,
  SYSTEM_VIEWS,
} from "../shared/views.ts";
import { compilePipeline, resolveCollation } from "../../engine/mod.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { collationIdentity } from "../../keys/collation_key.ts";
import { commitSync } from "../write/write_batch.ts";
import { checkValidatorOptions, validationAction, validationLevel } from "../write/doc_validation.ts";
import { checkStorageEngineOptions } from "../../storage/engine_options.ts";

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

/** mongod's `ChangeStreamPreAndPostImagesOptions`. */
const PRE_POST_IMAGES = { enabled: { rule: "required", read: bool } } as const;

/** Options a time-series collection may be created with (anything else: 72, mongod's words). */
const TIMESERIES_ALLOWED = new Set([
  "timeseries",
  "expireAfterSeconds",
  "storageEngine",
  "indexOptionDefaults",
  "collation",
]);

/** mongod's `ClusteredIndexSpec`. */
const CLUSTERED_INDEX = {
  key: { rule: "required", read: doc },
  unique: { rule: "required", read: bool },
  name: optional(str),
  v: optional(int),
} as const;

const FIELDS = {
  capped: optional(bool),
  size: optional(num),
  max: optional(num),
  validator: optional(doc),
  validationLevel: optional(validationLevel),
  validationAction: optional(validationAction),
  timeseries: optional(shape(TIMESERIES_FIELDS)),
  clusteredIndex: optional(shape(CLUSTERED_INDEX)),
  viewOn: optional(str),
  pipeline: optional(array),
  changeStreamPreAndPostImages: optional(shape(PRE_POST_IMAGES)),
  expireAfterSeconds: optional(int),
  encryptedFields: optional(notYet),
  collation: optional(doc),
  storageEngine: optional(doc),
  indexOptionDefaults: optional(shape(INDEX_OPTION_DEFAULTS)),
  autoIndexId: optional(bool),
  flags: optional(int),
  idIndex: optional(doc),
  /** mongod's internal temporary-collection flag ($out / mapReduce); kept and listed as given. */
  temp: optional(bool),
} as const;

/** The parsed options in body order: what the catalog stores and listCollections shows. */
export type CreateOptions = Parsed<typeof FIELDS>;

export interface CreateParams {
  readonly collection: string;
  readonly options: CreateOptions;
}

/** Options a view accepts besides viewOn / pipeline / collation (mongod: InvalidOptions otherwise). */
const VIEW_OPTIONS = new Set(["viewOn", "pipeline", "collation"]);

export function parseCreate(body: Doc): CreateParams {
  const options = parseShape("create", body, FIELDS, { skip: "create", alsoAccept: GENERIC_FIELDS });
  const collection = collectionName("create", body);
  if (options.storageEngine !== undefined) checkStorageEngineOptions(options.storageEngine);
  const defaults = options.indexOptionDefaults?.storageEngine;
  if (defaults !== undefined) checkStorageEngineOptions(defaults);
  if (options.pipeline !== undefined && options.viewOn === undefined) {
    throw new CommandError("BadValue", "'pipeline' requires 'viewOn' to also be specified");
  }
  if (options.viewOn !== undefined) {
    for (const k of Object.keys(options)) {
      if (!VIEW_OPTIONS.has(k)) {
        throw new CommandError("InvalidOptions", `option not supported on a view: ${k}`);
      }
    }
    for (const stage of options.pipeline ?? []) {
      if (stage === null || typeof stage !== "object" || Array.isArray(stage)) {
        throw new CommandError("InvalidViewDefinition", "View pipeline must be an array of objects");
      }
    }
  }
  if (options.clusteredIndex !== undefined) checkClusteredIndex(options);
  if (options.expireAfterSeconds !== undefined) {
    if (options.clusteredIndex === undefined && options.timeseries === undefined) {
      throw new CommandError(
        "InvalidOptions",
        "'expireAfterSeconds' is only supported on time-series collections or when the 'clusteredIndex' option is specified",
      );
    }
    checkCollectionTtl(options.expireAfterSeconds);
  }
  if (options.validator !== undefined || options.validationLevel !== undefined) {
    checkValidatorOptions(options.validator);
  }
  // mongod's CollectionOptions::parse (a query's `collation: {}` means none; a collection's cannot be empty)
  if (options.collation !== undefined && Object.keys(options.collation).length === 0) {
    throw new CommandError("BadValue", "'collation' cannot be an empty document.");
  }
  if (options.idIndex !== undefined) checkIdIndex(options);
  // The _id index takes the collection's collation (storage/wiredtiger/catalog.ts); an idIndex naming
  // another one is refused, as mongod.
  const idCollation = options.idIndex?.["collation"];
  if (idCollation !== undefined && idCollation !== null && typeof idCollation === "object") {
    const wanted = collationIdentity(resolveCollation(idCollation as Doc));
    const given = options.collation === undefined
      ? undefined
      : collationIdentity(resolveCollation(options.collation));
    if (wanted !== given) {
      throw new CommandError("BadValue", "'idIndex' must have the same collation as the collection.");
    }
  }
  // Stored (and listed) as the full spec ICU resolves, as mongod does; the simple collation as none.
  if (options.collation !== undefined) {
    const full = resolveCollation(options.collation);
    const kept = Object.entries(options).flatMap(([k, v]) =>
      k !== "collation" ? [[k, v]] : full === undefined ? [] : [[k, full]]
    );
    return { options: Object.fromEntries(kept) as typeof options, collection };
  }
  return { options, collection };
}

/** The fields an `idIndex` may have (mongod's allowedIdIndexFieldNames). */
const ID_INDEX_FIELDS = new Set(["v", "key", "name", "ns", "collation"]);

/**
 * mongod's create-command checks of `idIndex`: not with `autoIndexId` (72), an index specification
 * (validateIndexSpec's codes), of `{_id: 1}` (2) with only the _id index's fields (197). Its name is
 * always "_id_" and its `v` is kept (catalog.ts).
 */
function checkIdIndex(o: CreateOptions): void {
  const spec = o.idIndex!;
  if (o.autoIndexId !== undefined) {
    throw new CommandError(
      "InvalidOptions",
      `'idIndex' is not allowed with 'autoIndexId': ${showSpec(spec)}`,
    );
  }
  const onlyIdFields = () => {
    for (const f of Object.keys(spec)) {
      if (!ID_INDEX_FIELDS.has(f)) {
        throw new CommandError(
          "InvalidIndexSpecificationOption",
          `The field '${f}' is not valid for an _id index specification. Specification: ${showSpec(spec)}`,
        );
      }
    }
  };
  // (mongod checks the fields after the general spec checks, which do not refuse a sparse _id index)
  if (spec["key"] !== undefined && spec["name"] !== undefined) onlyIdFields();
  validateIndexSpec(spec, () => {}, resolveCollation);
  onlyIdFields();
  const key = spec["key"] as Doc;
  if (Object.keys(key).length !== 1 || !valuesEqual(key["_id"], 1)) {
    throw new CommandError(
      "BadValue",
      `The field 'key' for an _id index must be {_id: 1}, but got ${showSpec(key)}`,
    );
  }
}

/** mongod's checks of a collection-level TTL (clustered or time-series: seconds, at most "now"). */
export function checkCollectionTtl(seconds: number): void {
  if (seconds < 0) {
    throw new CommandError("InvalidOptions", "TTL index 'expireAfterSeconds' option cannot be less than 0");
  }
  if (seconds * 1000 > Date.now()) {
    throw new CommandError(
      "InvalidOptions",
      "TTL index 'expireAfterSeconds' option must be within an acceptable range, try a lower number",
    );
  }
}

/** mongod's validateClusteredIndexSpec (+ the options it may not be combined with). */
function checkClusteredIndex(o: CreateOptions): void {
  const ci = o.clusteredIndex!;
  if (o.idIndex !== undefined && Object.keys(o.idIndex).length > 0) {
    throw new CommandError(
      "InvalidOptions",
      "The 'clusteredIndex' option is not supported with the 'idIndex' option",
    );
  }
  if (o.autoIndexId === false) {
    throw new CommandError(
      Location.ClusteredIndexNoAutoIndexId,
      "The 'clusteredIndex' option does not support {autoIndexId: false}",
    );
  }
  if (!ci.unique) {
    throw new CommandError(
      Location.ClusteredIndexNotUnique,
      "The clusteredIndex option requires unique: true to be specified",
    );
  }
  const keys = Object.keys(ci.key);
  if (keys.length !== 1 || keys[0] !== "_id" || ci.key["_id"] !== 1) {
    throw new CommandError(
      "InvalidIndexSpecificationOption",
      "The clusteredIndex option is only supported for key: {_id: 1}",
    );
  }
  if (ci.v !== undefined && ci.v !== 2) {
    throw new CommandError(
      Location.ClusteredIndexBadVersion,
      `Invalid clusteredIndex specification ${showSpec(ci)}; cannot create a clusteredIndex with v=${ci.v}`,
    );
  }
}

function runCreateView(ctx: RequestContext<CreateParams>): Doc {
  const name = ctx.params.collection;
  const o = ctx.params.options;
  const viewOn = o.viewOn!;
  const pipeline = (o.pipeline ?? []) as Doc[];
  if (name.startsWith("system.")) {
    throw new CommandError(
      "InvalidNamespace",
      name === "views" || name === SYSTEM_VIEWS
        ? `Cannot create a view called '${SYSTEM_VIEWS}'`
        : `Invalid namespace: ${ctx.db}.${name}`,
    );
  }
  for (const stage of pipeline) {
    const k = Object.keys(stage)[0];
    if (k === "$out" || k === "$merge") {
      throw new CommandError("OptionNotSupportedOnView", `${k} cannot be used in a view definition`);
    }
  }
  // Every stage must compile (a bad stage is refused at definition time, as on mongod).
  compilePipeline(pipeline, { now: new Date(), resolveCollection: () => [], js: jsHost(ctx.js) });
  const existing = findView(ctx.storage, ctx.db, name);
  if (existing) {
    const same = existing.viewOn === viewOn && valuesEqual(existing.pipeline, pipeline) &&
      valuesEqual(existing.collation ?? null, o.collation ?? null);
    if (same) return { ok: 1 };
    throw new CommandError("NamespaceExists", `Namespace ${ctx.db}.${name} already exists`);
  }
  if (ctx.storage.catalog.getCollection(ctx.db, name)) {
    throw new CommandError("NamespaceExists", `Namespace ${ctx.db}.${name} already exists`);
  }
  checkViewGraph(ctx.storage, ctx.db, name, viewOn, referencedCollections(pipeline));
  const onView = findView(ctx.storage, ctx.db, viewOn);
  const collation = o.collation ?? onView?.collation;
  if (onView && !valuesEqual(onView.collation ?? null, collation ?? null)) {
    throw new CommandError(
      "OptionNotSupportedOnView",
      `View ${ctx.db}.${name} has conflicting collation with view ${ctx.db}.${viewOn}`,
    );
  }
  insertView(ctx.storage, {
    db: ctx.db,
    name,
    viewOn,
    pipeline,
    ...(collation ? { collation } : {}),
  }, commitSync(ctx));
  return { ok: 1 };
}

async function run(ctx: RequestContext<CreateParams>): Promise<Doc> {
  const name = ctx.params.collection;
  validateDbName(ctx.db);
  refuseBucketsNamespace(ctx.db, name);
  if (ctx.params.options.viewOn !== undefined) return runCreateView(ctx);
  refuseUserCreate(ctx.db, name);
  if (findView(ctx.storage, ctx.db, name)) {
    throw new CommandError("NamespaceExists", `Namespace ${ctx.db}.${name} already exists`);
  }
  if (ctx.params.options.timeseries) return runCreateTimeseries(ctx);
  const cappedError = cappedOptionsError(ctx.params.options);
  if (cappedError) throw new CommandError("InvalidOptions", cappedError);
  const o = ctx.params.options;
  if (o.capped !== true && (o.size !== undefined || o.max !== undefined)) {
    throw new CommandError(
      "InvalidOptions",
      "the 'capped' field needs to be true when either the 'size' or 'max' fields are present",
    );
  }
  const options: Doc = { ...ctx.params.options };
  const ci = ctx.params.options.clusteredIndex;
  if (ci) options["clusteredIndex"] = { v: ci.v ?? 2, ...ci };
  // mongod (SERVER-60064): creating a collection that exists with the same options is a no-op; with
  // others it is 48 naming the existing ones (inside a transaction, "already exists" as before)
  const existing = ctx.transaction ? undefined : ctx.storage.catalog.getCollection(ctx.db, name);
  if (existing) {
    if (sameOptions(existing.options, options)) return { ok: 1 };
    throw new CommandError(
      "NamespaceExists",
      `namespace ${ctx.db}.${name} already exists, but with different options: ${
        showSpec({ uuid: `UUID("${new UUID(existing.uuid).toHexString()}")`, ...existing.options }).replace(
          /"(UUID\(.*?\))"/,
          "$1",
        )
      }`,
    );
  }
  try {
    // waits while an open transaction is creating this namespace (as mongod waits on its lock)
    // (a clustered collection's _id_ index takes the clusteredIndex name and clustered: true in storage)
    await retryOnConflict(ctx, () => ctx.storage.catalog.createCollection(ctx.db, name, options));
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      throw new CommandError("NamespaceExists", `Collection ${ctx.db}.${name} already exists.`);
    }
    throw e;
  }
  return { ok: 1 };
}

/** Collection options alike field by field (in any order; an absent option equals an undefined one). */
function sameOptions(a: Doc, b: Doc): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k], y = b[k];
    if (x === undefined || y === undefined ? x !== y : !valuesEqual(x, y)) return false;
  }
  return true;
}

/**
 * A time-series collection (commands/shared/timeseries.ts): one collection whose options carry the
 * normalized `timeseries`, with a non-unique `_id_` index and, with a metaField, mongod's
 * `{<meta>: 1, <time>: 1}` index.
 */
async function runCreateTimeseries(ctx: RequestContext<CreateParams>): Promise<Doc> {
  const name = ctx.params.collection;
  const ns = `${ctx.db}.${name}`;
  const o = ctx.params.options;
  for (const [k, v] of Object.entries(o)) {
    if (TIMESERIES_ALLOWED.has(k) || (k === "capped" && v === false)) continue;
    throw new CommandError("InvalidOptions", `${ns}: 'timeseries' is not allowed with '${k}'`);
  }
  if (ctx.transaction) {
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      "Cannot create a time-series collection in a multi-document transaction.",
    );
  }
  // waits while an open transaction is creating this namespace (as for any collection)
  await createTimeseriesCollection(ctx, ctx.db, name, o);
  return { ok: 1 };
}

export const create = defineCommand<CreateParams>({
  name: "create",
  help: "creates a collection or view: {create: <name>, ...options}",
  auth: "createCollection",
  parse: parseCreate,
  run,
});
