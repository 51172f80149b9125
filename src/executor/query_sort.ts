/**
 * query_sort.ts — the blocking sort of a query source (`QuerySource`, query.ts): holds the matches a
 * sort has read so far, writes them to a sorted run on disk when they pass the sort's memory limit
 * (or refuses with 292 without allowDiskUse), and answers the sorted rows once the scan is done — a big
 * in-memory rest sorted one chunk per pull, so no single `Array.sort` holds the event loop.
 *
 * With a limit (`skip + limit` ≤ TOP_K_MAX rows wanted) only the best rows so far are held, in a bounded
 * max-heap: each match is compared with the worst kept one and mostly dropped at once (mongod's top-k
 * SORT). Ties keep input order, as the full sort's stable `Array.sort` does.
 */
import { CommandError } from "../errors/command_error.ts";
import type { SpillRun } from "../storage/spill.ts";
import type { CompiledQuery, ExecStats, SortKeys } from "./compiled_query.ts";
import { Row } from "./rows.ts";
import { unwrapRow, wrapRow } from "./row_bytes.ts";
import { SortedRows } from "./sorted_rows.ts";
import { mergeSorted } from "./merge_sorted.ts";

const SORT_LIMIT_DEFAULT = 100 * 1024 * 1024;
/** Rows per chunk of a big in-memory final sort (each chunk is sorted in one pull; see `finish`). */
const SORT_CHUNK = 8_192;
/** The most rows a top-k sort keeps (`skip + limit`); more, and the whole sort runs. */
const TOP_K_MAX = 10_000;

/** A kept row of a top-k sort, its input position (the tie-break) and its sort key when computed once. */
interface Ranked {
  readonly row: Row;
  readonly seq: number;
  readonly key: readonly unknown[] | undefined;
}

export class QuerySortBuffer {
  /** Rows read so far (across pulls) and their bytes. */
  #rows: Row[] = [];
  #held = 0;
  /** A big final sort in progress: the chunks sorted so far and where the next one starts. */
  #chunks: Row[][] = [];
  #chunkAt = 0;
  /** Sorted runs written to disk (storage/spill.ts). */
  #runs: SpillRun[] = [];
  readonly #cap: number;
  readonly #order: (x: Row, y: Row) => number;
  /** The sort as keys (engine/sort `sortKeysOf`): a top-k row's key is computed once, not per comparison. */
  readonly #keys: SortKeys | undefined;

  /** A top-k sort: the rows wanted (`skip + limit`), else 0 (also once its rows pass the memory limit). */
  #k: number;
  /** Its kept rows: a max-heap under `#rank` (the worst kept row first), and their bytes. */
  #heap: Ranked[] = [];
  #heapBytes = 0;
  #seq = 0;

  constructor(private readonly q: CompiledQuery, private readonly stats: ExecStats) {
    this.#cap = q.sortMemoryLimit ?? SORT_LIMIT_DEFAULT;
    const cmp = q.sort!;
    const f = q.readFields;
    this.#order = (x, y) => cmp(x.view(f), y.view(f));
    this.#keys = q.sortKeys ?? undefined;
    const k = q.limit > 0 ? q.skip + q.limit : 0;
    this.#k = k <= TOP_K_MAX ? k : 0;
  }

