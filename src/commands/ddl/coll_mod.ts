/**
 * collMod: changes a collection's or view's options after creation.
 * - index options `hidden` and `expireAfterSeconds` (index named or given by key pattern; a
 *   single-field index becomes a TTL index);
 * - `validator`, `validationLevel`, `validationAction` (schema validation) and
 *   `changeStreamPreAndPostImages`: one `updateCollection` catalog change (write hooks see it);
 * - on a view, `viewOn` + `pipeline` replace its definition in `<db>.system.views`.
 * - `cappedSize` (1 B .. 1 PB) / `cappedMax` (< 2^31; <= 0 means no document limit, kept as
 *   2147483647 as mongod does) resize a capped collection: the same `updateCollection` change (logged
 *   as `{collMod, cappedSize, cappedMax}`); as on mongod nothing is trimmed at once, the next insert
 *   evicts down to the new limits. Any other collection is 72 "Collection must be capped.".
 * - index `unique` / `prepareUnique` / `forceNonUnique` and `dryRun`: see coll_mod_index.ts.
 * - `expireAfterSeconds` (seconds or "off") of a clustered collection (its `_id` TTL) or of a
 *   time-series collection (its time field's TTL).
 * - on a time-series collection: `timeseries` (granularity / bucketing, only wider, mongod's
 *   transitions) and `expireAfterSeconds`; validator options are refused as mongod refuses them.
 * An empty collMod is ok.
 */
import { jsHost } from "../../engine/js/host.ts";
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  array,
  bool,
  doc,
  int,
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
import { isClustered } from "../../executor/clustered.ts";
import { type Granularity, modifiedTimeseriesOptions, timeseriesOf } from "../shared/timeseries.ts";
import { checkCollectionTtl } from "./create.ts";
import { applyIndexMod, checkConvertible, COLL_MOD_INDEX, planIndexMod } from "./coll_mod_index.ts";
import { checkViewGraph, findView, referencedCollections, replaceView } from "../shared/views.ts";
import { checkValidatorOptions, validationAction, validationLevel } from "../write/doc_validation.ts";
import { compilePipeline } from "../../engine/mod.ts";
import { commitSync } from "../write/write_batch.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { outOfRange } from "../params/errors.ts";
import { isCapped, MAX_CAPPED_SIZE, NO_CAPPED_MAX } from "../../executor/capped.ts";
import { afterTransactions } from "../shared/transaction_holders.ts";

/** mongod's `CollModTimeseries`. */
const COLL_MOD_TIMESERIES = {
  granularity: optional((v, path) => {
    const g = str(v, path);
    if (g !== "seconds" && g !== "minutes" && g !== "hours") {
      throw new CommandError(
        "BadValue",
        `Enumeration value '${g}' for field '${path}' is not a valid value.`,
      );
    }
    return g as Granularity;
  }),
  bucketMaxSpanSeconds: optional(int),
  bucketRoundingSeconds: optional(int),
} as const;

/** A clustered collection's TTL: seconds (as `create` checks them) or "off". */
const collectionTtl: Reader<number | "off"> = (v, path) => {
  if (typeof v === "string") {
    if (v !== "off") {
      throw new CommandError(
        "InvalidOptions",
        `Invalid string value for the 'clusteredIndex::expireAfterSeconds' option. Got: '${v}'. Accepted value is 'off'`,
      );
    }
    return "off";
  }
  return int(v, path);
};

/** mongod's IDL `cappedSize`: a safeInt64 with validator gte 1, lte 1 PB. */
const cappedSize: Reader<number> = (v, path) => {
  const n = int(v, path);
  if (n < 1) throw outOfRange("cappedSize", ">=", 1, n);
  if (n > MAX_CAPPED_SIZE) throw outOfRange("cappedSize", "<=", MAX_CAPPED_SIZE, n);
  return n;
};

/** mongod's IDL `cappedMax`: a safeInt64 below 2^31. */
const cappedMax: Reader<number> = (v, path) => {
  const n = int(v, path);
  if (n >= 2 ** 31) throw outOfRange("cappedMax", "<", 2 ** 31, n);
  return n;
};

/** mongod's `ChangeStreamPreAndPostImagesOptions`. */
const PRE_POST_IMAGES = { enabled: { rule: "required", read: bool } } as const;

