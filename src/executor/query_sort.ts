/**
 * query_sort.ts — the blocking sort of a query source (`QuerySource`, query.ts): holds the matches a
 * sort has read so far, writes them to a sorted run on disk when they pass the sort's memory limit
 * (or refuses with 292 without allowDiskUse), and answers the sorted rows once the scan is done — a big
 * in-memory rest sorted one chunk per pull, so no single `Array.sort` holds the event loop.
 */
import { CommandError } from "../errors/command_error.ts";
import type { SpillRun } from "../storage/spill.ts";
import type { CompiledQuery, ExecStats } from "./compiled_query.ts";
import { Row } from "./rows.ts";
import { unwrapRow, wrapRow } from "./row_bytes.ts";
import { mergeSorted, SortedRows } from "./sorted_rows.ts";

const SORT_LIMIT_DEFAULT = 100 * 1024 * 1024;
/** Rows per chunk of a big in-memory final sort (each chunk is sorted in one pull; see `finish`). */
const SORT_CHUNK = 8_192;

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

  constructor(private readonly q: CompiledQuery, private readonly stats: ExecStats) {
    this.#cap = q.sortMemoryLimit ?? SORT_LIMIT_DEFAULT;
    const cmp = q.sort!;
    const f = q.readFields;
    this.#order = (x, y) => cmp(x.view(f), y.view(f));
  }

  /** Holds one match; past the limit the held rows become one sorted run on disk. */
  add(row: Row): void {
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

  /** After the scan's last match: the sorted rows, or undefined while a big sort needs more pulls. */
  finish(): SortedRows | undefined {
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
