/**
 * An insert into `<db>.system.buckets.<name>` of a time-series collection (what mongorestore sends to
 * restore one): the buckets (version 1, or compressed versions 2 and 3) are unpacked into the
 * measurements they hold (timeseries_buckets.ts), which are inserted into the collection itself.
 * Write errors and `n` speak of the buckets the client sent. Compressed buckets hold up to ~1,000
 * measurements each, so the buckets are unpacked and stored a chunk at a time (about
 * `BUCKETS_CHUNK` measurements; insert.ts yields between chunks): memory and each event-loop turn stay
 * bounded whatever the batch. A bucket that cannot be unpacked is that bucket's write error (as a
 * bucket failing mongod's buckets validator is), the insert going on or stopping as `ordered` says.
 */
import type { RequestContext } from "../context.ts";
import type { Doc } from "../spec.ts";
import { findCollection } from "../shared/namespace.ts";
import { timeseriesOf, type TimeseriesOptions } from "../shared/timeseries.ts";
import { BUCKETS_PREFIX, measurementsOf } from "../shared/timeseries_buckets.ts";

/** Measurements unpacked and stored at a time. */
export const BUCKETS_CHUNK = 1_000;

/** The time-series collection an insert into its buckets namespace goes to. */
export interface BucketsTarget {
  readonly collection: string;
  readonly ts: TimeseriesOptions;
}

export interface BucketsInsert {
  readonly measurements: Doc[];
  /** For each measurement, the index of its bucket among this chunk's unpacked buckets. */
  readonly origin: number[];
  /** Unpacked buckets in this chunk. */
  readonly buckets: number;
}

/** A chunk of buckets: their measurements, and the buckets that could not be unpacked. */
export interface BucketsChunk extends BucketsInsert {
  /** For each unpacked bucket of the chunk, its index in the command's documents. */
  readonly index: number[];
  /** Buckets that could not be unpacked: index in the command's documents, error. */
  readonly failures: [number, unknown][];
  /** The first bucket of the next chunk. */
  readonly next: number;
  /** True when an unpacking failure ends an ordered insert (after this chunk's earlier buckets). */
  readonly stop: boolean;
}

/** The collection an insert into a time-series collection's buckets namespace goes to; else undefined. */
export function bucketsTarget(ctx: RequestContext, name: string): BucketsTarget | undefined {
  if (!name.startsWith(BUCKETS_PREFIX)) return undefined;
  const collection = name.slice(BUCKETS_PREFIX.length);
  const ts = timeseriesOf(findCollection(ctx, collection));
  return ts ? { collection, ts } : undefined;
}

/** Unpacks buckets from `start` until at least `chunk` measurements (or the end, or a failure when ordered). */
export function nextBucketsChunk(
  docs: readonly Doc[],
  start: number,
  ts: TimeseriesOptions,
  ordered: boolean,
  chunk = BUCKETS_CHUNK,
): BucketsChunk {
  const measurements: Doc[] = [];
  const origin: number[] = [];
  const index: number[] = [];
  const failures: [number, unknown][] = [];
  let i = start;
  let stop = false;
  while (i < docs.length && measurements.length < chunk) {
    let ms: Doc[];
    try {
      ms = measurementsOf(docs[i]!, ts);
    } catch (e) {
      failures.push([i++, e]);
      if (ordered) {
        stop = true;
        break;
      }
      continue;
    }
    for (const m of ms) {
      measurements.push(m);
      origin.push(index.length);
    }
    index.push(i++);
  }
  return { measurements, origin, buckets: index.length, index, failures, next: i, stop };
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
