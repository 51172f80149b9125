/**
 * createIndexes: validates every requested index (mongod's codes), compares each with the existing
 * ones (same name and spec: already there; same name, other key: 86 IndexKeySpecsConflict; same name
 * or same key with other options: 85 IndexOptionsConflict), creates the collection implicitly, and
 * builds the new indexes over existing documents. A build that fails (duplicate key, parallel arrays)
 * drops its index and reports the document's error. Outside a transaction a build yields to other
 * clients (executor/index_build.ts); builds of one collection run one after another, and wait for
 * open transactions that wrote the collection (executor/index_builds.ts).
 */
import { isSystemCollection } from "./coll_mod_index.ts";
import { defaultCollation } from "../shared/default_collation.ts";
import { CommandError } from "../../errors/command_error.ts";
import type { CollectionEntry, IndexEntry } from "../../storage/api.ts";
import { IndexBuilds } from "../../executor/index_builds.ts";
import { sameUuid } from "../../executor/same_uuid.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import {
  array,
  ignored,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  required,
  strictBool,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { ensureCollection, findCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { validatePartialFilter } from "../shared/compile_query.ts";
import {
  sameIdentity,
  sameKeyPattern,
  sameOptions,
  showSpec,
  type ValidatedIndex,
  validateIndexSpec,
  withoutUnknownIndexFields,
} from "../../planner/index_spec.ts";
import { buildIndex, IndexBuildError } from "../../executor/index_build.ts";
import { TEXT_TERM_KEYS, textKeyShape } from "../../keys/text_keys.ts";
import { compilePartialFilter, resolveCollation } from "../../engine/mod.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

/**
 * `indexes`: a non-empty array of index specifications, each validated with mongod's codes and
 * messages (planner/index_spec.ts: 197 for an unknown option, 67 CannotCreateIndex, …) before any work.
 */
const indexSpecs = (dropUnknown: boolean): Reader<ValidatedIndex[]> => (v, path) => {
  const raw = array(v, path);
  if (raw.length === 0) throw new CommandError("BadValue", "Must specify at least one index to create");
  return raw.map((r) =>
    validateIndexSpec(dropUnknown ? withoutUnknownIndexFields(r) : r, validatePartialFilter, resolveCollation)
  );
};

const fields = (dropUnknown: boolean) => ({
  indexes: required(indexSpecs(dropUnknown)),
  commitQuorum: ignored,
  rawData: ignored,
  /** true: options an index specification may not have are dropped from it, not refused (197). */
  ignoreUnknownIndexOptions: optional(strictBool),
} as const);
const FIELDS = fields(false);
const FIELDS_DROPPING_UNKNOWN = fields(true);

export type CreateIndexesParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseCreateIndexes(body: Doc): CreateIndexesParams {
  const shape = body["ignoreUnknownIndexOptions"] === true ? FIELDS_DROPPING_UNKNOWN : FIELDS;
  return {
    ...parseShape("createIndexes", body, shape, { skip: "createIndexes", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("createIndexes", body),
  };
}

/** Which of `wanted` must be built; throws on conflicts with `coll`'s indexes or with each other. */
function planBuilds(coll: CollectionEntry | undefined, wanted: ValidatedIndex[]): ValidatedIndex[] {
  const existing = (coll?.indexes ?? []).map((i) => ({ name: i.name, spec: i.spec as Doc }));
  const out: ValidatedIndex[] = [];
  for (let v of wanted) {
    const key = v.spec["key"] as Doc;
    // an index of {_id: 1} is the _id index, named "_id_" whatever the request called it (mongod): asking
    // for it again is a no-op (jstests capped_queries_and_id_index)
    const keys = Object.keys(key);
    if (keys.length === 1 && keys[0] === "_id" && Number(key["_id"]) === 1 && v.name !== "_id_") {
      v = { ...v, name: "_id_", spec: { ...v.spec, name: "_id_" } };
    }
    const byName = existing.find((i) => i.name === v.name);
    if (byName) {
      // another key, or another signature (unique, sparse, filter, collation): 86; the same signature
      // with other options: 85
      if (
        !sameKeyPattern(byName.spec["key"] as Doc, key) ||
        (v.name !== "_id_" && !sameIdentity(byName.spec, v.spec))
      ) {
        throw new CommandError(
          "IndexKeySpecsConflict",
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${
            showSpec(v.spec)
          }, existing index: ${showSpec(byName.spec)}`,
        );
      }
      if (v.name !== "_id_" && !sameOptions(byName.spec, v.spec)) {
        throw new CommandError(
          "IndexOptionsConflict",
          `An equivalent index already exists with the same name but different options. Requested index: ${
            showSpec(v.spec)
          }, existing index: ${showSpec(byName.spec)}`,
        );
      }
      continue;
    }
    const byKey = existing.find((i) =>
      sameKeyPattern(i.spec["key"] as Doc, key) && sameIdentity(i.spec, v.spec)
    );
    if (byKey) {
      if (sameOptions(byKey.spec, v.spec) || byKey.name === "_id_") {
        throw new CommandError(
          "IndexOptionsConflict",
          `Index already exists with a different name: ${byKey.name}`,
        );
      }
      throw new CommandError(
        "IndexOptionsConflict",
        `An equivalent index already exists with a different name and options. Requested index: ${
          showSpec(v.spec)
        }, existing index: ${showSpec(byKey.spec)}`,
      );
    }
    // mongod's kMaxNumIndexesAllowed: 64 indexes per collection, the _id index included
    if (existing.length + (coll ? 0 : 1) >= MAX_INDEXES) { // (a new collection gets its _id index too)
      throw new CommandError(
        "CannotCreateIndex",
        `add index fails, too many indexes for ${coll ? `${coll.db}.${coll.name}` : "the collection"} key:${
          showSpec(key)
        }`,
      );
    }
    existing.push({ name: v.name, spec: v.spec });
    out.push(v);
  }
  return out;
}

/** The most indexes a collection may have (mongod's kMaxNumIndexesAllowed). */
const MAX_INDEXES = 64;

/**
 * Index kinds that cannot honour a collation (their keys hold raw strings): mongod refuses a text or
 * 2d index with a collation, given or inherited from the collection's default (67; `{locale:
 * "simple"}` creates one there).
 */
export function refuseCollated(wanted: readonly ValidatedIndex[]): void {
  for (const v of wanted) {
    const collation = v.spec["collation"];
    if (collation === undefined) continue;
    const kinds = Object.values(v.spec["key"] as Doc);
    const kind = kinds.includes("text") ? "text" : kinds.includes("2d") ? "2d" : undefined;
    if (kind === undefined) continue;
    throw new CommandError(
      "CannotCreateIndex",
      `Index type '${kind}' does not support collation: ${showSpec(collation)}`,
    );
  }
}

/** Index kinds mongod refuses on a time-series collection (72, its words). */
function refuseOnTimeseries(coll: CollectionEntry, wanted: readonly ValidatedIndex[]): void {
  if (coll.options["timeseries"] === undefined) return;
  for (const v of wanted) {
    const kinds = Object.values(v.spec["key"] as Doc);
    const refuse = (what: string) => {
      throw new CommandError(
        "InvalidOptions",
        `${what} indexes are not supported on time-series collections`,
      );
    };
    if (v.unique) refuse("Unique");
    if (kinds.includes("text")) refuse("Text");
    if (kinds.includes("2d")) refuse("2d");
  }
}

async function run(ctx: RequestContext<CreateIndexesParams>): Promise<Doc> {
  const name = ctx.params.collection;
  if (isSystemCollection(name) && ctx.params.indexes.some((ix) => Object.hasOwn(ix.spec, "hidden"))) {
    throw new CommandError("BadValue", "Can't hide index on system collection");
  }
  const ns = `${ctx.db}.${name}`;
  // Outside a transaction the build yields (executor/index_build.ts): wait for an earlier build of
  // this collection, and for open transactions that wrote it (index_builds.ts says why) or read it (as
  // mongod's build waits for their collection lock; a reader would otherwise have its later writes to
  // the collection refused, 112: the catalog changed after its snapshot).
  const yielding = !ctx.transaction;
  if (yielding) {
    // looked at again after the waits: no await between the last look and `begin`, so one build of a
    // collection at a time (two waiters would both have created the same index)
    do {
      await ctx.indexBuilds.idle(ns, ctx.control);
      await IndexBuilds.until(() => ctx.transactions.openHolderWhere((held) => held === ns), ctx.control);
    } while (ctx.indexBuilds.building(ns));
  }
  const end = yielding ? ctx.indexBuilds.begin(ns) : () => {};
  try {
    return await createAndBuild(ctx, name, yielding);
  } finally {
    end();
  }
}

async function createAndBuild(
  ctx: RequestContext<CreateIndexesParams>,
  name: string,
  yielding: boolean,
): Promise<Doc> {
  let coll = findCollection(ctx, name);
  // A collection's default collation applies to a new index that names none (mongod).
  const collation = defaultCollation(coll);
  const wanted = collation
    ? ctx.params.indexes.map((v) =>
      v.spec["collation"] === undefined && !v.simpleCollation && v.name !== "_id_"
        ? { ...v, spec: { ...v.spec, collation } }
        : v
    )
    : ctx.params.indexes;
  refuseCollated(wanted);
  if (coll) refuseOnTimeseries(coll, wanted);
  const before = coll?.indexes.length ?? 1;
  const builds = planBuilds(coll, wanted);
  const created = coll === undefined;
  if (builds.length === 0 && coll) {
    return { numIndexesBefore: before, numIndexesAfter: before, note: "all indexes already exist", ok: 1 };
  }
  coll = await retryOnConflict(ctx, () => ensureCollection(ctx, name));
  for (const b of builds) {
    coll = ctx.storage.catalog.createIndex(ctx.db, name, {
      name: b.name,
      spec: b.spec,
      unique: b.unique,
      ...(yielding ? { building: true } : {}),
      ...(textKeyShape(b.spec) ? { keyFormat: TEXT_TERM_KEYS } : {}),
    });
    const ix = coll.indexes.find((i) => i.name === b.name)!;
    resetIndexUsage(coll, b.name);
    try {
      await buildIndex(ctx.storage, coll, ix, keyOpts, yielding ? ctx.control : undefined);
      if (yielding) ctx.storage.catalog.updateIndex(ctx.db, name, b.name, { building: false });
    } catch (e) {
      dropIfStill(ctx, coll, ix);
      if (e instanceof IndexBuildError) {
        if (e.cause instanceof CommandError) throw e.cause;
        translateStorageError(e.cause, coll, e.doc);
      }
      throw e;
    }
    coll = findCollection(ctx, name)!;
  }
  return {
    numIndexesBefore: before,
    numIndexesAfter: coll.indexes.length,
    createdCollectionAutomatically: created,
    ...(ctx.info.standalone ? {} : { commitQuorum: "votingMembers" }),
    ok: 1,
  };
}

/** Drops a failed build's index, unless it (or its collection) is gone already. */
function dropIfStill(ctx: RequestContext, coll: CollectionEntry, ix: IndexEntry): void {
  const now = ctx.storage.catalog.getCollection(coll.db, coll.name);
  if (!now || !sameUuid(now.uuid, coll.uuid) || !now.indexes.some((i) => i.ident === ix.ident)) return;
  ctx.storage.catalog.dropIndex(ctx.db, coll.name, ix.name);
}

export const createIndexes = defineCommand<CreateIndexesParams>({
  name: "createIndexes",
  help: "builds indexes: {createIndexes: <coll>, indexes: [{key, name, …options}]}",
  auth: "createIndex",
  parse: parseCreateIndexes,
  run,
});
