/**
 * plan_cache_use.ts — the process's plan cache as queries use it (planner/plan_cache.ts holds the
 * data): the key of a query's shape, planning through a cached winner or template, the raced shapes'
 * last races (sort_trial_plan.ts), and what planCacheClear, `$planCacheStats` and serverStatus read.
 */
import { PlanCache, shapeOf } from "../../planner/plan_cache.ts";
import { planFromTemplate, type PlanTemplate, templateOf } from "../../planner/plan_template.ts";
import { sortTrialPair } from "../../planner/sort_trial.ts";
import type { BoundsMemoSlot } from "./bounds_race.ts";
import { type FindPlanInput, type IndexInfo, type PlanChoice, planQuery } from "../../planner/find_plan.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";
import type { RaceMemoSlot } from "./sort_trial_plan.ts";
import type { QueryParts } from "./query_parts.ts";

/** The parts of a query its plan cache key reads. */
type ShapeParts = Pick<QueryParts, "filter" | "sort" | "collation" | "hint" | "min" | "max">;

/** One plan cache per process (plans depend only on the catalog, which the keys include). */
const PLAN_CACHE = new PlanCache<PlanTemplate>();

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * The collection part of a plan cache key (its uuid and index list), per index list: the catalog
 * installs a new list on any index change, and the uuid is checked.
 */
const keyPrefixCache = new WeakMap<readonly IndexInfo[], { uuid: Uint8Array; prefix: string }>();

function keyPrefix(coll: CollectionEntry, infos: readonly IndexInfo[]): string {
  const hit = keyPrefixCache.get(infos);
  if (hit !== undefined && hit.uuid === coll.uuid) return hit.prefix;
  const indexes = infos.map((i) => `${i.name}${i.multikey ? "*" : ""}${i.hidden ? "-" : ""}`).join(",");
  const prefix = `${hex(coll.uuid)}|${indexes}|`;
  keyPrefixCache.set(infos, { uuid: coll.uuid, prefix });
  return prefix;
}

/** The cache key of a query's shape, or undefined when the plan must not be cached. */
export function planCacheKey(
  parts: ShapeParts,
  coll: CollectionEntry | undefined,
  infos: readonly IndexInfo[],
  simpleIdPoint: boolean,
): string | undefined {
  if (!coll || parts.hint !== undefined || parts.min !== undefined || parts.max !== undefined) {
    return undefined;
  }
  // With fewer than two candidate indexes no plan is ever rejected, so nothing is cached: skip the key.
  if (infos.length < 2) return undefined;
  // An `_id` point without a collation is IDHACK, which mongod does not cache either (nothing to
  // compare), and whose key costs more than its plan.
  if (simpleIdPoint) return undefined;
  return `${keyPrefix(coll, infos)}${shapeKey(parts)}`;
}

/** The query-shape part of a plan cache key: the filter's shape, the sort and the collation. */
function shapeKey(parts: Pick<ShapeParts, "filter" | "sort" | "collation">): string {
  return `${JSON.stringify(shapeOf(parts.filter ?? {}))}|${
    parts.sort === undefined ? "{}" : JSON.stringify(parts.sort)
  }|${parts.collation === undefined ? "{}" : JSON.stringify(parts.collation)}`;
}

/**
 * planCacheClear: forgets the collection's cached plans, or with `shape` only those of that query shape
 * (its filter's shape, sort and collation; the projection is not part of a key here).
 */
export function clearPlanCache(
  coll: CollectionEntry,
  shape?: Pick<ShapeParts, "filter" | "sort" | "collation">,
): void {
  PLAN_CACHE.clear(`${hex(coll.uuid)}|`, shape === undefined ? undefined : `|${shapeKey(shape)}`);
}

/**
 * Plans through the plan cache: a cached winner is planned alone (see planner/plan_cache.ts); a
 * shape whose plan cannot depend on its values keeps a template of it, and its next query only fills
 * in the bounds (planner/plan_template.ts).
 */
