/**
 * TTL sweeper: every `intervalSeconds`, for each index with `expireAfterSeconds` (and the `_id_`
 * index of a clustered collection with a collection-level `expireAfterSeconds`; the time field of a
 * time-series collection with one), removes the
 * documents whose indexed field is a date (or an array holding a date; the earliest counts) older
 * than now − expireAfterSeconds. Reads candidates through the index (dates sort together), re-checks
 * each document, and deletes in write transactions of at most `BATCH` documents, yielding the event
 * loop between them. The clock is
 * injected so tests can move time; `sweepOnce` can be called directly.
 */
import type { CollectionEntry, IndexEntry, StorageEngine } from "../storage/api.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { type IndexKeyOptions, indexKeysOf } from "./index_keys.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decode } from "./rows.ts";
import { clusteredTtlSeconds } from "./clustered.ts";
import { OpControl } from "../observability/op_control.ts";
import { unrefInterval } from "../timers.ts";

const BATCH = 1000;
const DATE_TYPE = 0x64;

function earliestDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (Array.isArray(v)) {
    let best: Date | undefined;
    for (const x of v) if (x instanceof Date && (!best || x < best)) best = x;
    return best;
  }
  return undefined;
}

function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Doc)[p];
  }
  return cur;
}

/** The TTL of an index: its own, or for a clustered collection's `_id_` the collection's. */
function ttlOf(coll: CollectionEntry, ix: IndexEntry): number | undefined {
  if (ix.name === "_id_") return clusteredTtlSeconds(coll);
  const t = ix.spec["expireAfterSeconds"];
  if (t === undefined || t === null) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Deletes expired documents of one collection; returns how many. */
async function sweepCollection(
  storage: StorageEngine,
  coll: CollectionEntry,
  nowMs: number,
  keyOpts: IndexKeyOptions,
  ctl: OpControl,
): Promise<number> {
  let removed = 0;
  for (const ix of coll.indexes) {
    const ttl = ttlOf(coll, ix);
    if (ttl === undefined) continue;
    const key = (ix.spec["key"] ?? {}) as Doc;
    const field = Object.keys(key)[0];
    if (field === undefined || Object.keys(key).length !== 1) continue;
    const desc = Number(key[field]) < 0;
    const cutoff = new Date(nowMs - ttl * 1000);
    const edge = encodeIndexKey([cutoff], [desc ? -1 : 1]).slice();
    const typeEdge = Uint8Array.of(desc ? 255 - DATE_TYPE : DATE_TYPE);
    const bounds = desc
      ? { lower: edge, upper: Uint8Array.of(255 - DATE_TYPE, 0xff), upperExclusive: true }
      : { lower: typeEdge, upper: edge, upperExclusive: true };
    // each batch resumes at the last key the previous one read (inclusive: equal dates, other
    // documents); rescanning from the start walked every removed entry again while snapshot history
    // keeps their tombstones, so a big expiry cost O(n²)
    let resume: Uint8Array | undefined;
    for (;;) {
      const before = resume;
      const n = storage.write((txn) => {
        const current = storage.catalog.getCollection(coll.db, coll.name);
        if (!current || !current.indexes.some((i) => i.name === ix.name)) return { scanned: 0, done: 0 };
        const rids: bigint[] = [];
        const it = txn.scanIndex(
          current,
          ix.name,
          resume ? { ...bounds, lower: resume, lowerExclusive: false } : bounds,
        );
        try {
          for (const hit of it) {
            rids.push(hit.rid);
            resume = hit.key.slice();
            if (rids.length >= BATCH) break;
          }
        } finally {
          it.return?.();
        }
        let done = 0;
        for (const rid of new Set(rids)) {
          const bytes = txn.get(current, rid);
          if (!bytes) continue;
          const doc = decode(bytes);
          const d = earliestDate(getPath(doc, field));
          if (!d || d.getTime() >= cutoff.getTime()) continue;
          txn.remove(current, rid, indexKeysOf(current, doc, keyOpts));
          done++;
        }
        return { scanned: rids.length, done };
      });
      removed += n.done;
      if (n.scanned < BATCH) break;
      // a whole batch of one key and nothing removed would read the same batch again: stop there
      if (n.done === 0 && before !== undefined && resume !== undefined && compareKeys(before, resume) === 0) {
        break;
      }
      if (ctl.dueNow()) await ctl.yieldNow();
    }
  }
  return removed;
}

/**
 * A time-series collection's `expireAfterSeconds`: removes the measurements whose time field is older
 * than now − expireAfterSeconds, reading the collection in record-id slices of `BATCH` (mongod drops
 * whole buckets once their newest measurement is old enough; measurement by measurement is the same
 * for a reader, just sooner).
 */
async function sweepTimeseries(
  storage: StorageEngine,
  coll: CollectionEntry,
  nowMs: number,
  keyOpts: IndexKeyOptions,
  ctl: OpControl,
): Promise<number> {
  const ttl = timeseriesTtl(coll);
  if (ttl === undefined) return 0;
  const cutoff = nowMs - ttl.seconds * 1000;
  let removed = 0;
  let after: bigint | undefined;
  for (;;) {
    const r = storage.write((txn) => {
      const current = storage.catalog.getCollection(coll.db, coll.name);
      if (!current || timeseriesTtl(current) === undefined) return { scanned: 0, last: undefined };
      let scanned = 0;
      let last: bigint | undefined;
      const victims: { rid: bigint; doc: Doc }[] = [];
      const it = txn.scan(current, after === undefined ? {} : { after });
      try {
        for (const rec of it) {
          scanned++;
          last = rec.rid;
          const doc = decode(rec.bytes);
          const t = doc[ttl.timeField];
          if (t instanceof Date && t.getTime() < cutoff) victims.push({ rid: rec.rid, doc });
          if (scanned >= BATCH) break;
        }
      } finally {
        it.return?.();
      }
      for (const v of victims) txn.remove(current, v.rid, indexKeysOf(current, v.doc, keyOpts));
      removed += victims.length;
      return { scanned, last };
    });
    if (r.scanned < BATCH || r.last === undefined) break;
    after = r.last;
    if (ctl.dueNow()) await ctl.yieldNow();
  }
  return removed;
}

function timeseriesTtl(coll: CollectionEntry): { timeField: string; seconds: number } | undefined {
  const ts = coll.options["timeseries"] as { timeField?: unknown } | undefined;
  const t = coll.options["expireAfterSeconds"];
  if (!ts || typeof ts.timeField !== "string" || t === undefined || t === null || t === "off") {
    return undefined;
  }
  const n = Number(t);
  return Number.isFinite(n) ? { timeField: ts.timeField, seconds: n } : undefined;
}

/**
 * One pass over every collection with a TTL index; returns the number of documents removed. It
 * yields between batches (other clients run meanwhile; each batch is its own transaction).
 */
export async function sweepOnce(
  storage: StorageEngine,
  nowMs: number,
  keyOpts: IndexKeyOptions,
): Promise<number> {
  const ctl = new OpControl();
  let removed = 0;
  for (const db of storage.catalog.listDatabases()) {
    for (const coll of storage.catalog.listCollections(db)) {
      if (coll.indexes.some((i) => ttlOf(coll, i) !== undefined)) {
        removed += await sweepCollection(storage, coll, nowMs, keyOpts, ctl);
      }
      removed += await sweepTimeseries(storage, coll, nowMs, keyOpts, ctl);
    }
  }
  return removed;
}

export interface TtlSweeperOptions {
  /** Seconds between passes (mongod's `ttlMonitorSleepSecs`); 0 = the monitor starts disabled. */
  readonly intervalSeconds: number;
  /** How to compute index keys of the removed documents (the partial-filter compiler). */
  readonly indexKeys: IndexKeyOptions;
  readonly clock?: () => number;
  readonly onError?: (e: unknown) => void;
}

/**
 * The periodic sweep, with mongod's run-time controls (setParameter `ttlMonitorSleepSecs`,
 * `ttlMonitorEnabled`): a new period applies from now on; disabled, no pass starts. It stops when the
 * server's signal aborts.
 */
export class TtlMonitor {
  #sleepSeconds: number;
  #enabled: boolean;
  #running = false; // a pass longer than the interval is not overlapped by the next
  #timer: { cancel(): void } | undefined;
  /** Passes started (serverStatus `metrics.ttl.passes`). */
  passes = 0;

  constructor(
    private readonly storage: StorageEngine,
    private readonly opts: TtlSweeperOptions,
    private readonly signal: AbortSignal,
  ) {
    this.#enabled = opts.intervalSeconds > 0;
    this.#sleepSeconds = opts.intervalSeconds > 0 ? opts.intervalSeconds : 60;
    signal.addEventListener("abort", () => this.#timer?.cancel(), { once: true });
    this.#schedule();
  }

  get sleepSeconds(): number {
    return this.#sleepSeconds;
  }

  set sleepSeconds(seconds: number) {
    this.#sleepSeconds = seconds;
    this.#schedule();
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  set enabled(on: boolean) {
    this.#enabled = on;
    this.#schedule();
  }

  #schedule(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (!this.#enabled || this.signal.aborted) return;
    const clock = this.opts.clock ?? Date.now;
    this.#timer = unrefInterval(() => {
      if (this.signal.aborted || this.#running || !this.#enabled) return;
      this.#running = true;
      this.passes++;
      sweepOnce(this.storage, clock(), this.opts.indexKeys)
        .catch((e) => this.opts.onError?.(e))
        .finally(() => this.#running = false);
    }, this.#sleepSeconds * 1000);
  }
}

/** Starts the periodic sweep (interval 0 = disabled until `ttlMonitorEnabled` turns it on). */
export function startTtlSweeper(
  storage: StorageEngine,
  opts: TtlSweeperOptions,
  signal: AbortSignal,
): TtlMonitor {
  return new TtlMonitor(storage, opts, signal);
}
