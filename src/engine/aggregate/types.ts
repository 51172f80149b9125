/**
 * types.ts — shapes shared by the pipeline stages, and the `$geoNear` request/result the command layer
 * answers through `PipelineOptions.geoNear`.
 */
import type { TextIndexInfo } from "../text/mod.ts";
import type { StringComparator } from "../../bson/compare.ts";
import type { ExpressionEnv } from "../expression/env.ts";
import type { JsDeferral, JsHost } from "../expression/types.ts";
import type { GeoNearQuery } from "../geo/query.ts";
import type { Document } from "../../bson/document.ts";

export type { Document };

/** A compiled stage: a pull-based transformation of a document stream. */
export interface Stage {
  readonly name: string;
  run(input: Iterable<Document>): Iterable<Document>;
  /** The stage passes `PAUSE` markers through (pause.ts); without it the runner strips them. */
  readonly pauses?: boolean;
  /** `run`'s input may hold stored documents (`StoredDoc`, stored_doc.ts) besides decoded ones. */
  readonly storedInput?: boolean;
  /**
   * `run`'s output items are some of its input items, unread and in their order (`$skip`, `$limit`):
   * stored documents pass through as they came (a `$facet` feeds its sub-pipelines stored documents
   * up to the first stage that reads them).
   */
  readonly passesStored?: boolean;
  /**
   * `run` whose output may hold stored documents (`StoredDoc`, each valid until the next pull), for
   * a last stage whose consumer copies them as they come (the cursor's batches).
   */
  runStored?(input: Iterable<Document>): Iterable<Document>;
  /**
   * Told the specs of the stages after it in its pipeline, up to that pipeline's end (compileStages),
   * before it runs: what they read of its output may let it read less of its own input (a `$lookup`
   * decodes only the fields of the joined documents they read).
   */
  followedBy?(stages: readonly unknown[]): void;
}

/** Compile-time context of a pipeline. */
export interface StageContext {
  readonly env: ExpressionEnv;
  readonly strCmp: StringComparator | undefined;
  readonly collation: unknown;
  readonly options: PipelineOptions;
  /** Compiles a sub-pipeline (for $facet, $lookup, $unionWith). */
  readonly subPipeline: (stages: unknown) => Stage[];
  /** A child context whose expressions also see `names` (slots set per run with `env.setSlot`). */
  readonly child: (names: readonly string[]) => { ctx: StageContext; slots: number[] };
  /** Top-level stages only: evaluation in rounds for server-side JavaScript (js_defer.ts). */
  readonly jsDefer?: JsDeferral | undefined;
}

