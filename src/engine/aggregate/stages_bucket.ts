/**
 * stages_bucket.ts — `$bucket` (explicit boundaries, optional `default`, `output` accumulators;
 * results sorted by `_id`) and `$bucketAuto` (N buckets of about equal count over the sorted
 * `groupBy` values, `_id: {min, max}`; `granularity` not supported).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { compareValues, typeOrder } from "../../bson/compare.ts";
import { isObj } from "../expression/compile.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { typeName } from "../expression/coerce.ts";
import type { AccState } from "./accumulators.ts";
import { groupDocuments, parseAccumulators } from "./group.ts";
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";
import { evaluated, jsDeferralFor } from "./js_defer.ts";
import type { JsDeferral } from "../expression/types.ts";
import { type Budget, budgetOf, externalSort, stageMemoryError } from "./memory.ts";
import type { StringComparator } from "../../bson/compare.ts";
import type { Evaluator, Vars } from "../expression/types.ts";
import type { SortKeyPart } from "../sort/sort.ts";
import { approxValueSize } from "./value_size.ts";
import { sortedOrder } from "./sorted_order.ts";

function groupByOf(v: unknown, stage: string): unknown {
  const ok = (typeof v === "string" && v.startsWith("$")) ||
    (isObj(v) && Object.keys(v).length === 1 && (Object.keys(v)[0] as string).startsWith("$"));
  if (!ok) {
    throw new CommandError(
      Location.BucketGroupByBadExpression,
      `The $${stage} 'groupBy' field must be defined as a $-prefixed path or an expression, but found: ${
        String(v)
      }.`,
    );
  }
  return v;
}

export function compileBucket(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.BucketSpecNotObject,
      `Argument to $bucket stage must be an object, but found type: ${typeName(spec)}.`,
    );
  }
  let groupBy: unknown;
  let boundaries: unknown[] | undefined;
  let def: unknown;
  let hasDefault = false;
  let output: Document = { count: { $sum: 1 } };
  for (const [k, v] of Object.entries(spec)) {
    if (k === "groupBy") groupBy = groupByOf(v, "bucket");
    else if (k === "boundaries") {
      if (!Array.isArray(v)) {
        throw new CommandError(
          Location.BucketBoundariesNotArray,
          `The $bucket 'boundaries' field must be an array, but found type: ${typeName(v)}.`,
        );
      }
      boundaries = v;
    } else if (k === "default") {
      def = v;
      hasDefault = true;
    } else if (k === "output") {
      if (!isObj(v)) {
        throw new CommandError(
          Location.BucketOutputNotObject,
          `The $bucket 'output' field must be an object, but found type: ${typeName(v)}.`,
        );
      }
      output = v;
    } else throw new CommandError(Location.BucketUnknownOption, `Unrecognized option to $bucket: ${k}.`);
  }
  if (groupBy === undefined || boundaries === undefined) {
    throw new CommandError(
      Location.BucketMissingGroupByOrBoundaries,
      "$bucket requires 'groupBy' and 'boundaries' to be specified.",
    );
  }
  if (boundaries.length < 2) {
    throw new CommandError(
      Location.BucketTooFewBoundaries,
      `The $bucket 'boundaries' field must have at least 2 values, but found ${boundaries.length} value(s).`,
    );
  }
  const bounds = boundaries;
  for (let i = 1; i < bounds.length; i++) {
    if (typeOrder(bounds[i]) !== typeOrder(bounds[0])) {
      throw new CommandError(
        Location.BucketBoundariesMixedTypes,
        "All values in the the 'boundaries' option to $bucket must have the same type.",
      );
    }
    if (compareValues(bounds[i - 1], bounds[i], ctx.strCmp) >= 0) {
      throw new CommandError(
        Location.BucketBoundariesNotSorted,
        "The 'boundaries' option to $bucket must be sorted in ascending order.",
      );
    }
  }
  if (
    hasDefault && compareValues(def, bounds[0], ctx.strCmp) >= 0 &&
    compareValues(def, bounds[bounds.length - 1], ctx.strCmp) < 0 && typeOrder(def) === typeOrder(bounds[0])
  ) {
    throw new CommandError(
      Location.BucketDefaultInsideBoundaries,
      "The $bucket 'default' field must be less than the lowest boundary or greater than or equal to the highest boundary.",
    );
  }
  const groupEv = ctx.env.compile(groupBy);
  const accs = parseAccumulators(output, ctx, undefined);
  const strCmp = ctx.strCmp;
  const defer = jsDeferralFor(ctx, spec);
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      const keyOf = (doc: Document) => {
        vars.root = doc;
        const v = groupEv(doc, vars);
        const x = v === undefined ? null : v;
        if (typeOrder(x) === typeOrder(bounds[0]) && compareValues(x, bounds[0], strCmp) >= 0) {
          for (let i = 1; i < bounds.length; i++) {
            if (compareValues(x, bounds[i], strCmp) < 0) return bounds[i - 1];
          }
        }
        if (!hasDefault) {
          throw new CommandError(
            Location.SwitchNoMatchingBranch,
            "$switch could not find a matching branch for an input, and no default was specified.",
          );
        }
        return def;
      };
      const out: Document[] = [];
      for (const d of groupDocuments(input, keyOf, accs, ctx, 0, defer)) {
        if (d === PAUSE) yield d;
        else out.push(d);
      }
      out.sort((a, b) => compareValues(a["_id"], b["_id"], strCmp));
      yield* out;
    },
  };
}

export function compileBucketAuto(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.BucketAutoSpecNotObject,
      `The argument to $bucketAuto must be an object, but found type: ${typeName(spec)}.`,
    );
  }
  let groupBy: unknown;
  let buckets: number | undefined;
  let output: Document = { count: { $sum: 1 } };
  for (const [k, v] of Object.entries(spec)) {
    if (k === "groupBy") groupBy = groupByOf(v, "bucketAuto");
    else if (k === "buckets") {
      if (!numKind(v) || !Number.isInteger(toDouble(v))) {
        throw new CommandError(
          Location.BucketAutoBucketsNotNumeric,
          `The $bucketAuto 'buckets' field must be a numeric value, but found type: ${typeName(v)}.`,
        );
      }
      buckets = toDouble(v);
      if (buckets <= 0) {
        throw new CommandError(
          Location.BucketAutoBucketsNotPositive,
          `The $bucketAuto 'buckets' field must be greater than 0, but found: ${buckets}.`,
        );
      }
    } else if (k === "output") {
      if (!isObj(v)) {
        throw new CommandError(
          Location.BucketAutoOutputNotObject,
          `The $bucketAuto 'output' field must be an object, but found type: ${typeName(v)}.`,
        );
      }
      output = v;
    } else if (k === "granularity") {
      throw new CommandError(
        "NotImplemented",
        "$bucketAuto granularity is not implemented yet in SecantusDB",
      );
    } else {throw new CommandError(
        Location.BucketAutoUnknownOption,
        `Unrecognized option to $bucketAuto: ${k}.`,
      );}
  }
  if (groupBy === undefined || buckets === undefined) {
    throw new CommandError(
      Location.BucketAutoMissingGroupByOrBuckets,
      "$bucketAuto requires 'groupBy' and 'buckets' to be specified",
    );
  }
  const n = buckets;
  const groupEv = ctx.env.compile(groupBy);
  const accs = parseAccumulators(output, ctx, undefined);
  const strCmp = ctx.strCmp;
  const defer = jsDeferralFor(ctx, spec);
  // arguments that cannot fail are evaluated as the documents come: their values are held, not the documents
  const early = Object.values(output).every((acc) => isObj(acc) && Object.values(acc).every(isPlainArg));
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      yield* bucketAutoRun(input, {
        budget: budgetOf(ctx.options),
        groupEv,
        vars,
        n,
        accs,
        strCmp,
        defer,
        early,
      });
    },
  };
}

/**
 * An accumulator argument whose evaluation cannot fail or call code: a constant (not an operator
 * expression), a field path, `$$ROOT` / `$$CURRENT` (maybe with a path). `$bucketAuto` evaluates such
 * arguments as it reads its input and keeps their values with the keys instead of the documents.
 */
