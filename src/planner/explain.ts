/**
 * The explain tree of a plan. PURE. Prints the access path the executor runs (never a re-derivation)
 * plus the stages around it, with mongod's stage names: COLLSCAN / IXSCAN → FETCH / IDHACK, then
 * SORT (unless the index provides the order), SKIP, LIMIT, PROJECTION_DEFAULT (RETURN_KEY for returnKey). With run statistics
 * the same tree carries nReturned, keysExamined and docsExamined.
 */
import type { AccessPath, IxScanPath, OrPath } from "./plan.ts";
import type { Document as Doc } from "../bson/document.ts";

export interface ExplainInput {
  readonly access: AccessPath;
  readonly filter: Doc;
  readonly sortSpec?: Doc | null | undefined;
  readonly skip?: number | undefined;
  readonly limit?: number | undefined;
  readonly projectionSpec?: Doc | null | undefined;
  /** The index scan answers alone (PROJECTION_COVERED over IXSCAN, no FETCH). */
  readonly covered?: unknown;
  /** find's returnKey: a RETURN_KEY stage on top (no projection stage). */
  readonly returnKey?: boolean | undefined;
  /**
   * The collection is clustered by `_id`: a read through `_id` is shown as mongod shows its bounded
   * scan of the clustered table (CLUSTERED_IXSCAN with minRecord/maxRecord), not as an index + FETCH.
   */
  readonly clustered?: boolean | undefined;
  /** SKIP below FETCH (skip_pushdown.ts): FETCH → SKIP → IXSCAN, the FETCH with no filter. */
  readonly skipBeforeFetch?: boolean | undefined;
}

export interface RunStats {
  readonly nReturned: number;
  readonly keysExamined: number;
  readonly docsExamined: number;
  /** Sorted runs the blocking sort wrote to disk. */
  readonly spills?: number | undefined;
  /** Index entries a SKIP below FETCH passed over (their records unread). */
  readonly keysSkipped?: number | undefined;
  /** An OR plan's figures per branch: keys examined, record ids handed up (before the OR's dedup). */
  readonly branches?: readonly { readonly keysExamined: number; readonly nReturned: number }[] | undefined;
}

/** True when the access path reads a clustered collection through its `_id` order (CLUSTERED_IXSCAN). */
export function isClusteredIdScan(access: AccessPath, clustered: boolean | undefined): boolean {
  return clustered === true &&
    (access.kind === "idLookup" || (access.kind === "ixScan" && access.indexName === "_id_"));
}

const RANGE_OPS: Readonly<Record<string, "min" | "max" | "both">> = {
  $eq: "both",
  $gt: "min",
  $gte: "min",
  $lt: "max",
  $lte: "max",
};

/** mongod's minRecord / maxRecord of a clustered scan: the `_id` bounds the filter's top-level predicate gives. */
function recordBounds(filter: Doc): Doc {
  if (!Object.hasOwn(filter, "_id")) return {};
  const p = filter["_id"];
  const isOps = p !== null && typeof p === "object" && !Array.isArray(p) &&
    Object.keys(p).some((k) => k.startsWith("$"));
  if (!isOps) return { minRecord: p, maxRecord: p };
  const out: Doc = {};
  for (const [op, v] of Object.entries(p as Doc)) {
    const side = RANGE_OPS[op];
    if (side === "min" || side === "both") out["minRecord"] = v;
    if (side === "max" || side === "both") out["maxRecord"] = v;
  }
  return out;
}