export interface PipelineOptions {
  /** `$$NOW` (injected clock). */
  now?: Date | undefined;
  /** `$$CLUSTER_TIME` (a Timestamp from the cluster clock). */
  clusterTime?: unknown;
  /** The collation document of the command. */
  collation?: unknown;
  /** The command's `let` variables. */
  variables?: Record<string, unknown> | undefined;
  /**
   * Documents of another collection of the same database (for $lookup / $unionWith / $graphLookup);
   * a view's may carry `PAUSE` markers (its pipeline's server-side JavaScript is awaited there).
   */
  resolveCollection?: ((coll: string) => Iterable<Document>) | undefined;
  /**
   * For an equality `$lookup`: the documents of `coll` whose `field` matches one of `values` as
   * `{field: {$in: values}}` (simple collation), read through an index; `undefined` when no index
   * serves it (the stage then reads `coll` once through `resolveCollection` and hash-joins).
   * `fields`: the top-level fields the stage reads of them (only those are decoded); null or absent:
   * whole documents. `filter`: a filter they must pass too (a `$match` the `$lookup` took).
   */
  lookupByValues?:
    | ((
      coll: string,
      field: string,
      values: readonly unknown[],
      fields?: ReadonlySet<string> | null,
      filter?: Document,
    ) => Document[] | undefined)
    | undefined;
  /**
   * `lookupByValues` read as the consumer pulls (in growing slices): a `$lookup` sub-pipeline that
   * stops early (a `$limit`) reads only what it needs.
   */
  streamByValues?:
    | ((
      coll: string,
      field: string,
      values: readonly unknown[],
      fields?: ReadonlySet<string> | null,
    ) => Iterable<Document> | undefined)
    | undefined;
  /** Documents of the pipeline's collection in distance order, for a leading $geoNear. */
  geoNear?: ((req: GeoNearRequest) => Iterable<GeoNearResult>) | undefined;
  /** Randomness for $sample (defaults to Math.random). */
  random?: (() => number) | undefined;
  /** The collection's text index, for a `$text` in the leading `$match`. */
  textIndex?: TextIndexInfo | undefined;
  /**
   * Bytes one blocking stage ($sort, $group, $bucketAuto, $setWindowFields) may hold (mongod's
   * internalQueryMaxBlockingSortMemoryUsageBytes / internalDocumentSourceGroupMaxMemoryBytes, 100 MiB).
   */
  memoryLimitBytes?: number | undefined;
  /** Bytes of the documents one `$lookup` joins to one outer document (default MAX_LOOKUP_JOINED_BYTES). */
  lookupMaxBytes?: number | undefined;
  /** May a blocking stage past its budget spill to disk (mongod 8.0's allowDiskUseByDefault: true)? */
  allowDiskUse?: boolean | undefined;
  /** Temporary storage for spilling; without it a stage past its budget fails as without allowDiskUse. */
  spill?: SpillStore | undefined;
  /** Called once when a stage first spills (explain / profiler `usedDisk`). */
  onSpill?: (() => void) | undefined;
  /** Server-side JavaScript for `$function` / `$accumulator` (absent: refused with 31264). */
  js?: JsHost | undefined;
  /**
   * A stage reads `{$meta: "sortKey"}`: each `$sort` attaches its documents' sort keys (doc_meta.ts)
   * and a leading one stays a stage. Set by `compilePipeline` itself.
   */
  sortKeyMeta?: boolean | undefined;
  /** Bytes blocking stages hold more (negative: fewer) — the operation's memory meter (issue 11). */
  onMemory?: ((deltaBytes: number) => void) | undefined;
  /**
   * A stage has just let go of at least its budget of JS heap (a spilled `$group`'s held groups): the
   * caller may ask for a major GC rather than let V8 grow the heap up to ~4x before its next one.
   */
  onHeapReleased?: (() => void) | undefined;
}

/** One temporary file of documents, written then read back once (src/storage/spill.ts implements it). */
export interface SpillRun {
  append(doc: Document): void;
  /** Appends one document already encoded as BSON (the bytes are copied), when the run can. */
  appendBytes?(bytes: Uint8Array): void;
  /** Every document is appended: the run may free its write buffer until it is read. */
  finish?(): void;
  /**
   * The documents in append order; the run is gone afterwards. `bufferBytes`: the read buffer a
   * merge of many runs can afford per run (the run's default when absent).
   */
  read(bufferBytes?: number): Iterable<Document>;
  /** `read`, each document as its bytes (a view valid until the next one is asked for), when the run can. */
  readStored?(bufferBytes?: number): Iterable<Uint8Array>;
  discard(): void;
}

/** Where spilled runs live. */
export interface SpillStore {
  /** A new run; `writeBufferBytes`: its write buffer (the store's default when absent). */
  newRun(writeBufferBytes?: number): SpillRun;
}

/** Compiles one stage's specification. May expand into several stages ($sortByCount, $count). */
export type StageCompiler = (spec: unknown, ctx: StageContext, name: string) => Stage | Stage[];

/** What `$geoNear` (stages_geo.ts) asks of the command layer. */
export interface GeoNearRequest {
  readonly near: GeoNearQuery;
  /** `query`: extra filter on the documents. */
  readonly filter: Document;
  /** `key`: the geo field whose index to use. */
  readonly key?: string | undefined;
}

/** One document in distance order, as the command layer answers a `GeoNearRequest`. */
export interface GeoNearResult {
  readonly doc: Document;
  readonly distance: number;
  readonly loc: unknown;
  /** The stored record's id (for `{$meta: "recordId"}` after the stage). */
  readonly recordId?: bigint;
}
