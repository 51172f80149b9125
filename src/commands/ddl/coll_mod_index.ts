/**
 * collMod's `index` modification, checked and applied in mongod's order (its messages and codes):
 * `expireAfterSeconds`, `hidden`, `unique` (only after `prepareUnique`, refused with 359
 * CannotConvertIndexToUnique and the `violations` when documents share a key), `prepareUnique`
 * (writes that would add a duplicate key fail with 11000 from then on; existing duplicates stay) and
 * `forceNonUnique` (a unique index back to non-unique). A value equal to the current one is a no-op.
 * Converting between unique and non-unique rebuilds the index table (`catalog.convertIndex`); the
 * rest changes the catalog's spec only. `dryRun` (with `unique: true` only) reports the violations
 * without changing anything.
 */
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { CollectionEntry, IndexEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import { bool, doc as docField, num, optional, type Parsed, str } from "../params/schema.ts";
import { MAX_TTL_SECONDS, sameKeyPattern, showSpec } from "../../planner/index_spec.ts";
import { resetIndexUsage } from "../../executor/index_usage.ts";
import { duplicateKeyGroups } from "../../executor/index_duplicates.ts";
import { decode } from "../../executor/rows.ts";
import { LIMITS } from "../../limits.ts";
import { Location } from "../../errors/locations.ts";
import { isClustered } from "../../executor/clustered.ts";
import { isNumeric } from "../../bson/type_name.ts";

/** mongod's `CollModIndex` (a strict struct: another field is 40415 `collMod.index.<field>`). */
export const COLL_MOD_INDEX = {
  name: optional(str),
  keyPattern: optional(docField),
  hidden: optional(bool),
  expireAfterSeconds: optional(num),
  unique: optional(bool),
  prepareUnique: optional(bool),
  forceNonUnique: optional(bool),
} as const;

export type CollModIndex = Parsed<typeof COLL_MOD_INDEX>;

/** What the parse step decided: the index, the changes to make, and how many were requested. */
interface IndexPlan {
  readonly ix: IndexEntry;
  ttl?: number;
  hidden?: boolean;
  unique?: true;
  prepareUnique?: boolean;
  forceNonUnique?: true;
  /** Requested modifications (no-ops included), as mongod counts them. */
  count: number;
}

/** Finds the index and checks the request (mongod's parseCollModRequest for `index`). */
export function planIndexMod(
  ctx: RequestContext,
  coll: CollectionEntry,
  spec: CollModIndex,
): IndexPlan {
  const ns = `${ctx.db}.${coll.name}`;
  if (spec.name !== undefined && spec.keyPattern !== undefined) {
    throw new CommandError("InvalidOptions", "Cannot specify both key pattern and name.");
  }
  if (spec.name === undefined && spec.keyPattern === undefined) {
    throw new CommandError("InvalidOptions", "Must specify either index name or key pattern.");
  }
  const { hidden, expireAfterSeconds: ttl, unique, prepareUnique, forceNonUnique } = spec;
  if (
    ttl === undefined && hidden === undefined && unique === undefined && prepareUnique === undefined &&
    forceNonUnique === undefined
  ) {
    throw new CommandError("InvalidOptions", "no expireAfterSeconds, hidden, unique, or prepareUnique field");
  }
  if (unique !== undefined && forceNonUnique !== undefined) {
    throw new CommandError(
      "InvalidOptions",
      "collMod does not support 'unique' and 'forceNonUnique' options at the same time",
    );
  }
  if (ttl !== undefined) {
    if (coll.options["capped"] === true) {
      throw new CommandError("InvalidOptions", "TTL indexes are not supported for capped collections.");
    }
    if (!Number.isFinite(ttl)) {
      throw new CommandError("TypeMismatch", "collMod.index.expireAfterSeconds must be a number");
    }
    if (ttl < 0 || ttl > MAX_TTL_SECONDS) {
      throw new CommandError(
        "InvalidOptions",
        "TTL index 'expireAfterSeconds' option must be within an acceptable range",
      );
    }
  }
  if (hidden !== undefined && isClustered(coll)) {
    const clustered = coll.indexes.find((i) => i.name === "_id_")!;
    if (
      (spec.name !== undefined && spec.name === clustered.spec["name"]) ||
      (spec.keyPattern !== undefined && sameKeyPattern(spec.keyPattern, { _id: 1 }))
    ) {
      throw new CommandError(
        Location.ClusteredIndexHidden,
        "The 'hidden' option is not supported for a clusteredIndex",
      );
    }
  }
  let ix: IndexEntry | undefined;
  if (spec.name !== undefined) {
    ix = coll.indexes.find((i) => i.name === spec.name || i.spec["name"] === spec.name);
    if (!ix) throw new CommandError("IndexNotFound", `cannot find index ${spec.name} for ns ${ns}`);
  } else {
    const matches = coll.indexes.filter((i) => sameKeyPattern(i.spec["key"] as Doc, spec.keyPattern!));
    if (matches.length > 1) {
      throw new CommandError(
        "AmbiguousIndexKeyPattern",
        `index keyPattern ${
          showSpec(spec.keyPattern)
        } matches ${matches.length} indexes, must use index name. ` +
          `Conflicting indexes:${showSpec(matches[0]!.spec)}, ${showSpec(matches[1]!.spec)}`,
      );
    }
    ix = matches[0];
    if (!ix) {
      throw new CommandError("IndexNotFound", `cannot find index ${showSpec(spec.keyPattern)} for ns ${ns}`);
    }
  }
  const plan: IndexPlan = { ix, count: 0 };
  if (ttl !== undefined) {
    plan.count++;
    if (ix.spec["expireAfterSeconds"] === undefined) {
      // A single-field index becomes a TTL index (mongod 8.0).
      if (ix.name === "_id_") {
        throw new CommandError("InvalidOptions", "the _id field does not support TTL indexes");
      }
      if (Object.keys((ix.spec["key"] ?? {}) as Doc).length !== 1) {
        throw new CommandError(
          "InvalidOptions",
          "TTL indexes are single-field indexes, compound indexes do not support TTL",
        );
      }
    } else if (!isNumeric(ix.spec["expireAfterSeconds"])) { // (a double may be stored as sent: Double(50))
      throw new CommandError("InvalidOptions", "existing expireAfterSeconds field is not a number");
    }
    plan.ttl = ttl;
  }
  if (unique !== undefined) {
    plan.count++;
    if (!unique) throw new CommandError("BadValue", "Cannot make index non-unique");
    if (!ix.unique) {
      if (ix.spec["prepareUnique"] !== true) {
        throw new CommandError(
          "InvalidOptions",
          "Cannot make index unique with 'prepareUnique=false'. Run collMod to set it first.",
        );
      }
      plan.unique = true;
    }
  }
  if (hidden !== undefined) {
    plan.count++;
    if (isSystemCollection(coll.name)) {
      throw new CommandError("BadValue", "Can't hide index on system collection");
    }
    if (ix.name === "_id_") throw new CommandError("BadValue", "can't hide _id index");
    if ((ix.spec["hidden"] === true) !== hidden) plan.hidden = hidden;
  }
  if (prepareUnique !== undefined) {
    plan.count++;
    if ((ix.spec["prepareUnique"] === true) !== prepareUnique && !ix.unique) {
      plan.prepareUnique = prepareUnique;
    }
  }
  if (forceNonUnique !== undefined) {
    plan.count++;
    if (!forceNonUnique) throw new CommandError("BadValue", "'forceNonUnique: false' is not supported");
    if (ix.unique) {
      if (ix.name === "_id_") throw new CommandError("BadValue", "The _id index must stay unique");
      plan.forceNonUnique = true;
    }
  }
  return plan;
}

/** 359 CannotConvertIndexToUnique with mongod's `violations` ({ids} per shared key, up to 8 MB). */
function violationsError(ctx: RequestContext, coll: CollectionEntry, groups: bigint[][]): CommandError {
  const violations: { ids: unknown[] }[] = [];
  let size = 0;
  let truncated = false;
  ctx.storage.read((txn) => {
    outer: for (const group of groups) {
      const ids: unknown[] = [];
      for (const rid of group) {
        const bytes = txn.get(coll, rid);
        const id = bytes ? decode(bytes)["_id"] : undefined;
        size += BSON.calculateObjectSize({ id });
        if (size > LIMITS.maxBsonObjectSize / 2) {
          if (violations.length === 0 && ids.length === 0) ids.push(id);
          if (ids.length > 0) violations.push({ ids });
          truncated = true;
          break outer;
        }
        ids.push(id);
      }
      violations.push({ ids });
    }
  });
  return new CommandError(
    "CannotConvertIndexToUnique",
    truncated
      ? "Cannot convert the index to unique. Too many conflicting documents were detected. Please resolve them and rerun collMod."
      : "Cannot convert the index to unique. Please resolve conflicting documents before running collMod again.",
    { violations },
  );
}

/** Throws 359 when documents share a key of the (non-unique) index. */
export function checkConvertible(ctx: RequestContext, coll: CollectionEntry, ix: IndexEntry): void {
  if (ix.unique) return;
  const groups = duplicateKeyGroups(ctx.storage, coll, ix.name);
  if (groups.length > 0) throw violationsError(ctx, coll, groups);
}

/** Applies a checked plan; returns mongod's reply fields (`hidden_old`, `unique_new`, …). */
export function applyIndexMod(ctx: RequestContext, coll: CollectionEntry, plan: IndexPlan): Doc {
  const ix = plan.ix;
  const next: Doc = { ...ix.spec };
  const reply: Doc = {};
  if (plan.ttl !== undefined) {
    const old = ix.spec["expireAfterSeconds"];
    if (old !== undefined) reply["expireAfterSeconds_old"] = old;
    reply["expireAfterSeconds_new"] = plan.ttl;
    next["expireAfterSeconds"] = plan.ttl;
  }
  if (plan.hidden !== undefined) {
    reply["hidden_old"] = ix.spec["hidden"] === true;
    reply["hidden_new"] = plan.hidden;
    if (plan.hidden) next["hidden"] = true;
    else delete next["hidden"];
  }
  if (plan.unique) {
    reply["unique_new"] = true;
    next["unique"] = true;
    delete next["prepareUnique"]; // mongod resets prepareUnique once the index is unique
  }
  if (plan.prepareUnique !== undefined) {
    reply["prepareUnique_old"] = ix.spec["prepareUnique"] === true;
    reply["prepareUnique_new"] = plan.prepareUnique;
    if (plan.prepareUnique) next["prepareUnique"] = true;
    else delete next["prepareUnique"];
  }
  if (plan.forceNonUnique) {
    reply["forceNonUnique_new"] = true;
    delete next["unique"];
  }
  const changed = Object.keys(reply).length > 0;
  if (!changed) return reply;
  if (plan.unique) checkConvertible(ctx, coll, ix);
  const updated = plan.unique || plan.forceNonUnique
    ? ctx.storage.catalog.convertIndex(ctx.db, coll.name, ix.name, {
      spec: next,
      unique: plan.unique === true,
    })
    : ctx.storage.catalog.updateIndex(ctx.db, coll.name, ix.name, { spec: next });
  resetIndexUsage(updated, ix.name); // mongod: modifying an index resets its statistics
  return reply;
}

/** A `system.*` collection other than a time-series buckets one (mongod: no index hiding there). */
export function isSystemCollection(name: string): boolean {
  return name.startsWith("system.") && !name.startsWith("system.buckets.");
}