function leaf(access: AccessPath, filter: Doc, stats: RunStats | undefined, clustered?: boolean): Doc {
  const hasFilter = Object.keys(filter).length > 0;
  const ex = (d: Doc, extra: Doc): Doc => (stats ? { ...d, ...extra } : d);
  if (isClusteredIdScan(access, clustered)) {
    // Records of a clustered collection are read in _id order: no index keys, each record is a document.
    const reverse = access.kind === "ixScan" && access.reverse;
    return ex({
      stage: "CLUSTERED_IXSCAN",
      ...(hasFilter ? { filter } : {}),
      direction: reverse ? "backward" : "forward",
      ...recordBounds(filter),
    }, {
      nReturned: stats?.nReturned,
      docsExamined: Math.max(stats?.docsExamined ?? 0, stats?.keysExamined ?? 0),
    });
  }
  if (access.kind === "idLookup") {
    return ex({ stage: "IDHACK" }, {
      nReturned: stats?.nReturned,
      keysExamined: stats?.keysExamined ?? 0,
      docsExamined: stats?.docsExamined,
    });
  }
  if (access.kind === "collScan") {
    return ex({
      stage: "COLLSCAN",
      ...(hasFilter ? { filter } : {}),
      direction: access.reverse ? "backward" : "forward",
    }, { nReturned: stats?.nReturned, docsExamined: stats?.docsExamined });
  }
  if (access.kind === "geoNear") {
    // mongod: GEO_NEAR_2D / GEO_NEAR_2DSPHERE over FETCH ← IXSCAN per ring; the first ring's bounds.
    const scan = ex({
      stage: "IXSCAN",
      keyPattern: access.keyPattern,
      indexName: access.indexName,
      isMultiKey: access.multikey,
      indexVersion: 2,
      direction: "forward",
      indexBounds: access.indexBounds,
    }, { keysExamined: stats?.keysExamined });
    return ex({
      stage: access.indexKind === "2d" ? "GEO_NEAR_2D" : "GEO_NEAR_2DSPHERE",
      keyPattern: access.keyPattern,
      indexName: access.indexName,
      indexVersion: 2,
      ...(hasFilter ? { filter } : {}),
      inputStage: ex({ stage: "FETCH", inputStage: scan }, { docsExamined: stats?.docsExamined }),
    }, { nReturned: stats?.nReturned, docsExamined: stats?.docsExamined });
  }
  if (access.kind === "or") return orLeaf(access, filter, stats);
  const ixscan = ex(ixscanStage(access), {
    keysExamined: stats?.keysExamined,
    nReturned: stats?.docsExamined,
  });
  return ex({ stage: "FETCH", ...(hasFilter ? { filter } : {}), inputStage: ixscan }, {
    nReturned: stats?.nReturned,
    docsExamined: stats?.docsExamined,
  });
}

/** An IXSCAN stage of `access` (no run statistics). */
function ixscanStage(access: IxScanPath): Doc {
  return {
    stage: "IXSCAN",
    // (a key filter: mongod's filter on an INEXACT_COVERED scan, run before FETCH)
    ...(access.keyFilter ? { filter: access.keyFilter.shown } : {}),
    keyPattern: access.keyPattern,
    indexName: access.indexName,
    isMultiKey: access.multikey,
    multiKeyPaths: Object.fromEntries(
      Object.keys(access.keyPattern).map((k) => [k, access.multikey ? [k] : []]),
    ),
    isUnique: access.unique,
    isSparse: access.sparse,
    isPartial: access.partial,
    indexVersion: 2,
    direction: access.reverse ? "backward" : "forward",
    indexBounds: access.indexBounds,
  };
}

/**
 * An OR of index scans (planner/or_plan.ts), as mongod's classic explain prints it: FETCH → OR → one
 * IXSCAN per branch, under SUBPLAN when the filter is the `$or` alone. The FETCH shows the filter
 * still matched per document: none when the branches' bounds answer the whole filter exactly (a
 * rooted `$or`, or a contained one whose outside predicates every branch's bounds answer too); the
 * predicates beside the `$or` when the bounds answer each branch alone; else the whole filter (mongod would put a
 * FETCH with the branch's filter under the OR for an inexact branch: here the whole filter is matched
 * once, above). OR's `dupsTested` / `dupsDropped` count the record ids handed out more than once.
 * Branches merged in the query's sort (`sortMerge`) show as SORT_MERGE with its `sortPattern`.
 */
