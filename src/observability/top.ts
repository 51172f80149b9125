/**
 * Per-namespace usage totals for the `top` command: time (microseconds) and count per operation
 * kind, with mongod's field names (total, readLock, writeLock, queries, getmore, insert, update,
 * remove, commands); and what `$collStats` reports per namespace: `latencyStats` (reads, writes,
 * commands, transactions — mongod's read/write/command classification of each command — with a
 * latency histogram on mongod's bucket bounds) and `queryExecStats` (collection scans).
 */

export interface TopCell {
  time: number;
  count: number;
}

export const TOP_FIELDS = [
  "total",
  "readLock",
  "writeLock",
  "queries",
  "getmore",
  "insert",
  "update",
  "remove",
  "commands",
] as const;
export type TopField = typeof TOP_FIELDS[number];
export type TopEntry = Record<TopField, TopCell>;

/** Which `top` row (besides total and the lock row) a command counts in. */
export function topKind(command: string): TopField {
  switch (command) {
    case "find":
      return "queries";
    case "getMore":
      return "getmore";
    case "insert":
      return "insert";
    case "update":
    case "findAndModify":
      return "update";
    case "delete":
      return "remove";
    default:
      return "commands";
  }
}

const WRITES: ReadonlySet<TopField> = new Set(["insert", "update", "remove"]);

function newCell(): LatencyCell {
  return { latency: 0, ops: 0, buckets: new Map() };
}

function bucketOf(micros: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MICROS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((LATENCY_BOUNDS_MICROS[mid] as number) <= micros) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class Top {
  readonly #entries = new Map<string, TopEntry>();
  readonly #latency = new Map<string, LatencyEntry>();
  readonly #scans = new Map<string, ScanCounts>();
  /** Every namespace's latencies plus the transactions' (serverStatus `opLatencies`). */
  readonly #global: LatencyEntry = newLatencyEntry();

  record(ns: string, command: string, micros: number, isWrite = false): void {
    let e = this.#entries.get(ns);
    if (!e) {
      e = {} as TopEntry;
      for (const f of TOP_FIELDS) e[f] = { time: 0, count: 0 };
      this.#entries.set(ns, e);
    }
    const kind = topKind(command);
    const lock = isWrite || WRITES.has(kind) ? "writeLock" : "readLock";
    e.total.time += micros;
    e.total.count++;
    e[lock].time += micros;
    e[lock].count++;
    e[kind].time += micros;
    e[kind].count++;
    let l = this.#latency.get(ns);
    if (!l) {
      l = newLatencyEntry();
      this.#latency.set(ns, l);
    }
    const lk = latencyKind(command);
    addLatency(l[lk], micros);
    addLatency(this.#global[lk], micros);
  }

  /**
   * A multi-document transaction ended (committed or aborted) after `micros` since it started. As
   * mongod (Top::incrementGlobalTransactionLatencyStats) this counts only in the server-wide
   * histogram: a collection's `latencyStats.transactions` stays 0, its operations count as reads and
   * writes.
   */
  recordTransaction(micros: number): void {
    addLatency(this.#global.transactions, micros);
  }

  /** The server-wide latencies (serverStatus `opLatencies`). */
  globalLatency(): LatencyEntry {
    return this.#global;
  }

  /** A command scanned the collection `ns` in full (planSummary COLLSCAN). */
  recordCollectionScan(ns: string, tailable: boolean): void {
    let s = this.#scans.get(ns);
    if (!s) this.#scans.set(ns, s = { total: 0, nonTailable: 0 });
    s.total++;
    if (!tailable) s.nonTailable++;
  }

  latency(ns: string): LatencyEntry | undefined {
    return this.#latency.get(ns);
  }

  collectionScans(ns: string): ScanCounts {
    return this.#scans.get(ns) ?? { total: 0, nonTailable: 0 };
  }

  /** Forget a namespace (dropped collection). */
  forget(ns: string): void {
    this.#entries.delete(ns);
    this.#latency.delete(ns);
    this.#scans.delete(ns);
  }

  entries(): ReadonlyMap<string, TopEntry> {
    return this.#entries;
  }
}

function newLatencyEntry(): LatencyEntry {
  return { reads: newCell(), writes: newCell(), commands: newCell(), transactions: newCell() };
}

function addLatency(cell: LatencyCell, micros: number): void {
  cell.latency += micros;
  cell.ops++;
  const b = bucketOf(micros);
  cell.buckets.set(b, (cell.buckets.get(b) ?? 0) + 1);
}

/** mongod's OperationLatencyHistogram bucket lower bounds, microseconds. */
export const LATENCY_BOUNDS_MICROS: readonly number[] = (() => {
  // powers of two to 1,024 µs; then 2^k and 1.5·2^k for 2^11 .. 2^20; then powers of two to 2^40
  const b = [0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
  for (let p = 2048; p < 2 ** 21; p *= 2) b.push(p, p * 1.5);
  for (let p = 2 ** 21; p <= 2 ** 40; p *= 2) b.push(p);
  return b;
})();

export interface LatencyCell {
  /** Total microseconds. */
  latency: number;
  ops: number;
  /** Operation counts per bucket index of `LATENCY_BOUNDS`. */
  readonly buckets: Map<number, number>;
}

export type LatencyKind = "reads" | "writes" | "commands" | "transactions";
export type LatencyEntry = Record<LatencyKind, LatencyCell>;

/** mongod's `getReadWriteType`: which latencyStats row a command counts in. */
export function latencyKind(command: string): LatencyKind {
  switch (command) {
    case "find":
    case "getMore":
    case "aggregate":
    case "count":
    case "distinct":
      return "reads";
    case "insert":
    case "update":
    case "delete":
    case "findAndModify":
      return "writes";
    default:
      return "commands";
  }
}

export interface ScanCounts {
  total: number;
  nonTailable: number;
}
