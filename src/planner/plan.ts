/**
 * plan.ts — the TYPES of a plan and nothing else: what the planner knows of an index (`IndexInfo`),
 * what it is asked (`FindPlanInput`), and what it answers (`AccessPath`: IDHACK, COLLSCAN, IXSCAN
 * with byte intervals, OR of IXSCANs, GEO_NEAR; `PlanChoice` with the rejected candidates). The
 * planner fills these in, `explain` prints them, and the executor runs them.
 *
 * Layer exception (scripts/check_layers.ts, EXECUTOR_MAY_IMPORT): the executor sits below the planner
 * yet runs its plans, so it may import this one file. Keep it types-only, importing only leaves
 * (bson/, keys/, engine/geo/), so that exception never drags planner code below the planner.
 */
import type { Document as Doc } from "../bson/document.ts";
import type { LngLat } from "../engine/geo/geometry.ts";

/** A byte interval over whole keys, as storage scans it. */
export interface KeyInterval {
  readonly lower?: Uint8Array;
  readonly upper?: Uint8Array;
  readonly upperExclusive?: boolean;
}

export interface IxScanPath {
  readonly kind: "ixScan";
  readonly indexName: string;
  readonly keyPattern: Record<string, unknown>;
  readonly unique: boolean;
  readonly multikey: boolean;
  readonly sparse: boolean;
  readonly partial: boolean;
  /** Byte intervals in scan order (already reversed for a reverse scan). */
  readonly intervals: readonly KeyInterval[];
  readonly reverse: boolean;
  /** mongod-style interval strings per field (explain). */
  readonly indexBounds: Record<string, string[]>;
  /** The index order is the requested sort: no blocking SORT stage. */
  readonly providesSort: boolean;
  /**
   * How many leading fields every interval pins to one value (equality / one-value `$in`), so that
   * all entries scanned share those fields' bytes; 0 or absent when unknown (find's min/max bounds).
   */
  readonly pointPrefix?: number;
  /** A record can appear under several keys (multikey): drop repeats. */
  readonly dedup: boolean;
  /**
   * A test of each index key in the bounds before its record is read: a key it fails holds no match
   * (a regex on the key's string: planner/key_filter.ts; mongod's filter on an INEXACT_COVERED IXSCAN).
   * Applied before multikey repeats are dropped (another key of the record may pass).
   */
  readonly keyFilter?: KeyFilter | undefined;
  /**
   * The key check of the fields past the intervals' (planner/key_check.ts, packed for the storage
   * engine): entries it fails are skipped before their records are read.
   */
  readonly keyCheck?: Uint8Array | undefined;
  /**
   * Its bounds are the complement of a negated value on the index's first field (`$ne`, `$nin`,
   * `$not`): nearly the whole index (find_plan.ts leaves such a plan to the collection scan unless it
   * answers the filter or gives the sort).
   */
  readonly complement?: true;
  /** Why this plan scored as it did (explain, plan choice). */
  readonly score: number;
  /**
   * `$text` over a text index (TEXT_OR): every interval is one query term; the record ids of all
   * hits are gathered first and the documents fetched in record-id order (planner/text_plan.ts).
   */
  readonly text?: {
    readonly terms: readonly string[];
    /** explain's `parsedTextQuery` (terms, negatedTerms, phrases, negatedPhrases). */
    readonly parsed?: Record<string, unknown>;
    /** The equality values of a compound text index's prefix fields (explain's `indexPrefix`). */
    readonly indexPrefix?: Record<string, unknown>;
  };
}

/** A test of index keys (IxScanPath.keyFilter). */
export interface KeyFilter {
  /** false: no document is a match through this key (its record need not be read). */
  readonly test: (key: Uint8Array) => boolean;
  /** What explain shows as the IXSCAN's `filter`. */
  readonly shown: Record<string, unknown>;
}

/**
 * OR of index scans (mongod's OR stage under SUBPLAN for a rooted `$or`): each branch of a top-level
 * `$or` scanned through its own index plan (bounded by the predicates beside the `$or` too: contained
 * `$or`), in branch order, record ids already handed out dropped; every fetched document is matched
 * against the whole filter unless `exact` (planner/or_plan.ts). Gives no order.
 */
