/**
 * Turns the filter / sort / projection / skip / limit of a find-like command into the executor's
 * CompiledQuery: validates everything first (a bad operator fails even on an empty collection), asks
 * the planner for the access path, and binds the engine's compiled closures.
 */
import {
  parsedTextQuery,
  type TextIndexInfo,
  textIndexInfo,
  textLookupTerms,
  textScoredByIndex,
} from "../../engine/text/mod.ts";
import { textPrefixFields, textPrefixValues, textScanPath } from "../../planner/text_plan.ts";
import { TEXT_TERM_KEYS } from "../../keys/text_keys.ts";
import { effectiveCollation } from "./default_collation.ts";
import type { QueryParts } from "./query_parts.ts";

export type { QueryParts };
import { evaluateAwaited } from "../../engine/aggregate/js_defer.ts";
import { rawProjector } from "../../bson/raw_project.ts";
import {
  compileFilter,
  compileProjection,
  compileSort,
  compileSortKeys,
  filterTopFields,
  makeStringComparator,
  nativeMatchPlan,
  type NativeMatchTerm,
  parseSortSpec,
  sortKeyOf,
  sortTopFields,
} from "../../engine/mod.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import {
  type AccessPath,
  idPoint,
  type IndexInfo,
  type IxScanPath,
  naturalHint,
} from "../../planner/find_plan.ts";
import { checkTableScan } from "./table_scans.ts";
import { raceSortPlans, type SortTrialData } from "./sort_trial_plan.ts";
import { raceBoundsPlans } from "./bounds_race.ts";
import { namesJavaScript } from "./names_javascript.ts";
import { boundsSlot, planCacheKey, planWithCache, raceSlot } from "./plan_cache_use.ts";
import { boundsAnswerFilter, idLookupAnswers } from "../../planner/exact_bounds.ts";
import { skipBeforeFetch } from "../../planner/skip_pushdown.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import type { SpillFiles } from "../../storage/spill.ts";
import { isClustered } from "../../executor/clustered.ts";
import { planSummary } from "./plan_summary.ts";
import { setDocMeta } from "../../engine/expression/doc_meta.ts";
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { Doc } from "../reply.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";

/** Validates a partialFilterExpression (throws the engine's error for a bad operator). */
export function validatePartialFilter(f: Doc): void {
  compileFilter(f);
}

/**
 * Both views below are computed once per index list: the catalog never mutates a collection's
 * `indexes` array (a change — new index, multikey flag, collMod — installs a new array), so the array
 * is the cache key and a stale entry can never be hit.
 */
const textIndexCache = new WeakMap<CollectionEntry["indexes"], { info: TextIndexInfo | undefined }>();
const indexInfoCache = new WeakMap<CollectionEntry["indexes"], IndexInfo[]>();

/** The collection's text index (for `$text`), if it has one. */
export function textIndexOf(coll: CollectionEntry | undefined): TextIndexInfo | undefined {
  if (!coll) return undefined;
  let hit = textIndexCache.get(coll.indexes);
  if (!hit) {
    hit = { info: undefined };
    for (const i of coll.indexes) {
      const t = i.building ? undefined : textIndexInfo(i.spec);
      if (t) {
        hit.info = t;
        break;
      }
    }
    textIndexCache.set(coll.indexes, hit);
  }
  return hit.info;
}

/** The planner's view of a collection's indexes (shared: callers must not modify it). */
export function indexInfos(coll: CollectionEntry | undefined): IndexInfo[] {
  if (!coll) return [];
  let infos = indexInfoCache.get(coll.indexes);
  if (!infos) {
    infos = computeIndexInfos(coll);
    indexInfoCache.set(coll.indexes, infos);
  }
  return infos;
}