const FIELDS = {
  index: optional(shape(COLL_MOD_INDEX)),
  validator: optional(doc),
  validationLevel: optional(validationLevel),
  validationAction: optional(validationAction),
  viewOn: optional(str),
  pipeline: optional(array),
  cappedSize: optional(cappedSize),
  cappedMax: optional(cappedMax),
  changeStreamPreAndPostImages: optional(shape(PRE_POST_IMAGES)),
  expireAfterSeconds: optional(collectionTtl),
  timeseries: optional(shape(COLL_MOD_TIMESERIES)),
  dryRun: optional(bool),
} as const;

export type CollModParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseCollMod(body: Doc): CollModParams {
  const p = parseShape("collMod", body, FIELDS, { skip: "collMod", alsoAccept: GENERIC_FIELDS });
  if (p.validator !== undefined) checkValidatorOptions(p.validator);
  return { ...p, collection: collectionName("collMod", body) };
}

/** Collection-level options collMod writes into the catalog entry. */
const COLLECTION_OPTIONS = [
  "validator",
  "validationLevel",
  "validationAction",
  "changeStreamPreAndPostImages",
] as const;

function runOnView(ctx: RequestContext<CollModParams>): Doc {
  const p = ctx.params;
  const view = findView(ctx.storage, ctx.db, p.collection);
  if (!view) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ctx.db}.${p.collection}`);
  for (const k of [...COLLECTION_OPTIONS, "index", "cappedSize", "cappedMax"] as const) {
    if (p[k] !== undefined) {
      throw new CommandError("InvalidOptions", `option not supported on a view: ${k}`);
    }
  }
  if (p.viewOn === undefined && p.pipeline === undefined) return { ok: 1 };
  if (p.viewOn === undefined || p.pipeline === undefined) {
    throw new CommandError(
      "InvalidOptions",
      "Must specify both 'viewOn' and 'pipeline' when modifying a view",
    );
  }
  const pipeline = p.pipeline as Doc[];
  for (const stage of pipeline) {
    const k = stage && typeof stage === "object" ? Object.keys(stage)[0] : undefined;
    if (k === undefined) {
      throw new CommandError("InvalidViewDefinition", "View pipeline must be an array of objects");
    }
    if (k === "$out" || k === "$merge") {
      throw new CommandError("OptionNotSupportedOnView", `${k} cannot be used in a view definition`);
    }
  }
  compilePipeline(pipeline, { now: new Date(), resolveCollection: () => [], js: jsHost(ctx.js) });
  checkViewGraph(ctx.storage, ctx.db, view.name, p.viewOn, referencedCollections(pipeline));
  replaceView(ctx.storage, { ...view, viewOn: p.viewOn, pipeline }, commitSync(ctx));
  return { ok: 1 };
}

/** The capped limits a collMod sets, as catalog options (`size`, `max`), checked as mongod does. */
function cappedChanges(ctx: RequestContext<CollModParams>, coll: CollectionEntry | undefined): Doc {
  const { cappedSize, cappedMax } = ctx.params;
  if (cappedSize === undefined && cappedMax === undefined) return {};
  if (ctx.db === "local" && ctx.params.collection === "oplog.rs") {
    throw new CommandError(
      "InvalidOptions",
      "Cannot resize the oplog using this command. Use the 'replSetResizeOplog' command instead.",
    );
  }
  if (!coll) return {}; // a view: refused by runOnView
  if (!isCapped(coll)) throw new CommandError("InvalidOptions", "Collection must be capped.");
  return {
    ...(cappedSize !== undefined ? { size: cappedSize } : {}),
    ...(cappedMax !== undefined ? { max: cappedMax <= 0 ? NO_CAPPED_MAX : cappedMax } : {}),
  };
}

function run(ctx: RequestContext<CollModParams>): Doc {
  const p = ctx.params;
  const name = p.collection;
  const coll = findCollection(ctx, name);
  const capped = cappedChanges(ctx, coll);
  if (!coll) return runOnView(ctx);
  if (p.viewOn !== undefined || p.pipeline !== undefined) {
    throw new CommandError(
      "InvalidOptions",
      `collMod: ${ctx.db}.${name} is a collection, not a view: 'viewOn' and 'pipeline' only apply to views`,
    );
  }
  const changed = COLLECTION_OPTIONS.filter((k) => p[k] !== undefined);
  const plan = p.index !== undefined ? planIndexMod(ctx, coll, p.index) : undefined;
  const ts = timeseriesOf(coll);
  if (ts) {
    for (const k of [...COLLECTION_OPTIONS]) {
      if (p[k] !== undefined) {
        throw new CommandError("InvalidOptions", `option not supported on a time-series collection: ${k}`);
      }
    }
    if (p.index?.expireAfterSeconds !== undefined) {
      throw new CommandError(
        "InvalidOptions",
        "TTL indexes are not supported for time-series collections. Please refer to the documentation and use the top-level 'expireAfterSeconds' option instead",
      );
    }
  } else if (p.timeseries !== undefined) {
    throw new CommandError("InvalidOptions", "option only supported on a time-series collection: timeseries");
  }
  const ttl = p.expireAfterSeconds;
  if (ttl !== undefined) {
    if (!isClustered(coll) && !ts) {
      throw new CommandError(
        "InvalidOptions",
        "'expireAfterSeconds' option is only supported on collections clustered by _id",
      );
    }
    if (ttl !== "off") checkCollectionTtl(ttl);
  }
  const tsNext = ts && p.timeseries ? modifiedTimeseriesOptions(ts, p.timeseries) : undefined;
  const count = (plan?.count ?? 0) + changed.length + Object.keys(capped).length +
    (ttl !== undefined ? 1 : 0) + (p.timeseries !== undefined ? 1 : 0);
  if (p.dryRun) {
    if (!p.index) {
      throw new CommandError("InvalidOptions", "dry run mode requires an valid index modification.");
    }
    if (p.index.unique !== true) {
      throw new CommandError(
        "InvalidOptions",
        "dry run mode requires an index modification with unique: true.",
      );
    }
    if (count > 1) {
      throw new CommandError(
        "InvalidOptions",
        "unique: true cannot be combined with any other modification in dry run mode.",
      );
    }
    checkConvertible(ctx, coll, plan!.ix);
    return { ok: 1 };
  }
  if (plan?.prepareUnique !== undefined && count > 1) {
    throw new CommandError("InvalidOptions", "prepareUnique cannot be combined with any other modification.");
  }
  let reply: Doc = {};
  if (plan) reply = applyIndexMod(ctx, coll, plan);
  const tsChanged = tsNext !== undefined && tsNext !== ts;
  if (changed.length > 0 || Object.keys(capped).length > 0 || ttl !== undefined || tsChanged) {
    const current = findCollection(ctx, name)!;
    const options: Doc = { ...current.options, ...capped };
    if (tsChanged) options["timeseries"] = tsNext;
    for (const k of changed) options[k] = p[k];
    if (ttl === "off") delete options["expireAfterSeconds"];
    else if (ttl !== undefined) options["expireAfterSeconds"] = ttl;
    if (options["validator"] !== undefined && Object.keys(options["validator"] as Doc).length === 0) {
      // mongod keeps `validator: {}` listed after a collMod that clears it.
      options["validator"] = {};
    }
    ctx.storage.catalog.updateCollection(ctx.db, name, options);
  } else if (p.index === undefined) {
    // Nothing to change; mongod still logs the collMod (change streams show a `modify` event).
    ctx.oplog?.logCommand(ctx.db, { collMod: name }, new Binary(coll.uuid, Binary.SUBTYPE_UUID));
  }
  return { ...reply, ok: 1 };
}

export const collMod = defineCommand<CollModParams>({
  name: "collMod",
  help:
    "changes collection/index/view options: {collMod: <coll>, index: {name | keyPattern, hidden, expireAfterSeconds, prepareUnique, unique, forceNonUnique}, dryRun, validator, validationLevel, validationAction, viewOn, pipeline, cappedSize, cappedMax}",
  auth: "collMod",
  parse: parseCollMod,
  run: afterTransactions(
    (ctx) => ({
      namespaces: [`${ctx.db}.${ctx.params.collection}`, `${ctx.db}.system.buckets.${ctx.params.collection}`],
    }),
    run,
  ),
});