export interface OrPath {
  readonly kind: "or";
  readonly branches: readonly IxScanPath[];
  /**
   * Each branch's own filter (the `$or` element its scan was planned for, or a leaf of one a nested
   * `$or` was distributed into: or_plan.ts), in branch order.
   */
  readonly branchFilters: readonly Record<string, unknown>[];
  /** The filter is that `$or` alone (mongod's rooted `$or`, planned branch by branch: SUBPLAN). */
  readonly rooted: boolean;
  /**
   * Every branch's bounds answer its branch AND the predicates beside the `$or` exactly
   * (planner/exact_bounds.ts): the OR answers the whole filter, no document need be matched again.
   */
  readonly exact: boolean;
  /** Every branch's bounds answer its own branch filter exactly (what is left to match: the rest). */
  readonly branchesExact: boolean;
  /**
   * Every branch's index order gives this sort (the query's): the branches are merged in it
   * (mongod's SORT_MERGE, executor/merge_sort_scan.ts) and no blocking sort follows.
   */
  readonly sortMerge?: Record<string, unknown>;
  /** The weakest branch's score (compared with single-index plans). */
  readonly score: number;
}

export type AccessPath =
  | { readonly kind: "idLookup"; readonly id: unknown }
  | { readonly kind: "collScan"; readonly reverse: boolean }
  | IxScanPath
  | OrPath
  | GeoNearPath;

/** What the planner needs to know of one index. */
export interface IndexInfo {
  readonly name: string;
  readonly key: Record<string, unknown>;
  readonly unique: boolean;
  readonly sparse: boolean;
  readonly multikey: boolean;
  readonly hidden: boolean;
  readonly partialFilterExpression?: Record<string, unknown> | undefined;
  /** Non-simple collation of the index (string bounds only for queries with the same collation). */
  readonly collation?: Record<string, unknown> | undefined;
  /** 2d options (`bits`, `min`, `max`) of a geo index. */
  readonly geoOptions?: Record<string, unknown> | undefined;
  /** A wildcard index's `wildcardProjection`. */
  readonly wildcardProjection?: Record<string, unknown> | undefined;
}

export interface FindPlanInput {
  readonly filter: Record<string, unknown>;
  readonly sort?: Record<string, unknown> | undefined;
  readonly hint?: unknown;
  readonly indexes?: readonly IndexInfo[];
  /** The query has a non-simple collation. */
  readonly collated?: boolean;
  /** The query's collation document (a collated index serves string bounds only for the same one). */
  readonly collation?: Record<string, unknown> | undefined;
  readonly min?: Record<string, unknown> | undefined;
  readonly max?: Record<string, unknown> | undefined;
  /** The command's `let` variables (`$expr` equalities on `$$name` give bounds). */
  readonly variables?: Record<string, unknown> | undefined;
}

/** The winner and the rejected candidates (explain shows both). */
export interface PlanChoice {
  readonly access: AccessPath;
  readonly rejected: readonly AccessPath[];
}

export interface GeoNearPath {
  readonly kind: "geoNear";
  readonly indexName: string;
  readonly keyPattern: Record<string, unknown>;
  readonly indexKind: "2d" | "2dsphere";
  readonly field: string;
  readonly point: LngLat;
  /** Distances on the sphere (radians, or meters when `meters`) vs flat 2d units. */
  readonly spherical: boolean;
  readonly meters: boolean;
  readonly minDistance: number;
  readonly maxDistance: number;
  /** The radius past which a ring covers the whole index (query units). */
  readonly maxRadius: number;
  /** The first ring's radius (query units). */
  readonly initialRadius: number;
  readonly multikey: boolean;
  /** Index intervals holding every document within `radius` (query units) of the point. */
  readonly ringIntervals: (radius: number) => readonly KeyInterval[];
  /** Exact distance of a document (query units) and the location that achieved it. */
  readonly distanceOf: (doc: Doc) => { distance: number; loc: unknown } | undefined;
  /** explain: bounds of the first ring. */
  readonly indexBounds: Record<string, string[]>;
}