function computeIndexInfos(coll: CollectionEntry): IndexInfo[] {
  // Text indexes are read only by $text (TEXT_OR, planner/text_plan.ts): never a planner candidate.
  // An index being built is not there for queries until its build finishes.
  return coll.indexes.filter((i) => !textIndexInfo(i.spec) && !i.building).map((i) => {
    const collation = i.spec["collation"] as Doc | undefined;
    return {
      name: i.name,
      key: (i.spec["key"] ?? {}) as Doc,
      unique: i.unique,
      sparse: i.spec["sparse"] === true,
      multikey: i.multikey === true,
      hidden: i.spec["hidden"] === true,
      partialFilterExpression: i.spec["partialFilterExpression"] as Doc | undefined,
      collation: collation && collation["locale"] !== "simple" ? collation : undefined,
      geoOptions: { bits: i.spec["bits"], min: i.spec["min"], max: i.spec["max"] },
      wildcardProjection: i.spec["wildcardProjection"] as Doc | undefined,
    };
  });
}

/**
 * The TEXT_OR scan of the collection's text index for a top-level `$text`, when the index can answer
 * it (engine/text `textLookupTerms`, planner/text_plan.ts); otherwise the documents are scanned and
 * the `$text` predicate matches and scores each one. A compound text index needs an equality on each
 * prefix field (mongod's 291 otherwise, planner/text_plan.ts `textPrefixValues`).
 */
function textAccess(
  coll: CollectionEntry,
  filter: Doc,
  parts: QueryParts,
  collation: Doc | undefined,
): IxScanPath | undefined {
  const arg = topLevelText(filter);
  if (arg === undefined) return undefined; // (a hint beside $text is refused: refuseWithText)
  if (parts.min !== undefined || parts.max !== undefined) return undefined;
  const entry = coll.indexes.find((i) => textIndexInfo(i.spec) !== undefined);
  if (!entry) return undefined;
  // a hidden text index is not the planner's: no plan answers the $text (mongod's planner error)
  if (entry.spec["hidden"] === true) {
    throw new CommandError("NoQueryExecutionPlans", "need exactly one text index for $text query");
  }
  const key = (entry.spec["key"] ?? {}) as Doc;
  const prefix = textPrefixValues(filter, textPrefixFields(key), `${coll.db}.${coll.name}`, {
    query: collation,
    index: entry.spec["collation"],
  });
  // A text index still being built does not hold every document's entries yet; one written before
  // term keys (no TEXT_TERM_KEYS marker) holds a placeholder per document until the startup rewrite
  // (executor/text_index_upgrade.ts) has finished with it: both are scanned around.
  if (entry.building || entry.keyFormat !== TEXT_TERM_KEYS || prefix === undefined) return undefined;
  const info = textIndexInfo(entry.spec)!;
  const terms = textLookupTerms(arg, info);
  return textScanPath(
    { name: entry.name, key, unique: false, sparse: false, multikey: true, hidden: false },
    terms,
    parsedTextQuery(arg, info),
    prefix,
  );
}

/**
 * The TEXT_OR scan's entries answer the filter and score its documents (executor/text_or.ts): the
 * filter is the `$text` alone over an index without prefix fields, and its argument needs no check
 * of the document (engine/text `textScoredByIndex`).
 */
function indexScoresText(filter: Doc, scan: IxScanPath, index: TextIndexInfo): boolean {
  const keys = Object.keys(filter);
  return keys.length === 1 && keys[0] === "$text" && scan.text?.indexPrefix === undefined &&
    textScoredByIndex(filter["$text"], index);
}

/** A sort by `{$meta: "textScore"}` alone. */
function onlyTextScore(sort: Doc): boolean {
  const keys = Object.keys(sort);
  const v = sort[keys[0]!];
  return keys.length === 1 && v !== null && typeof v === "object" && !Array.isArray(v) &&
    Object.keys(v).length === 1 && (v as Doc)["$meta"] === "textScore";
}