function isPlainArg(arg: unknown): boolean {
  if (typeof arg === "string") return !arg.startsWith("$$") || /^\$\$(ROOT|CURRENT)(\.|$)/.test(arg);
  if (arg === null || typeof arg !== "object") return true;
  if (Array.isArray(arg)) return false;
  if ((arg as { _bsontype?: string })._bsontype !== undefined || arg instanceof Date) return true;
  return isObj(arg) && Object.keys(arg).length === 0;
}

interface BucketAutoPlan {
  readonly budget: Budget;
  readonly groupEv: Evaluator;
  readonly vars: Vars;
  readonly n: number;
  readonly accs: ReturnType<typeof parseAccumulators>;
  readonly strCmp: StringComparator | undefined;
  readonly defer: JsDeferral | undefined;
  /** Rows hold the accumulators' argument values (`isPlainArg`), not the documents. */
  readonly early: boolean;
}

/** Heap bytes one held row costs besides its key and payload (two array slots, a position). */
const ROW_BYTES = 24;

/**
 * `$bucketAuto`: each input document becomes a row — its `groupBy` value and its payload (the
 * accumulators' argument values when they are plain, else the document) — held in two arrays and
 * sorted as positions by the keys (no document is sorted, copied or encoded). Past the budget the rows
 * go through `externalSort` (sorted runs on disk) instead, or without a spill store the stage fails
 * (292). Buckets are then cut from the sorted rows: `ceil(count / buckets)` rows each, extended over
 * equal keys, `max` the next bucket's first key.
 */