  #rank(a: Ranked, b: Ranked): number {
    const keys = this.#keys;
    const c = keys !== undefined && a.key !== undefined && b.key !== undefined
      ? keys.compare(a.key, b.key)
      : this.#order(a.row, b.row);
    return c || a.seq - b.seq;
  }

  /** Holds one match; past the limit the held rows become one sorted run on disk. */
  add(row: Row): void {
    if (this.#k > 0) {
      const key = this.#keys?.keyOf(row.view(this.q.readFields));
      return this.#addTop({ row, seq: this.#seq++, key });
    }
    this.#held += row.bytes.length;
    this.#rows.push(row);
    if (this.#held <= this.#cap) return;
    if (!this.q.spill) {
      throw new CommandError(
        "QueryExceededMemoryLimitNoDiskUseAllowed",
        `Sort exceeded memory limit of ${this.#cap} bytes, but did not opt in to external sorting.`,
      );
    }
    const rows = this.#rows.sort(this.#order);
    const run = this.q.spill.newRun();
    this.#runs.push(run);
    this.stats.spills = (this.stats.spills ?? 0) + 1;
    for (const r of rows) run.appendBytes(this.q.rowMeta ? wrapRow(r) : r.bytes);
    run.finish();
    this.#rows = [];
    this.#held = 0;
  }

  /** A top-k sort's match: kept while fewer than k are, else in place of the worst kept one if better. */
  #addTop(e: Ranked): void {
    const h = this.#heap;
    if (h.length < this.#k) {
      h.push(e);
      this.#heapBytes += e.row.bytes.length;
      if (this.#heapBytes > this.#cap) return this.#untop();
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.#rank(h[p]!, h[i]!) >= 0) break;
        [h[p], h[i]] = [h[i]!, h[p]!];
        i = p;
      }
      return;
    }
    if (this.#rank(e, h[0]!) >= 0) return;
    this.#heapBytes += e.row.bytes.length - h[0]!.row.bytes.length;
    h[0] = e;
    for (let i = 0;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < h.length && this.#rank(h[l]!, h[top]!) > 0) top = l;
      if (r < h.length && this.#rank(h[r]!, h[top]!) > 0) top = r;
      if (top === i) break;
      [h[top], h[i]] = [h[i]!, h[top]!];
      i = top;
    }
    if (this.#heapBytes > this.#cap) this.#untop();
  }

  /** The kept rows past the memory limit: the whole sort takes them, in input order (it spills or refuses). */
  #untop(): void {
    const rows = this.#heap.sort((a, b) => a.seq - b.seq).map((e) => e.row);
    this.#heap = [];
    this.#k = 0;
    for (const r of rows) this.add(r);
  }

  /** After the scan's last match: the sorted rows, or undefined while a big sort needs more pulls. */
  finish(): SortedRows | undefined {
    if (this.#k > 0) {
      const kept = this.#heap.sort((a, b) => this.#rank(a, b)).map((e) => e.row);
      this.#heap = [];
      return new SortedRows(kept[Symbol.iterator]());
    }
    const order = this.#order;
    if (this.#rows.length > SORT_CHUNK || this.#chunks.length > 0) {
      // A big in-memory sort: one chunk per pull, merged at the end (one Array.sort of 1M rows held
      // the event loop ~1 s; between pulls the caller yields when its slice is used up).
      if (this.#chunkAt < this.#rows.length) {
        this.#chunks.push(this.#rows.slice(this.#chunkAt, this.#chunkAt + SORT_CHUNK).sort(order));
        this.#chunkAt += SORT_CHUNK;
        if (this.#chunkAt < this.#rows.length) return undefined;
      }
      this.#rows = [];
      const sources = this.#runSources();
      for (const c of this.#chunks) sources.push(c[Symbol.iterator]()); // input order: runs, then chunks
      this.#chunks = [];
      return new SortedRows(mergeSorted(sources, order));
    }
    const rows = this.#rows.sort(order);
    this.#rows = [];
    if (this.#runs.length === 0) {
      // Apply limit early to release memory.
      if (this.q.limit !== 0) rows.length = Math.min(rows.length, this.q.skip + this.q.limit);
      return new SortedRows(rows[Symbol.iterator]());
    }
    const sources = this.#runSources();
    sources.push(rows[Symbol.iterator]()); // the in-memory rest comes last in input order
    return new SortedRows(mergeSorted(sources, order));
  }

  /** Drops what is held and deletes the runs. */
  close(): void {
    this.#heap = [];
    this.#rows = [];
    this.#chunks = [];
    for (const r of this.#runs) r.discard();
    this.#runs = [];
  }

  /** The spilled runs as sorted row sources, in spill (= input) order. */
  #runSources(): Iterator<Row>[] {
    const unwrap = this.q.rowMeta ? unwrapRow : (b: Uint8Array) => new Row(0n, b);
    return this.#runs.map((r) => mapIter(r.readBytes(), unwrap));
  }
}

function* mapIter<A, B>(it: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const a of it) yield f(a);
}
