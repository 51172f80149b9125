/**
 * `find` on `local.oplog.rs`: the oplog is an internal table keyed by time, not a collection, so its
 * reads are answered here — `$natural` order either way, a lower bound on `ts` taken from the filter
 * (`{ts: {$gte | $gt: T}}` or `{ts: T}`) so a read from a point never scans older entries, then
 * filter, skip, limit and projection by the query engine; `tailable` (+ `awaitData`) cursors follow
 * new entries as they commit.
 */
import { Timestamp } from "bson";
import { decodeDocument } from "../../bson/decode.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter, compileProjection, type Projection } from "../../engine/mod.ts";
import type { Oplog, RawEntry } from "../../oplog/mod.ts";
import type { Batch, BatchOptions, BatchSource } from "../../executor/batch_source.ts";
import type { OpControl } from "../../observability/op_control.ts";
import type { RequestContext } from "../context.ts";
import type { Reply } from "../spec.ts";
import { firstBatchReply } from "../shared/first_batch.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

const READ_CHUNK = 500;

/** The lower bound on `ts` a filter states at its top level, if any. */
export function tsLowerBound(filter: Record<string, unknown> | undefined): Timestamp | undefined {
  const c = filter?.["ts"];
  if (c instanceof Timestamp) return c;
  if (!isPlainDoc(c)) return undefined;
  const v = c["$gte"] ?? c["$gt"] ?? c["$eq"];
  return v instanceof Timestamp ? v : undefined;
}

class OplogFindSource implements BatchSource {
  readonly awaitData: boolean;
  #after: Uint8Array | undefined;
  #skip: number;
  #left: number;
  #exhausted = false;
  /** Rows read but not yet returned (a batch ended at its byte limit). */
  #pending: RawEntry[] = [];
  readonly #abort = new AbortController();

  constructor(
    private readonly oplog: Oplog,
    private readonly matches: (d: Record<string, unknown>) => boolean,
    private readonly projection: Projection | undefined,
    private readonly reverse: boolean,
    private readonly from: Timestamp | undefined,
    skip: number,
    limit: number,
    readonly tailable: boolean,
    awaitData: boolean,
  ) {
    this.awaitData = awaitData;
    this.#skip = skip;
    this.#left = limit > 0 ? limit : Infinity;
  }

  #read(): RawEntry[] {
    if (this.#pending.length > 0) {
      const rows = this.#pending;
      this.#pending = [];
      return rows;
    }
    if (this.reverse) {
      if (this.#after !== undefined) return []; // one pass over the newest entries
      const rows = this.oplog.readNewest(Number.MAX_SAFE_INTEGER);
      this.#after = new Uint8Array(1);
      return rows;
    }
    const rows = this.oplog.read(
      this.#after ? { after: this.#after } : this.from ? { from: this.from } : {},
      READ_CHUNK,
    );
    if (rows.length > 0) this.#after = rows[rows.length - 1]!.key;
    return rows;
  }

  async nextBatch(maxDocs: number, maxBytes: number, ctl: OpControl, opts?: BatchOptions): Promise<Batch> {
    const deadline = Date.now() + (opts?.awaitMs ?? 0);
    const docs: Uint8Array[] = [];
    let bytes = 0;
    for (;;) {
      while (docs.length < maxDocs && bytes < maxBytes && this.#left > 0) {
        const rows = this.#read();
        if (rows.length === 0) {
          if (!this.tailable) this.#exhausted = true;
          break;
        }
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          const d = decodeDocument(row.bytes);
          if (!this.matches(d)) continue;
          if (this.#skip > 0) {
            this.#skip--;
            continue;
          }
          const b = this.projection ? serializeDocument(this.projection.apply(d)) : row.bytes;
          // a batch stays within the reply limit (entries of a large transaction are ~16 MiB)
          if (docs.length > 0 && bytes + b.length > maxBytes) {
            this.#pending = rows.slice(i);
            break;
          }
          docs.push(b);
          bytes += b.length;
          if (--this.#left <= 0) break;
        }
        if (this.#pending.length > 0) break;
        if (ctl.due()) await ctl.yieldNow();
      }
      if (docs.length > 0 || this.#exhausted || this.#left <= 0 || !this.awaitData) break;
      const wait = deadline - Date.now();
      if (wait <= 0) break;
      await this.oplog.waitForWrite(wait, AbortSignal.any([this.#abort.signal, ctl.signal])); // (killOp, hang-up)
    }
    return { docs, done: this.#exhausted || this.#left <= 0 };
  }

  close(): void {
    this.#abort.abort();
  }
}

/** The find fields an oplog read uses (find's parsed params). */
export interface OplogFindParams {
  readonly filter?: Record<string, unknown> | undefined;
  readonly sort?: Record<string, unknown> | undefined;
  readonly projection?: Record<string, unknown> | undefined;
  readonly skip?: number | undefined;
  readonly limit?: number | undefined;
  readonly batchSize?: number | undefined;
  readonly singleBatch?: boolean | undefined;
  readonly collation?: Record<string, unknown> | undefined;
  readonly tailable?: boolean | undefined;
  readonly awaitData?: boolean | undefined;
  readonly noCursorTimeout?: boolean | undefined;
}

export async function findOplog(ctx: RequestContext<OplogFindParams>, oplog: Oplog): Promise<Reply> {
  const p = ctx.params;
  const ns = "local.oplog.rs";
  const sort = p.sort ?? {};
  const keys = Object.keys(sort);
  const dir = keys.length === 0
    ? 1
    : keys.length === 1 && (keys[0] === "$natural" || keys[0] === "ts")
    ? Number(sort[keys[0]!])
    : undefined;
  if (dir !== 1 && dir !== -1) {
    throw new CommandError(
      "BadValue",
      "local.oplog.rs can only be sorted by {$natural: 1 | -1} or {ts: 1 | -1}",
    );
  }
  if (p.tailable && dir === -1) {
    throw new CommandError("BadValue", "cannot use tailable option with a sort other than {$natural: 1}");
  }
  if (p.awaitData && !p.tailable) {
    throw new CommandError("FailedToParse", "Cannot set 'awaitData' without also setting 'tailable'");
  }
  const matcher = compileFilter(p.filter ?? {}, p.collation ? { collation: p.collation } : {});
  const projection = p.projection ? compileProjection(p.projection) : undefined;
  const source = new OplogFindSource(
    oplog,
    (d) => matcher.matches(d),
    projection,
    dir === -1,
    dir === 1 ? tsLowerBound(p.filter) : undefined,
    p.skip ?? 0,
    p.limit === undefined ? 0 : Math.abs(p.limit),
    p.tailable === true,
    p.awaitData === true,
  );
  return await firstBatchReply(ctx, ns, source, p);
}