export function planWithCache(input: FindPlanInput, key: string | undefined): PlanChoice {
  if (key === undefined) return planQuery(input);
  const entry = PLAN_CACHE.peek(key);
  if (entry?.raced) return planQuery(input);
  if (entry?.template !== undefined) {
    const fromTemplate = planFromTemplate(entry.template, input);
    if (fromTemplate !== undefined) {
      if (entry.winner !== undefined) PLAN_CACHE.hits++;
      return fromTemplate;
    }
  }
  if (entry?.winner !== undefined) {
    const cached = PLAN_CACHE.get(key)!;
    const only = planQuery({ ...input, indexes: (input.indexes ?? []).filter((i) => i.name === cached) });
    if (only.access.kind === "ixScan" && only.access.indexName === cached) {
      keepTemplate(key, input, only);
      return only;
    }
  }
  const plan = planQuery(input);
  if (sortTrialPair(plan, input) !== undefined) {
    // the data decides between the sorting plan and the ordered one (sort_trial.ts): plan each time
    PLAN_CACHE.setRaced(key);
    return plan;
  }
  if (plan.access.kind === "ixScan" && plan.rejected.length > 0) {
    PLAN_CACHE.set(key, plan.access.indexName);
  } else if (entry?.winner === undefined) keepTemplate(key, input, plan);
  return plan;
}

/** The plan cache's place for a raced shape's last race (sort_trial_plan.ts). */
export function raceSlot(key: string): RaceMemoSlot {
  return {
    get: () => {
      const r = PLAN_CACHE.peek(key)?.raced;
      return r === true ? undefined : r;
    },
    set: (memo) => PLAN_CACHE.setRaced(key, memo),
  };
}

/** A chosen winner's entries are recounted every this many queries (not each: a count costs a read). */
const RECOUNT_EVERY = 8;

/** The plan cache's place for a shape's bounds trial (bounds_race.ts). */
export function boundsSlot(key: string, input: FindPlanInput): BoundsMemoSlot {
  return {
    get: () => {
      const e = PLAN_CACHE.peek(key);
      return e?.winner !== undefined && e.works !== undefined
        ? { indexName: e.winner, works: e.works }
        : undefined;
    },
    cached: () => PLAN_CACHE.peek(key)?.winner !== undefined,
    due: () => PLAN_CACHE.useChosen(key, RECOUNT_EVERY),
    set: (indexName, works) => PLAN_CACHE.setChosen(key, indexName, works),
    replan: () => planQuery(input),
  };
}

function keepTemplate(key: string, input: FindPlanInput, plan: PlanChoice): void {
  const t = templateOf(input, plan);
  if (t !== undefined) PLAN_CACHE.setTemplate(key, t);
}

/** Plan cache figures (tests, serverStatus). */
export function planCacheStats(): { entries: number; hits: number } {
  return { entries: PLAN_CACHE.size, hits: PLAN_CACHE.hits };
}

/**
 * `$planCacheStats` documents of a collection: one per cached query shape, with the index that won
 * (`cachedPlan`) and the shape it was planned for (values replaced by their types, as the key keeps them).
 */
export function planCacheEntries(coll: CollectionEntry | undefined, host: string): Doc[] {
  if (!coll) return [];
  return PLAN_CACHE.entries(`${hex(coll.uuid)}|`).map(([key, indexName]) => {
    const [, , filter, sort, collation] = key.split("|");
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
    const queryHash = hash.toString(16).toUpperCase().padStart(8, "0");
    return {
      queryHash,
      planCacheKey: queryHash,
      planCacheShapeHash: queryHash,
      isActive: true,
      createdFromQuery: {
        query: JSON.parse(filter ?? "{}"),
        sort: JSON.parse(sort ?? "{}"),
        collation: JSON.parse(collation ?? "{}"),
      },
      cachedPlan: { stage: "IXSCAN", indexName },
      host,
    };
  });
}
