/**
 * types.ts — shapes shared by the pipeline stages.
 */
import type { StringComparator } from "../../bson/compare.ts";
import type { ExpressionEnv } from "../expression/env.ts";
import type { GeoNearRequest, GeoNearResult } from "./stages_geo.ts";

export type Document = Record<string, unknown>;

/** A compiled stage: a pull-based transformation of a document stream. */
export interface Stage {
  readonly name: string;
  run(input: Iterable<Document>): Iterable<Document>;
  /** The stage passes `PAUSE` markers through (pause.ts); without it the runner strips them. */
  readonly pauses?: boolean;
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
}

export interface PipelineOptions {
  /** `$$NOW` (injected clock). */
  now?: Date | undefined;
  /** The collation document of the command. */
  collation?: unknown;
  /** The command's `let` variables. */
  variables?: Record<string, unknown> | undefined;
  /** Documents of another collection of the same database (for $lookup / $unionWith). */
  resolveCollection?: ((coll: string) => Iterable<Document>) | undefined;
  /** Documents of the pipeline's collection in distance order, for a leading $geoNear. */
  geoNear?: ((req: GeoNearRequest) => Iterable<GeoNearResult>) | undefined;
  /** Randomness for $sample (defaults to Math.random). */
  random?: (() => number) | undefined;
}

/** Compiles one stage's specification. May expand into several stages ($sortByCount, $count). */
export type StageCompiler = (spec: unknown, ctx: StageContext, name: string) => Stage | Stage[];