function* bucketAutoRun(input: Iterable<Document>, p: BucketAutoPlan): Generator<Document> {
  const { budget, groupEv, vars, accs, defer, early } = p;
  const keys: unknown[] = [];
  const payloads: unknown[] = [];
  let held = 0;
  let pausing = false;
  const it = input[Symbol.iterator]();
  let cur: Document = {};
  const read = () => {
    vars.root = cur;
    const k = groupEv(cur, vars);
    return { k: k === undefined ? null : k, p: early ? accs.map((a) => a.arg(cur, vars)) : cur };
  };
  try {
    for (let r = it.next(); !r.done; r = it.next()) {
      const d = r.value;
      if (d === PAUSE) {
        pausing = true;
        yield d;
        continue;
      }
      cur = d;
      // (no JavaScript: called directly, no generator a document)
      const row = defer ? yield* evaluated(defer, read) : read();
      keys.push(row.k);
      payloads.push(row.p);
      const size = approxValueSize(row.k) + approxValueSize(row.p) + ROW_BYTES;
      held += size;
      budget.meter(size);
      if (held > budget.limit) {
        if (!budget.spill) throw stageMemoryError("$bucketAuto", budget.limit);
        // too many rows for memory: these and the rest through the external sort
        const count = { n: 0 };
        const release = () => {
          budget.meter(-held);
          held = 0;
        };
        yield* cutBuckets(spilled(keys, payloads, it, p, count, release), () => count.n, p);
        return;
      }
    }
    const ks = keys;
    const strCmp = p.strCmp;
    yield* cutBuckets(
      rowsInOrder(
        sortedOrder(ks.length, (a, b) => compareValues(ks[a], ks[b], strCmp), pausing),
        ks,
        payloads,
      ),
      () => ks.length,
      p,
    );
  } finally {
    budget.meter(-held);
  }
}

type Row = { k: unknown; p: unknown };

function* rowsInOrder(
  order: Iterable<number | typeof PAUSE>,
  keys: unknown[],
  payloads: unknown[],
): Generator<typeof PAUSE | Row> {
  for (const j of order) yield j === PAUSE ? PAUSE : { k: keys[j as number], p: payloads[j as number] };
}