/** The `$text` argument of the filter's top-level conjunction (`$and` flattened), if any. */
function topLevelText(filter: Doc): unknown {
  if (Object.hasOwn(filter, "$text")) return filter["$text"];
  const and = filter["$and"];
  if (!Array.isArray(and)) return undefined;
  for (const sub of and) {
    if (sub !== null && typeof sub === "object" && !Array.isArray(sub)) {
      const found = topLevelText(sub as Doc);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * What mongod's query validation refuses beside a `$text` (CanonicalQuery::isValid, BadValue): any
 * hint but `{}` (`$natural` too), and a `$natural` sort.
 */
function refuseWithText(parts: QueryParts): void {
  const hint = parts.hint;
  const emptyHint = hint === undefined || hint === null ||
    (typeof hint === "object" && !Array.isArray(hint) && Object.keys(hint).length === 0);
  if (parts.sort !== undefined && parts.sort !== null && Object.hasOwn(parts.sort, "$natural")) {
    throw new CommandError("BadValue", "text expression not allowed with $natural sort order");
  }
  if (!emptyHint) throw new CommandError("BadValue", "text and hint not allowed in same query");
}

/**
 * `opts.planCache: false` plans from scratch (explain shows the full choice, as mongod's explain).
 * `opts.exactBounds`: the caller reads each record with its index entry in one snapshot (find), so
 * a filter the index bounds answer exactly is not matched again (planner/exact_bounds.ts).
 */
export function compileQuery(
  parts: QueryParts,
  coll?: CollectionEntry,
  opts: { planCache?: boolean; exactBounds?: boolean; noTableScan?: boolean; trial?: SortTrialData } = {},
): CompiledQuery {
  const filter = parts.filter ?? {};
  const collation = effectiveCollation(parts.collation, coll);
  const textIndex = textIndexOf(coll);
  const compile = () =>
    Object.keys(filter).length === 0 ? null : compileFilter(filter, {
      ...(collation ? { collation } : {}),
      ...(textIndex ? { textIndex } : {}),
      ...(parts.variables ? { variables: parts.variables } : {}),
      ...(parts.where ? { where: parts.where } : {}),
      ...(parts.js ? { js: parts.js } : {}),
    });
  // A find by `_id` on a scalar: when the plan is IDHACK its key lookup is the whole filter, which
  // is compiled only for another plan (a hint, an `_id` index that is not unique).
  let matcher = opts.exactBounds === true && !collation && idLookupAnswers(filter) ? undefined : compile();
  if (matcher?.text) refuseWithText(parts);
  const sortSpec = parts.sort && Object.keys(parts.sort).filter((k) => k !== "$natural").length > 0
    ? parts.sort
    : undefined;
  const strCmp = collation ? makeStringComparator(collation) : undefined;
  const compiledSort = sortSpec ? compileSort(sortSpec, strCmp ? { strCmp } : {}) : null;
  const compiledSortKeys = sortSpec ? compileSortKeys(sortSpec, strCmp ? { strCmp } : {}) : null;
  const projection = parts.projection && Object.keys(parts.projection).length > 0
    ? compileProjection(parts.projection, {
      filter,
      ...(parts.variables ? { variables: parts.variables } : {}),
      filterOptions: collation ? { collation } : {},
      ...(parts.js ? { js: parts.js } : {}),
    })
    : null;
  // a projection calling `$function`: each row's projection in rounds, its calls awaited
  const projectDefer = projection && !parts.returnKey && parts.js?.deferred &&
      (JSON.stringify(parts.projection) ?? "").includes('"$function"')
    ? parts.js.deferred
    : undefined;
  const infos = indexInfos(coll);
  const textScan = textIndex ? textAccess(coll!, filter, parts, collation) : undefined;
  const cacheKey = opts.planCache === false || textScan
    ? undefined
    : planCacheKey(parts, coll, infos, !collation && idPoint(filter) !== undefined);
  const planInput = {
    filter,
    sort: parts.sort,
    // a collection that does not exist is empty whatever index is hinted (mongod's EOF plan)
    hint: coll ? parts.hint : undefined,
    indexes: infos,
    collated: strCmp !== undefined,
    collation,
    min: parts.min,
    max: parts.max,
    variables: parts.variables,
  };
  const planned = textScan ? { access: textScan, rejected: [] } : planWithCache(planInput, cacheKey);
  // (the data decides what the static ranking cannot: a sort's order against a smaller scan, or with
  // no sort the index whose bounds hold fewer entries)
  const plan = opts.trial && coll && !namesJavaScript(filter)
    ? raceBoundsPlans(
      raceSortPlans(
        planned,
        parts,
        coll,
        opts.trial,
        () => (matcher === undefined ? compile() : matcher),
        cacheKey === undefined ? undefined : raceSlot(cacheKey),
      ),
      parts,
      coll,
      opts.trial.storage,
      cacheKey === undefined || textScan ? undefined : boundsSlot(cacheKey, planInput),
    )
    : planned;
  const access = plan.access;
  checkTableScan(
    opts.noTableScan,
    coll,
    filter,
    access,
    naturalHint(parts.hint) !== undefined ||
      (parts.sort !== undefined && Object.hasOwn(parts.sort, "$natural")),
  );
  if (matcher === undefined) matcher = access.kind === "idLookup" ? null : compile();
  // the bounds answer the filter: no match per record, and no decode of the filter's fields (not
  // with min/max, whose bounds replace the filter's)
  // (an OR answers the whole filter when each branch's bounds answer that branch AND the predicates
  // beside the $or: planner/or_plan.ts)
  const orAnswers = access.kind === "or" && access.exact;
  const match = matcher && !(opts.exactBounds === true && !matcher.text && (orAnswers || (
      access.kind === "ixScan" && parts.min === undefined && parts.max === undefined && boundsAnswerFilter(
        filter,
        access,
        infos.find((i) => i.name === access.indexName),
        strCmp !== undefined,
      )
    )))
    ? matcher
    : null;
  // (an OR whose branches each give the sort merges them in it: SORT_MERGE, with the same comparator)
  const merged = access.kind === "or" && access.sortMerge !== undefined ? compiledSort : null;
  const sortProvided = (access.kind === "ixScan" && access.providesSort) || merged !== null;
  const sort = sortProvided ? null : compiledSort;
  const textScored = textScan && indexScoresText(filter, textScan, textIndex!)
    ? {
      top: parts.limit && sortSpec && onlyTextScore(sortSpec) ? (parts.skip ?? 0) + parts.limit : undefined,
    }
    : undefined;
  const step = projectStep(projection, parts, sortSpec);
  return {
    access,
    rejected: plan.rejected,
    sortSpec: sortSpec ?? null,
    projectionSpec: projection && !parts.returnKey ? parts.projection! : null,
    match: match && !textScored ? (d) => match.matches(d) : null,
    ...(textScored ? { textScored } : {}),
    ...(match && access.kind === "collScan" && !collation ? prefilterOf(filter) : {}),
    sort,
    ...(sort !== null && compiledSortKeys !== null ? { sortKeys: compiledSortKeys } : {}),
    ...(merged ? { mergeBy: merged } : {}),
    skip: parts.skip ?? 0,
    ...(skipBeforeFetch({
        access,
        skip: parts.skip ?? 0,
        residualFilter: match !== null,
        blockingSort: sort !== null,
        clustered: coll !== undefined && isClustered(coll),
      })
      ? { skipBeforeFetch: true }
      : {}),
    limit: parts.limit ?? 0,
    project: step.project,
    ...(!step.rowMeta && projection?.topLevel ? { projectRaw: rawProjector(projection.topLevel) } : {}),
    rowMeta: step.rowMeta,
    ...(projectDefer ? { projectAwaited: <T>(f: () => T) => evaluateAwaited(projectDefer, f) } : {}),
    ...(parts.jsRounds?.used ? { jsRounds: parts.jsRounds } : {}),
    ...(parts.returnKey ? { returnKey: true } : {}),
    readFields: readFieldsOf(match && !textScored ? filter : undefined, sort ? sortSpec : undefined),
    covered: coveredBy(
      access,
      coll,
      filter,
      sortSpec,
      parts.returnKey && access.kind === "ixScan" ? keyOnlyProjection(access.keyPattern) : parts.projection,
    ),
  };
}

/**
 * Most values of one `$in` a prefilter takes: the C matcher compares them one by one where the JS
 * matcher looks strings and numbers up in sets, so a long list is left to JS (a find over 200k records
 * with a string `$in`: 2.0M docs/s prefiltered at 1 value, 1.8M at 8, 1.5M at 16, 1.2M at 32; JS alone
 * 1.1–1.3M at any length).
 */
const PREFILTER_IN_MAX = 16;

/**
 * A collection scan's prefilter (`CompiledQuery.prefilter`): the filter as terms the storage engine
 * decides exactly as the matcher does, when it is such a conjunction (simple collation only: the
 * caller checks) with no `$in` longer than PREFILTER_IN_MAX.
 */
function prefilterOf(filter: Doc): { prefilter?: readonly NativeMatchTerm[] } {
  const terms = nativeMatchPlan(filter);
  return terms !== undefined && terms.length > 0 && terms.every((t) => t.values.length <= PREFILTER_IN_MAX)
    ? { prefilter: terms }
    : {};
}

/**
 * Per collection entry (the catalog replaces an entry on any change, its indexes or options): the
 * query `compileQuery` makes of a point filter on `_id` alone when that is a plain IDHACK read (no
 * filter left to run, no sort, projection, skip or limit), with its plan summary; null when it is not
 * (a default collation, an `_id` index that is not unique).
 */
const idPointShapes = new WeakMap<
  CollectionEntry,
  { readonly q: CompiledQuery; readonly summary: string } | null
>();

function idPointShape(
  filter: Doc,
  coll: CollectionEntry,
): { readonly q: CompiledQuery; readonly summary: string } | null {
  let shape = idPointShapes.get(coll);
  if (shape === undefined) {
    const c = compileQuery({ filter }, coll, { exactBounds: true });
    shape = c.access.kind === "idLookup" && c.match === null && c.sort === null && c.project === null &&
        c.skip === 0 && c.limit === 0 && !c.rowMeta && c.jsRounds === undefined &&
        c.returnKey === undefined &&
        c.projectAwaited === undefined && c.covered === undefined
      ? { q: c, summary: planSummary(c.access, isClustered(coll)) }
      : null;
    idPointShapes.set(coll, shape);
  }
  return shape;
}

/**
 * `compileQuery({filter}, coll, {exactBounds: true})` for a filter `{_id: v}` or `{_id: {$eq: v}}`
 * (v a plain scalar: `idLookupAnswers`) that is the whole query, when the collection answers it with
 * a plain IDHACK read: the collection's compiled shape with `v` put in, not compiled and planned
 * again (~1 KB and ~1 µs per request); undefined otherwise (compile it). `extra`: the limit and the
 * blocking sort's settings to carry.
 */
export function compileIdPoint(
  filter: Doc,
  coll: CollectionEntry,
  extra?: {
    readonly limit: number;
    readonly sortMemoryLimit?: number | undefined;
    readonly spill?: SpillFiles | undefined;
  },
): CompiledQuery | undefined {
  if (!idLookupAnswers(filter)) return undefined;
  const shape = idPointShape(filter, coll);
  if (shape === null) return undefined;
  const t = shape.q;
  return {
    access: { kind: "idLookup", id: idPoint(filter) },
    rejected: t.rejected ?? [],
    sortSpec: null,
    projectionSpec: null,
    match: null,
    sort: null,
    skip: 0,
    limit: extra?.limit ?? 0,
    project: null,
    rowMeta: false,
    readFields: t.readFields ?? null,
    sortMemoryLimit: extra?.sortMemoryLimit,
    spill: extra?.spill,
  };
}

/** The plan summary of a query `compileIdPoint` answered for `coll`. */
export function idPointSummary(coll: CollectionEntry): string {
  return idPointShapes.get(coll)?.summary ?? "IDHACK";
}

/**
 * The projection step with returnKey / showRecordId / `{$meta: "recordId" | "indexKey"}` (mongod):
 * returnKey replaces the document by its index key (`{}` when no index produced it) and ignores the
 * projection (which is still validated) and showRecordId; showRecordId appends `$recordId` after the
 * projection.
 */
function projectStep(
  projection: { apply(d: Doc): Doc } | null,
  parts: QueryParts,
  sortSpec: Doc | undefined,
): { project: CompiledQuery["project"]; rowMeta: boolean } {
  const showRecordId = parts.showRecordId === true;
  const sortKey = sortKeyOfRow(parts, sortSpec);
  if (parts.returnKey) {
    const sortKeyFields = sortKey ? sortKeyProjectionFields(parts.projection!) : [];
    return {
      rowMeta: true,
      // mongod: with returnKey, showRecordId adds nothing (the key is the whole answer); sortKey
      // projections are added beside it
      project: (d, m) => {
        const out: Doc = { ...(m?.indexKey() ?? {}) };
        for (const f of sortKeyFields) setPath(out, f, sortKey!(d));
        return out;
      },
    };
  }
  const metaInProjection = projection !== null && readsRowMeta(parts.projection);
  if (!showRecordId && !metaInProjection && !sortKey) {
    return { rowMeta: false, project: projection ? (d) => projection.apply(d) : null };
  }
  return {
    rowMeta: true,
    project: (d, m) => {
      if (sortKey) {
        setDocMeta(d, { ...m, sortKey: () => sortKey(d) });
      } else if (m && metaInProjection) setDocMeta(d, m);
      const out = projection ? projection.apply(d) : { ...d };
      if (showRecordId && m?.recordId !== undefined) out["$recordId"] = Long.fromBigInt(m.recordId);
      return out;
    },
  };
}

/**
 * A query whose documents carry their record id and index key (doc_meta.ts) to whatever reads them
 * next (a pipeline using `{$meta: "recordId" | "indexKey"}`).
 */
export function withRowMeta(q: CompiledQuery): CompiledQuery {
  const project = q.project;
  return {
    ...q,
    rowMeta: true,
    projectRaw: undefined,
    project: (d, m) => {
      const out = project ? project(d, m) : d;
      if (m) setDocMeta(out, m);
      return out;
    },
  };
}

/** True when a projection or pipeline uses `{$meta: "recordId"}` or `{$meta: "indexKey"}` anywhere. */
export function readsRowMeta(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(readsRowMeta);
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return false;
  for (const [k, x] of Object.entries(v as Doc)) {
    if (
      k === "$meta" &&
      (x === "recordId" || x === "indexKey" || x === "geoNearDistance" || x === "geoNearPoint")
    ) {
      return true;
    }
    if (readsRowMeta(x)) return true;
  }
  return false;
}

/**
 * `{$meta: "sortKey"}` in a find projection: the document's sort key values (one per sort field, null
 * for a missing one), or undefined when the projection does not ask. Without a sort it is 2 BadValue.
 */
function sortKeyOfRow(parts: QueryParts, sortSpec: Doc | undefined): ((d: Doc) => unknown[]) | undefined {
  if (!parts.projection || sortKeyProjectionFields(parts.projection).length === 0) return undefined;
  if (sortSpec === undefined) {
    throw new CommandError("BadValue", "cannot use sortKey $meta projection without a sort");
  }
  const keys = parseSortSpec(sortSpec);
  return (d) => keys.map((k) => sortKeyOf(d, k.parts, k.direction) ?? null);
}

/** The (dotted) fields a projection sets to `{$meta: "sortKey"}`. */
export function sortKeyProjectionFields(projection: Doc, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(projection)) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) continue;
    const x = v as Doc;
    if (x["$meta"] === "sortKey") out.push(prefix + k);
    else if (!Object.keys(x).some((f) => f.startsWith("$"))) {
      out.push(...sortKeyProjectionFields(x, `${prefix}${k}.`));
    }
  }
  return out;
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    cur = (cur[p] = next !== null && typeof next === "object" && !Array.isArray(next) ? next : {}) as Doc;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** returnKey reads only the index key: a projection of the key fields (for the covered check). */
function keyOnlyProjection(keyPattern: Doc): Doc {
  const p: Doc = {};
  for (const k of Object.keys(keyPattern)) p[k] = 1;
  if (!Object.hasOwn(keyPattern, "_id")) p["_id"] = 0;
  return p;
}

/** Full dotted paths a filter reads, or null when it uses anything but fields and $and/$or/$nor. */
function filterPaths(filter: Doc, out: Set<string>): boolean {
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" || k === "$or" || k === "$nor") {
      if (!Array.isArray(v) || !v.every((s) => s && typeof s === "object" && filterPaths(s as Doc, out))) {
        return false;
      }
    } else if (k === "$comment") continue;
    else if (k.startsWith("$")) return false;
    else out.add(k);
  }
  return true;
}

