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
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      const rows: { k: unknown; d: Document }[] = [];
      const budget = budgetOf(ctx.options);
      if (budget.spill) {
        yield* bucketAutoExternal(input, budget, groupEv, vars, n, accs, strCmp, defer);
        return;
      }
      let held = 0;
      for (const d of input) {
        if (d === PAUSE) {
          yield d;
          continue;
        }
        const size = approxValueSize(d);
        held += size;
        budget.meter(size);
        if (held > budget.limit) throw stageMemoryError("$bucketAuto", budget.limit);
        const v = yield* evaluated(defer, () => {
          vars.root = d;
          return groupEv(d, vars);
        });
        rows.push({ k: v === undefined ? null : v, d });
      }
      rows.sort((a, b) => compareValues(a.k, b.k, strCmp));
      const per = Math.ceil(rows.length / n);
      let i = 0;
      const out: Document[] = [];
      while (i < rows.length) {
        let j = Math.min(rows.length, i + per);
        while (j < rows.length && compareValues(rows[j]?.k, rows[j - 1]?.k, strCmp) === 0) j++;
        const states: AccState[] = accs.map((a) => a.make());
        for (let r = i; r < j; r++) {
          const row = rows[r] as { k: unknown; d: Document };
          const args = yield* evaluated(defer, () => {
            vars.root = row.d;
            return accs.map((a) => a.arg(row.d, vars));
          });
          args.forEach((v, x) => (states[x] as AccState).add(v));
        }
        const min = rows[i]?.k;
        const max = j < rows.length ? rows[j]?.k : rows[j - 1]?.k;
        const doc: Document = { _id: { min, max } };
        const values = yield* evaluated(defer, () => states.map((st) => st.result()));
        accs.forEach((a, x) => (doc[a.field] = values[x]));
        out.push(doc);
        i = j;
      }
      yield* out;
    },
  };
}

/**
 * `$bucketAuto` over input larger than memory: each document is keyed by its `groupBy` value and
 * sorted by `externalSort` (sorted runs on disk past the budget, k-way merged), then buckets are cut
 * from the sorted stream: `ceil(count / buckets)` documents each, extended over equal keys, `max` the
 * next bucket's first key. Only one bucket's accumulator states are held at a time.
 */
function* bucketAutoExternal(
  input: Iterable<Document>,
  budget: Budget,
  groupEv: Evaluator,
  vars: Vars,
  n: number,
  accs: ReturnType<typeof parseAccumulators>,
  strCmp: StringComparator | undefined,
  defer: JsDeferral | undefined,
): Generator<Document> {
  let count = 0;
  function* keyed(): Generator<Document> {
    for (const d of input) {
      if (d === PAUSE) {
        yield d;
        continue;
      }
      const v = yield* evaluated(defer, () => {
        vars.root = d;
        return groupEv(d, vars);
      });
      count++;
      // the key wrapped in a document: the sort compares it as one whole value (arrays too)
      yield { k: { v: v === undefined ? null : v }, d };
    }
  }
  const sorted = externalSort(
    keyed(),
    [{ path: "k", parts: ["k"], direction: 1 } as SortKeyPart],
    strCmp,
    budget,
  );
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
    const k = (row as { k: { v: unknown } }).k.v;
    const d = (row as { d: Document }).d;
    if (per === 0) per = Math.ceil(count / n);
    if (states && inBucket >= per && compareValues(k, last, strCmp) !== 0) yield yield* close(k);
    if (!states) {
      states = accs.map((a) => a.make());
      min = k;
    }
    const args = yield* evaluated(defer, () => {
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
