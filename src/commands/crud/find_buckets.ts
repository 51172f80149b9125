/**
 * `find` on `<db>.system.buckets.<name>` of a time-series collection: mongod keeps the measurements
 * there as bucket documents, and mongodump reads that namespace to dump a time-series collection. Here
 * the measurements are documents of the collection itself, so the read scans them (yielding, as any
 * collection scan) and answers one version 1 bucket per measurement (timeseries_buckets.ts), with the
 * filter, projection, skip and limit applied to the buckets. Only `$natural` order is offered.
 * `count` on that namespace counts the same buckets (`bucketsOf`).
 */
import { decodeDocument } from "../../bson/decode.ts";
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter, compileProjection, type Projection } from "../../engine/mod.ts";
import type { Batch, BatchSource } from "../../executor/batch_source.ts";
import { QuerySource } from "../../executor/query.ts";
import type { OpControl } from "../../observability/op_control.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import type { Reply } from "../spec.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { bucketOf, BUCKETS_PREFIX } from "../shared/timeseries_buckets.ts";
import { timeseriesOf, type TimeseriesOptions } from "../shared/timeseries.ts";
import { findCollection } from "../shared/namespace.ts";
import { firstBatchReply } from "../shared/first_batch.ts";
import type { OplogFindParams } from "./find_oplog.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

/** The time-series collection behind `<db>.system.buckets.<name>`, if `name` is such a namespace. */
export function bucketsBase(
  ctx: RequestContext,
  name: string,
): { coll: CollectionEntry; ts: TimeseriesOptions } | undefined {
  if (!name.startsWith(BUCKETS_PREFIX)) return undefined;
  const coll = findCollection(ctx, name.slice(BUCKETS_PREFIX.length));
  const ts = timeseriesOf(coll);
  return coll && ts ? { coll, ts } : undefined;
}

/** A cursor source of the buckets (matching `filter`) of time-series collection `coll`. */
export function bucketsOf(
  ctx: RequestContext,
  coll: CollectionEntry,
  ts: TimeseriesOptions,
  q: {
    filter?: Record<string, unknown> | undefined;
    collation?: Record<string, unknown> | undefined;
    projection?: Record<string, unknown> | undefined;
    skip?: number | undefined;
    limit?: number | undefined;
  },
): BatchSource {
  const matcher = compileFilter(q.filter ?? {}, q.collation ? { collation: q.collation } : {});
  const projection = q.projection ? compileProjection(q.projection) : undefined;
  return new BucketsSource(
    new QuerySource(ctx.storage, coll, compileQuery({}, coll)),
    ts,
    (d) => matcher.matches(d),
    projection,
    q.skip ?? 0,
    q.limit === undefined ? 0 : Math.abs(q.limit),
  );
}

class BucketsSource implements BatchSource {
  #pending: Uint8Array[] = [];
  #innerDone = false;
  #skip: number;
  #left: number;

  constructor(
    private readonly inner: QuerySource,
    private readonly ts: TimeseriesOptions,
    private readonly matches: (d: Record<string, unknown>) => boolean,
    private readonly projection: Projection | undefined,
    skip: number,
    limit: number,
  ) {
    this.#skip = skip;
    this.#left = limit > 0 ? limit : Infinity;
  }

  async nextBatch(maxDocs: number, maxBytes: number, ctl: OpControl): Promise<Batch> {
    const docs: Uint8Array[] = [];
    let bytes = 0;
    while (docs.length < maxDocs && bytes < maxBytes && this.#left > 0) {
      if (this.#pending.length === 0) {
        if (this.#innerDone) break;
        // a bucket is about twice its measurement (min/max and data): ask for half the bytes
        const b = await this.inner.nextBatch(Math.min(maxDocs, 1000), Math.max(1, maxBytes >> 1), ctl);
        this.#pending = b.docs;
        this.#innerDone = b.done;
        continue;
      }
      const bucket = bucketOf(decodeDocument(this.#pending[0]!), this.ts);
      const skipped = !this.matches(bucket) || (this.#skip > 0 && this.#skip-- > 0);
      if (skipped) {
        this.#pending.shift();
        continue;
      }
      const out = serializeDocument(this.projection ? this.projection.apply(bucket) : bucket);
      if (docs.length > 0 && bytes + out.length > maxBytes) break;
      this.#pending.shift();
      docs.push(out);
      bytes += out.length;
      this.#left--;
    }
    const done = this.#left <= 0 || (this.#innerDone && this.#pending.length === 0);
    return { docs, done };
  }

  close(): void {
    this.inner.close();
  }
}

/** Answers a find on the buckets namespace of time-series collection `coll`. */
export async function findBuckets(
  ctx: RequestContext<OplogFindParams>,
  coll: CollectionEntry,
  ts: TimeseriesOptions,
): Promise<Reply> {
  const p = ctx.params;
  const ns = `${ctx.db}.system.buckets.${coll.name}`;
  const sortKeys = Object.keys(p.sort ?? {});
  if (sortKeys.some((k) => k !== "$natural") || p.tailable) {
    throw new CommandError(
      "NotImplemented",
      `${ns}: SecantusDB answers the buckets of a time-series collection in $natural order only`,
    );
  }
  const source = bucketsOf(ctx, coll, ts, p);
  ctx.opStats.ns = ns;
  return await firstBatchReply(ctx, ns, source, p);
}