function orLeaf(access: OrPath, filter: Doc, stats: RunStats | undefined): Doc {
  let shown: Doc | undefined = filter;
  if (access.exact) shown = undefined;
  else if (access.branchesExact && Array.isArray(filter["$or"]) && filter["$or"] === orList(access, filter)) {
    const { $or: _answered, ...rest } = filter;
    shown = Object.keys(rest).length > 0 ? rest : undefined;
  }
  const branches = stats?.branches;
  const scans = access.branches.map((b, i) =>
    stats
      ? {
        ...ixscanStage(b),
        keysExamined: branches?.[i]?.keysExamined ?? 0,
        nReturned: branches?.[i]?.nReturned ?? 0,
      }
      : ixscanStage(b)
  );
  const tested = branches?.reduce((n, b) => n + b.nReturned, 0) ?? 0;
  const stage = access.sortMerge ? { stage: "SORT_MERGE", sortPattern: access.sortMerge } : { stage: "OR" };
  const or: Doc = stats
    ? {
      ...stage,
      nReturned: stats.docsExamined,
      dupsTested: tested,
      dupsDropped: Math.max(0, tested - stats.docsExamined),
      inputStages: scans,
    }
    : { ...stage, inputStages: scans };
  const fetch: Doc = {
    stage: "FETCH",
    ...(shown ? { filter: shown } : {}),
    ...(stats ? { nReturned: stats.nReturned, docsExamined: stats.docsExamined } : {}),
    inputStage: or,
  };
  return access.rooted
    ? { stage: "SUBPLAN", ...(stats ? { nReturned: stats.nReturned } : {}), inputStage: fetch }
    : fetch;
}

/** The `$or` list of `filter` whose branches the OR scans (identity), or undefined. */
function orList(access: OrPath, filter: Doc): unknown {
  const list = filter["$or"];
  return Array.isArray(list) && list[0] === access.branchFilters[0] ? list : undefined;
}

/**
 * FETCH → SKIP → IXSCAN (mongod 4.4+): the SKIP passes over index entries before any record is read.
 * The FETCH has no filter (the bounds answer it: skip_pushdown.ts); with run statistics the IXSCAN
 * returns the entries skipped and those the SKIP handed up (the records fetched, or for a covered plan
 * the rows returned).
 */
function skipBelowFetch(fetch: Doc, skip: number, stats: RunStats | undefined, covered: boolean): Doc {
  const { filter: _answered, inputStage, ...rest } = fetch;
  const passed = stats ? (covered ? stats.nReturned : stats.docsExamined) : 0;
  const ixscan = stats
    ? { ...(inputStage as Doc), nReturned: passed + (stats.keysSkipped ?? 0) }
    : inputStage as Doc;
  return {
    ...rest,
    inputStage: {
      stage: "SKIP",
      ...(stats ? { nReturned: passed } : {}),
      skipAmount: skip,
      inputStage: ixscan,
    },
  };
}

