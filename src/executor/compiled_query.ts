/**
 * What a compiled query hands the executor (access path, filter, sort/skip/limit, projection, spill and
 * server-side JavaScript hooks) and what the executor reports back (ExecStats, RowMeta). Types only: the
 * commands layer builds a CompiledQuery (commands/shared/compile_query.ts), QuerySource runs it.
 */
import type { AccessPath } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import type { SpillFiles } from "../storage/spill.ts";
import type { ScalarMatchTerm } from "../bson/scalar_match_term.ts";

/** A sort as keys: `keyOf` once per document, `compare` in the sort's order. */
export interface SortKeys {
  keyOf(d: Doc): unknown[];
  compare(a: readonly unknown[], b: readonly unknown[]): number;
}

export interface CompiledQuery {
  readonly access: AccessPath;
  /** Plans the planner considered and did not choose (explain's rejectedPlans). */
  readonly rejected?: readonly AccessPath[];
  /** The requested sort (explain: SORT stage unless the index provides it). */
  readonly sortSpec?: Doc | null;
  /** The requested projection (explain: PROJECTION stage). */
  readonly projectionSpec?: Doc | null;
  /** null = match everything. */
  readonly match: ((doc: Doc) => boolean) | null;
  /**
   * `match`'s filter as terms the storage engine evaluates on stored bytes (a collection scan's
   * `ScanOptions.prefilter`): records it fails are skipped before `match` sees them. Only for a filter
   * it decides exactly as `match` does (engine/aggregate/match_native.ts; no collation).
   */
  readonly prefilter?: readonly ScalarMatchTerm[] | undefined;
  readonly sort: ((a: Doc, b: Doc) => number) | null;
  /**
   * `sort`'s order as keys (engine/sort `compileSortKeys`): a document's key computed once, keys
   * compared — a top-k sort compares each kept row many times.
   */
  readonly sortKeys?: SortKeys | null | undefined;
  /** An OR plan's SORT_MERGE order (its `sortMerge`: the branches give the sort; `sort` is null). */
  readonly mergeBy?: ((a: Doc, b: Doc) => number) | undefined;
  readonly skip: number;
  /**
   * SKIP below FETCH (planner/skip_pushdown.ts): the first `skip` entries of the index scan (distinct
   * record ids) are passed over without reading their records.
   */
  readonly skipBeforeFetch?: boolean | undefined;
  /** 0 = no limit. */
  readonly limit: number;
  /**
   * The TEXT_OR scan's entries score its documents and are the whole filter (executor/text_or.ts): no
   * match per document; `top`: only the best-scored `top` are fetched (a sort by the score alone).
   */
  readonly textScored?: { readonly top: number | undefined } | undefined;
  /**
   * The projection step; `meta` (record id, index key) is passed when `rowMeta` is set (returnKey,
   * showRecordId, `{$meta: "recordId" | "indexKey"}`).
   */
  readonly project: ((doc: Doc, meta?: RowMeta) => Doc) | null;
  /**
   * `project` done on the stored bytes (a plain top-level projection, no row metadata: bson/raw_project.ts);
   * undefined from it leaves that document to `project`.
   */
  readonly projectRaw?: ((bytes: Uint8Array) => Uint8Array | undefined) | undefined;
  /**
   * The projection calls server-side JavaScript (`$function`): `nextBatch` projects each row through
   * this, which evaluates it in rounds and awaits the calls (other clients are served meanwhile).
   */
  readonly projectAwaited?: (<T>(f: () => T) => Promise<T>) | undefined;
  /**
   * The filter may call server-side JavaScript (`$where`, `$expr` with `$function`) for documents its
   * prefetch did not see: the async pulls run it awaited (`JsRounds`); absent = calls run inline.
   */
  readonly jsRounds?: JsRounds | undefined;
  /** find's returnKey (explain: RETURN_KEY instead of a projection stage). */
  readonly returnKey?: boolean | undefined;
  /** The projection reads row metadata: build a `RowMeta` for each row it projects. */
  readonly rowMeta?: boolean | undefined;
  /** Bytes a blocking sort may hold in memory (mongod: 100 MiB). */
  readonly sortMemoryLimit?: number | undefined;
  /** Where a blocking sort past its memory limit spills sorted runs; absent = fail with 292. */
  readonly spill?: SpillFiles | undefined;
  /**
   * Top-level fields `match` and `sort` read (decode only those); null/absent = the whole document.
   */
  readonly readFields?: ReadonlySet<string> | null;
  /**
   * Covered by the index scan: rows are built from the index key (these fields, in key order, with
   * these directions) without fetching the document, whenever the key decodes exactly.
   */
  readonly covered?:
    | { readonly fields: readonly string[]; readonly directions: readonly (1 | -1)[] }
    | undefined;
}

/**
 * Server-side JavaScript in the filter, awaited (commands/shared/where.ts builds it): during an async
 * pull a call without an answer throws (`isDeferred`) instead of running inline; the pull keeps that
 * row and stops, the caller awaits `settle()` and the next pull matches the row again first.
 */
export interface JsRounds {
  /** A pull starts: unanswered calls throw. */
  begin(): void;
  /** The pull ends; `deferred`: it stopped at an unanswered call (keep its answers). */
  end(deferred: boolean): void;
  /** The row that waited has been matched with its answers: they are no longer needed. */
  consumed(): void;
  isDeferred(e: unknown): boolean;
  /** Runs the calls the pull met (awaited). */
  settle(): Promise<void>;
}

/** What the executor knows of a row beyond its document, for the projection step. */
export interface RowMeta {
  readonly recordId: bigint;
  /** The index key the row was found by, as a document; undefined when no index produced it. */
  readonly indexKey: () => Doc | undefined;
  /** A `$near` query's distance to the row and the location measured to. */
  readonly geoNearDistance?: number;
  readonly geoNearPoint?: unknown;
}

export interface ExecStats {
  docsExamined: number;
  keysExamined: number;
  nReturned: number;
  /** Index entries a SKIP below FETCH passed over, their records unread (`skipBeforeFetch`). */
  keysSkipped?: number;
  /** Sorted runs a blocking sort wrote to disk (explain's SORT `spills`, `usedDisk`). */
  spills?: number;
  /** An OR plan's figures per branch (executor/or_scan.ts): keys examined, record ids handed up. */
  branches?: readonly { readonly keysExamined: number; readonly nReturned: number }[];
}
