/**
 * An insert into `<db>.system.buckets.<name>` of a time-series collection (what mongorestore sends to
 * restore one): the buckets (version 1, or compressed versions 2 and 3) are unpacked into the
 * measurements they hold (timeseries_buckets.ts), which are inserted into the collection itself. Write errors and `n` speak
 * of the buckets the client sent. A bucket that cannot be unpacked fails the whole command before
 * anything is written.
 */
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import { findCollection } from "../shared/namespace.ts";
import { timeseriesOf } from "../shared/timeseries.ts";
import { BUCKETS_PREFIX, measurementsOf } from "../shared/timeseries_buckets.ts";

export interface BucketsInsert {
  /** The time-series collection the measurements go to. */
  readonly collection: string;
  readonly measurements: Doc[];
  /** For each measurement, the index of its bucket in the command's documents. */
  readonly origin: number[];
  readonly buckets: number;
}

/** The measurements of an insert into a time-series collection's buckets namespace; else undefined. */
export function bucketsInsert(
  ctx: RequestContext,
  name: string,
  docs: readonly Doc[],
): BucketsInsert | undefined {
  if (!name.startsWith(BUCKETS_PREFIX)) return undefined;
  const collection = name.slice(BUCKETS_PREFIX.length);
  const ts = timeseriesOf(findCollection(ctx, collection));
  if (!ts) return undefined;
  const measurements: Doc[] = [];
  const origin: number[] = [];
  docs.forEach((bucket, i) => {
    for (const m of measurementsOf(bucket, ts)) {
      measurements.push(m);
      origin.push(i);
    }
  });
  return { collection, measurements, origin, buckets: docs.length };
}

/**
 * `n` in bucket terms: every bucket when all measurements were stored; otherwise the buckets whose
 * measurements were all tried (indexes up to `lastTried`) without a failure.
 */
export function bucketsStored(
  b: BucketsInsert,
  storedMeasurements: number,
  failed: ReadonlySet<number>,
  lastTried: number,
): number {
  if (storedMeasurements === b.measurements.length) return b.buckets;
  const complete = new Set<number>();
  const incomplete = new Set<number>(failed);
  b.origin.forEach((bucket, i) => (i <= lastTried ? complete : incomplete).add(bucket));
  let n = 0;
  for (const bucket of complete) if (!incomplete.has(bucket)) n++;
  return n;
}