/** The winning plan tree (with per-stage counters when `stats` is given). */
export function explainTree(q: ExplainInput, stats?: RunStats): Doc {
  const covered = q.covered !== undefined && q.access.kind === "ixScan";
  let node = leaf(q.access, q.filter, stats, q.clustered);
  const skipBelow = q.skipBeforeFetch === true && node["stage"] === "FETCH" && (q.skip ?? 0) > 0;
  if (skipBelow) node = skipBelowFetch(node, q.skip!, stats, covered);
  // A covered plan has no FETCH: the IXSCAN (with the filter, if any) feeds the projection directly.
  if (covered && node["stage"] === "FETCH" && node["inputStage"]) {
    const ix = node["inputStage"] as Doc;
    node = node["filter"] ? { ...ix, filter: node["filter"] } : ix;
  }
  const withN = (d: Doc): Doc => (stats ? { ...d, nReturned: stats.nReturned } : d);
  if (q.access.kind === "ixScan" && q.access.text) {
    // $text through the text index, with mongod's stages: TEXT_MATCH (re-check, score) over TEXT_OR
    // (one IXSCAN of the index entries per term; mongod prints their bounds as {}).
    const a = q.access;
    const text = a.text!;
    const scans = text.terms.map((_t) => ({
      stage: "IXSCAN",
      keyPattern: a.keyPattern,
      indexName: a.indexName,
      isMultiKey: true,
      isUnique: false,
      isSparse: false,
      isPartial: false,
      indexVersion: 2,
      direction: "backward",
      indexBounds: {},
    }));
    const rest = Object.fromEntries(Object.entries(q.filter).filter(([k]) => k !== "$text"));
    node = withN({
      stage: "TEXT_MATCH",
      indexPrefix: text.indexPrefix ?? {},
      indexName: a.indexName,
      parsedTextQuery: text.parsed ??
        { terms: text.terms, negatedTerms: [], phrases: [], negatedPhrases: [] },
      textIndexVersion: 3,
      inputStage: withN({
        stage: "TEXT_OR",
        ...(Object.keys(rest).length > 0 ? { filter: rest } : {}),
        ...(stats ? { docsExamined: stats.docsExamined } : {}),
        inputStages: scans.map((s) => (stats ? { ...s, keysExamined: 0, nReturned: 0 } : s)),
      }),
    });
  } else if (q.filter && Object.hasOwn(q.filter, "$text")) {
    // $text: the documents are read by a scan and scored by the text matcher (engine/text), shown
    // with mongod's stage names.
    const search = q.filter["$text"] as Doc;
    node = withN({
      stage: "TEXT_MATCH",
      indexPrefix: {},
      parsedTextQuery: { search: search?.["$search"] },
      textIndexVersion: 3,
      inputStage: withN({ stage: "TEXT_OR", inputStage: node }),
    });
  }
  const sortProvided = (q.access.kind === "ixScan" && q.access.providesSort) ||
    (q.access.kind === "or" && q.access.sortMerge !== undefined);
  if (q.sortSpec && !sortProvided) {
    node = withN({
      stage: "SORT",
      sortPattern: q.sortSpec,
      memLimit: 104857600,
      ...(q.limit ? { limitAmount: (q.skip ?? 0) + q.limit } : {}),
      type: "simple",
      ...(stats ? { usedDisk: (stats.spills ?? 0) > 0, spills: stats.spills ?? 0 } : {}),
      inputStage: node,
    });
  }
  if (q.skip && !skipBelow) node = withN({ stage: "SKIP", skipAmount: q.skip, inputStage: node });
  if (q.limit) node = withN({ stage: "LIMIT", limitAmount: q.limit, inputStage: node });
  if (q.returnKey) {
    node = withN({ stage: "RETURN_KEY", inputStage: node });
  } else if (q.projectionSpec) {
    const stage = covered ? "PROJECTION_COVERED" : "PROJECTION_DEFAULT";
    node = withN({ stage, transformBy: q.projectionSpec, inputStage: node });
  }
  return node;
}

/**
 * A distinct's index walk (executor/distinct_scan.ts): FETCH (each visited entry's document, matched
 * against the filter) over DISTINCT_SCAN; `stats.nReturned` is the values the walk found.
 */
export function explainDistinctScan(path: IxScanPath, filter: Doc, stats?: RunStats): Doc {
  const fetch = leaf({ ...path, reverse: false }, filter, stats);
  const scan: Doc = { ...(fetch["inputStage"] as Doc), stage: "DISTINCT_SCAN" };
  if (stats) scan["nReturned"] = stats.keysExamined;
  return { ...fetch, inputStage: scan };
}

/** A count from index entries alone (executor/count_scan.ts): COUNT_SCAN, no document read. */
export function explainCountScan(path: IxScanPath, stats?: RunStats): Doc {
  const fetch = leaf({ ...path, reverse: false }, {}, stats);
  const scan: Doc = { ...(fetch["inputStage"] as Doc), stage: "COUNT_SCAN" };
  if (stats) scan["nReturned"] = stats.nReturned;
  return scan;
}

/** Wraps a plan in a write or count stage (UPDATE, DELETE, COUNT). */
export function wrapStage(stage: string, node: Doc, extra: Doc = {}): Doc {
  return { stage, ...extra, inputStage: node };
}