/**
 * A covered plan: the index scan can answer alone when the projection includes only fields of the
 * index (and excludes `_id` unless indexed), the filter and sort read only those fields, and the index
 * is neither multikey nor collated. Rows whose keys do not decode exactly are still fetched.
 */
function coveredBy(
  access: AccessPath,
  coll: CollectionEntry | undefined,
  filter: Doc,
  sort: Doc | undefined,
  projection: Doc | undefined,
): CompiledQuery["covered"] {
  if (access.kind !== "ixScan" || access.multikey || !coll || !projection) return undefined;
  const ix = coll.indexes.find((i) => i.name === access.indexName);
  const collation = ix?.spec["collation"] as Doc | undefined;
  if (!ix || (collation && collation["locale"] !== "simple")) return undefined;
  const keyFields = Object.keys(access.keyPattern);
  const inKey = new Set(keyFields);
  const directions = keyFields.map((f) => (Number(access.keyPattern[f]) < 0 ? -1 : 1) as 1 | -1);
  if (
    directions.length !== keyFields.length || keyFields.some((f) => typeof access.keyPattern[f] === "string")
  ) {
    return undefined; // special index kinds
  }
  let idExcluded = false;
  for (const [path, v] of Object.entries(projection)) {
    // (numbers of any type: a client may send 1.0 as a double)
    const on = v === true || (isNumeric(v) && toNumber(v) !== 0);
    const off = v === false || (isNumeric(v) && toNumber(v) === 0);
    if (path === "_id" && off) {
      idExcluded = true;
      continue;
    }
    if (!on || !inKey.has(path)) return undefined;
  }
  if (!idExcluded && !inKey.has("_id")) return undefined;
  const reads = new Set<string>();
  if (!filterPaths(filter, reads)) return undefined;
  for (const k of Object.keys(sort ?? {})) reads.add(k);
  for (const p of reads) if (!inKey.has(p)) return undefined;
  return { fields: keyFields, directions };
}

/** The fields of a query with neither a filter left to run nor a sort (a find by `_id`): none. */
const NO_FIELDS: ReadonlySet<string> = new Set<string>();

/** Top-level fields the filter and sort read (the executor decodes only those), or null for all. */
function readFieldsOf(filter: Doc | undefined, sort: Doc | undefined): ReadonlySet<string> | null {
  if (!filter && !sort) return NO_FIELDS;
  const f = filter ? filterTopFields(filter) : new Set<string>();
  const s = sort ? sortTopFields(sort) : new Set<string>();
  if (!f || !s) return null;
  for (const x of s) f.add(x);
  return f;
}

export { clearPlanCache, planCacheEntries, planCacheStats } from "./plan_cache_use.ts";
