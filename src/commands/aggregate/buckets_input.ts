/**
 * An aggregate's input when it reads `<db>.system.buckets.<name>` of a time-series collection: the
 * collection's measurements scanned as any collection (yielding), each answered as its version 1
 * bucket (shared/timeseries_buckets.ts), filtered by the pipeline's leading `$match`.
 */
import { PAUSE } from "../../engine/mod.ts";
import type { Doc } from "../reply.ts";
import { bucketOf } from "../shared/timeseries_buckets.ts";
import type { TimeseriesOptions } from "../shared/timeseries.ts";

/** The buckets `keep` accepts (the pipeline's leading `$match`, which the pipeline does not run). */
export function* bucketsInput(
  measurements: Iterable<Doc>,
  ts: TimeseriesOptions,
  keep?: (d: Doc) => boolean,
): Generator<Doc> {
  for (const m of measurements) {
    if (m === PAUSE) {
      yield m;
      continue;
    }
    const b = bucketOf(m, ts);
    if (keep === undefined || keep(b)) yield b;
  }
}
