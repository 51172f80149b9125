/**
 * pipeline.ts — `compilePipeline(stages, opts)`: validates and compiles an aggregation pipeline
 * into a `Pipeline`.
 *
 * Leading `$match` stages are merged into `leadingMatch` (the caller filters with it, through an
 * index if it can) and excluded from `run`. A `$sort`, `$skip`, `$limit` right after (in that order,
 * each at most once) is reported as `leadingSort/Skip/Limit`; `run` still applies them unless the
 * caller says it did (`prefixApplied`). Everything is validated here, so a bad stage fails even on
 * an empty collection: not an object → 14 TypeMismatch, not exactly one field → 40323, unknown
 * stage → 40324.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { isObj } from "../expression/compile.ts";
import { ExpressionEnv } from "../expression/env.ts";
import { toDouble } from "../expression/numeric.ts";
import { REFUSED_STAGES, STAGES, UNSUPPORTED_STAGES } from "./stage_table.ts";
import { compileSortStage } from "./stages_basic.ts";
import { isNumeric } from "../../bson/values.ts";
import { stageEntry } from "./stage_entry.ts";
import { runStages } from "./pause.ts";
import { lateTopK } from "./topk_late.ts";
export { stageEntry };
import type { Document, PipelineOptions, Stage, StageContext } from "./types.ts";

export interface Pipeline {
  /** The merged leading `$match` filter (already applied by the caller to `run`'s input). */
  readonly leadingMatch: Document | undefined;
  /** A `$sort` right after the leading matches (for index choice / blocking sort). */
  readonly leadingSort: Document | undefined;
  /** A `$skip` after that. */
  readonly leadingSkip: number | undefined;
  /** A `$limit` after that. */
  readonly leadingLimit: number | undefined;
  /**
   * Runs the stages after the leading `$match` (and after the sort/skip/limit prefix when
   * `prefixApplied`). When `input` carries `PAUSE` markers (pause.ts) the output may carry them too:
   * the consumer yields there and pulls again. `storedOutput`: the output may hold stored documents
   * (`StoredDoc`, each valid until the next pull: a consumer that copies them, the cursor's batches).
   */
  run(
    input: Iterable<Document>,
    opts?: { prefixApplied?: boolean; storedOutput?: boolean },
  ): Iterable<Document>;
  /**
   * May `run`'s input (with the same `prefixApplied`) hold stored documents (`StoredDoc`,
   * stored_doc.ts)? True when the first stage it runs takes them (a `$sort` by paths), and, with
   * `storedOutput` (the consumer takes stored documents), when no stage runs: the input is the output
   * (a pipeline of only a `$match` the caller applied feeds a cursor or `$out` the stored bytes).
   */
  storedInput(opts?: { prefixApplied?: boolean; storedOutput?: boolean }): boolean;
  /**
   * Runs the stages after the first one after the leading `$match` on `input`, that stage's output
   * computed elsewhere (a `$group` the storage engine folded, group_native.ts, over the records the
   * leading match selects). Only when no `$sort`/`$skip`/`$limit` follows the leading match.
   */
  runAfterFirst(input: Iterable<Document>): Iterable<Document>;
  /** Index of the first stage after the leading `$match` stages merged into `leadingMatch`. */
  readonly matchEnd: number;
  /** Stage names for explain (all stages, as written). */
  readonly stageNames: string[];
}

/**
 * The lexical check of a pipeline's stages, without compiling them: each is a one-field document naming a
 * stage this engine knows (else 40324, as mongod's LiteParsedPipeline when a command is parsed).
 */
export function checkStageNames(stages: readonly unknown[]): void {
  for (const s of stages) {
    const [name] = stageEntry(s);
    if (!STAGES[name] && !REFUSED_STAGES[name] && !UNSUPPORTED_STAGES.has(name)) {
      throw new CommandError(Location.UnknownPipelineStage, `Unrecognized pipeline stage name: '${name}'`);
    }
  }
}

/** Compiles a list of stage documents (no leading-match extraction). */
export function compileStages(stages: unknown, ctx: StageContext): Stage[] {
  if (!Array.isArray(stages)) {
    throw new CommandError("TypeMismatch", "'pipeline' option must be specified as an array");
  }
  const out: Stage[] = [];
  /** Stages before this position are inside a fused stage already pushed (`lateTopK`). */
  let fusedEnd = 0;
  for (const [i, s] of stages.entries()) {
    const [name, spec] = stageEntry(s);
    if ((name === "$documents" || name === "$geoNear") && i !== 0) {
      throw new CommandError(
        Location.StageMustBeFirst,
        `${name} is only valid as the first stage in a pipeline`,
      );
    }
    const compile = STAGES[name];
    if (!compile) {
      const refused = REFUSED_STAGES[name];
      if (refused) throw new CommandError(refused.code, refused.message);
      if (UNSUPPORTED_STAGES.has(name)) {
        throw new CommandError("NotImplemented", `${name} is not implemented yet in SecantusDB`);
      }
      throw new CommandError(Location.UnknownPipelineStage, `Unrecognized pipeline stage name: '${name}'`);
    }
    const limit = name === "$sort" ? limitAfterSort(stages, i) : undefined;
    const r = limit !== undefined && Number.isInteger(limit) && limit > 0 && limit <= TOP_K_MOST
      ? compileSortStage(spec, ctx, name, limit)
      : compile(spec, ctx, name);
    // (every stage is compiled as itself first: a fusion never changes which error a bad spec gets)
    if (i < fusedEnd) continue;
    const late = lateTopK(stages, i, ctx);
    if (late) {
      out.push(late.stage);
      fusedEnd = late.end;
      continue;
    }
    for (const stage of Array.isArray(r) ? r : [r]) {
      stage.followedBy?.(stages.slice(i + 1));
      out.push(stage);
    }
  }
  return out;
}