/**
 * The held rows and the rest of the input sorted by `externalSort`, each row a document `{k: {v}, p}`
 * (the key wrapped: the sort compares it as one whole value, arrays too; argument values as a document
 * without the missing ones, so a run on disk keeps them missing). `count.n`: the rows read, final
 * once the sort's first row comes. `release`: the held rows were handed over.
 */
function* spilled(
  keys: unknown[],
  payloads: unknown[],
  rest: Iterator<Document>,
  p: BucketAutoPlan,
  count: { n: number },
  release: () => void,
): Generator<typeof PAUSE | Row> {
  const { groupEv, vars, accs, defer, early } = p;
  const pack = (v: unknown): unknown => {
    if (!early) return v;
    const o: Document = {};
    (v as unknown[]).forEach((x, i) => x !== undefined && (o[i] = x));
    return o;
  };
  function* rows(): Generator<Document> {
    for (let j = 0; j < keys.length; j++) yield { k: { v: keys[j] }, p: pack(payloads[j]) };
    count.n = keys.length;
    keys.length = 0;
    payloads.length = 0;
    release();
    for (let r = rest.next(); !r.done; r = rest.next()) {
      const d = r.value;
      if (d === PAUSE) {
        yield d;
        continue;
      }
      const row = yield* evaluated(defer, () => {
        vars.root = d;
        const k = groupEv(d, vars);
        return { k: { v: k === undefined ? null : k }, p: pack(early ? accs.map((a) => a.arg(d, vars)) : d) };
      });
      count.n++;
      yield row;
    }
  }
  const sorted = externalSort(
    rows(),
    [{ path: "k", parts: ["k"], direction: 1 } as SortKeyPart],
    p.strCmp,
    p.budget,
  );
  for (const row of sorted) {
    if (row === PAUSE) {
      yield PAUSE;
      continue;
    }
    const payload = (row as { p: unknown }).p;
    yield {
      k: (row as { k: { v: unknown } }).k.v,
      p: early ? accs.map((_, i) => (payload as Document)[i]) : payload,
    };
  }
}

/**
 * Cuts the sorted rows into buckets: `ceil(total() / buckets)` rows each (`total` is read at the first
 * row, when the sort has read its whole input), extended over equal keys, `max` the next bucket's
 * first key (the last bucket's: its own last). Only one bucket's accumulator states are held.
 */
function* cutBuckets(
  sorted: Iterable<typeof PAUSE | Row>,
  total: () => number,
  p: BucketAutoPlan,
): Generator<Document> {
  const { vars, n, accs, strCmp, defer, early } = p;
  let per = 0;
  let states: AccState[] | undefined;
  let min: unknown;
  let last: unknown;
  let inBucket = 0;
  const close = function* (max: unknown): Generator<Document, Document> {
    const doc: Document = { _id: { min, max } };
    const values = yield* evaluated(defer, () => (states as AccState[]).map((st) => st.result()));
    accs.forEach((a, x) => (doc[a.field] = values[x]));
    states = undefined;
    inBucket = 0;
    return doc;
  };
  for (const row of sorted) {
    if (row === PAUSE) {
      yield row;
      continue;
    }
    const { k } = row as Row;
    if (per === 0) per = Math.ceil(total() / n);
    if (states && inBucket >= per && compareValues(k, last, strCmp) !== 0) yield yield* close(k);
    if (!states) {
      states = accs.map((a) => a.make());
      min = k;
    }
    const args = early ? (row as Row).p as unknown[] : yield* evaluated(defer, () => {
      const d = (row as Row).p as Document;
      vars.root = d;
      return accs.map((a) => a.arg(d, vars));
    });
    args.forEach((v, x) => (states as AccState[])[x]!.add(v));
    // an $accumulator whose queue passed its bound folds it now, awaited
    for (const st of states) if (st.settle) yield* evaluated(defer, () => st.settle!());
    inBucket++;
    last = k;
  }
  if (states) yield yield* close(last);
}