/**
 * The most documents a `$sort` keeps as a top k while reading (in memory, each insert moving the kept
 * rows after it); a larger limit sorts through the external sort (bounded memory, spills) and the
 * `$limit` stage cuts its output.
 */
const TOP_K_MOST = 10_000;

/** A one-field stage document's numeric value of `name`, else undefined. */
function numberOf(stage: unknown, name: string): number | undefined {
  return isObj(stage) && Object.keys(stage).length === 1 && isNumeric(stage[name])
    ? toDouble(stage[name])
    : undefined;
}

/**
 * How many documents the `$sort` at `i` must keep: a `$limit` right after it, or a `$skip` and a
 * `$limit` (mongod moves a `$limit` before a `$skip` as a `$limit` of both, which the `$sort` takes);
 * undefined when neither follows. The `$skip` and `$limit` stay stages of their own.
 */
function limitAfterSort(stages: readonly unknown[], i: number): number | undefined {
  const limit = numberOf(stages[i + 1], "$limit");
  if (limit !== undefined) return limit;
  const skip = numberOf(stages[i + 1], "$skip");
  const after = numberOf(stages[i + 2], "$limit");
  return skip !== undefined && after !== undefined && Number.isInteger(skip) && skip >= 0 &&
      Number.isInteger(after) && after > 0
    ? skip + after
    : undefined;
}

/** Builds the compile context of a pipeline from its options. */
export function makeStageContext(opts: PipelineOptions): StageContext {
  const strCmp = makeStringComparator(opts.collation);
  const env = new ExpressionEnv({
    strCmp,
    now: opts.now,
    variables: opts.variables,
    clusterTime: opts.clusterTime,
    js: opts.js,
  });
  const ctx: StageContext = {
    env,
    strCmp,
    collation: opts.collation,
    options: opts,
    // Sub-pipelines ($lookup, $unionWith, $facet) read other inputs: no $geoNear over this collection.
    // They defer server-side JavaScript too: their stages pass the markers out (js_defer.ts).
    subPipeline: (stages) => compileStages(stages, { ...ctx, options: { ...opts, geoNear: undefined } }),
    child: (names) => childStageContext(ctx, names),
    jsDefer: opts.js?.deferred,
  };
  return ctx;
}

/** A child context whose expressions also see `names` (slots set per run with `env.setSlot`). */
export function childStageContext(
  ctx: StageContext,
  names: readonly string[],
): { ctx: StageContext; slots: number[] } {
  const { env, slots } = ctx.env.child(names);
  const child: StageContext = {
    ...ctx,
    env,
    subPipeline: (stages) => compileStages(stages, child),
    child: (more) => childStageContext(child, more),
  };
  return { ctx: child, slots };
}

/** Compiles and validates a pipeline. */
export function compilePipeline(stages: unknown[], opts: PipelineOptions = {}): Pipeline {
  if (!Array.isArray(stages)) {
    throw new CommandError("TypeMismatch", "'pipeline' option must be specified as an array");
  }
  // (a `$meta: "sortKey"` reader: every $sort keeps its keys, and the leading one stays a stage)
  const sortKeyMeta = (JSON.stringify(stages) ?? "").includes('"$meta":"sortKey"');
  const ctx = makeStageContext(sortKeyMeta ? { ...opts, sortKeyMeta } : opts);
  const names = stages.map((s) => stageEntry(s)[0]);
  for (const only of ["$documents", "$geoNear"]) {
    if (names.lastIndexOf(only) > 0) {
      throw new CommandError(
        Location.StageMustBeFirst,
        `${only} is only valid as the first stage in a pipeline`,
      );
    }
  }
  let i = 0;
  const matches: Document[] = [];
  while (i < stages.length && names[i] === "$match") {
    const spec = stageEntry(stages[i])[1];
    // a $match calling $function stays a stage: the engine awaits its calls (js_defer.ts), the scan cannot
    if (opts.js && (JSON.stringify(spec) ?? "").includes('"$function"')) break;
    compileStages([stages[i]], ctx); // validates the filter
    matches.push(spec as Document);
    i++;
  }
  const leadingMatch = matches.length === 0
    ? undefined
    : matches.length === 1
    ? matches[0]
    : { $and: matches };
  const prefixStart = i;
  let leadingSort: Document | undefined;
  let leadingSkip: number | undefined;
  let leadingLimit: number | undefined;
  if (names[i] === "$sort" && !sortKeyMeta) leadingSort = stageEntry(stages[i++])[1] as Document;
  if (names[i] === "$skip") leadingSkip = toDouble(stageEntry(stages[i++])[1]);
  if (names[i] === "$limit") leadingLimit = toDouble(stageEntry(stages[i++])[1]);
  const prefix = compileStages(stages.slice(prefixStart, i), ctx);
  const rest = compileStages(stages.slice(i), ctx);
  const all = [...prefix, ...rest];
  return {
    leadingMatch,
    leadingSort,
    leadingSkip,
    leadingLimit,
    stageNames: names,
    run(input, runOpts) {
      return runStages(runOpts?.prefixApplied ? rest : all, input, runOpts?.storedOutput === true);
    },
    storedInput(runOpts) {
      const stages = runOpts?.prefixApplied ? rest : all;
      if (stages.length === 0) return runOpts?.storedOutput === true;
      return stages[0]!.storedInput === true;
    },
    matchEnd: prefixStart,
    runAfterFirst(input) {
      if (prefixStart !== i || rest.length === 0 || rest[0]!.name !== names[i]) {
        throw new Error("runAfterFirst: the pipeline does not start with a plain stage");
      }
      return runStages(rest.slice(1), input);
    },
  };
}
