/**
 * memory.ts — the memory budget of blocking stages and spilling (issue 15).
 *
 * Each blocking stage counts the approximate bytes it holds (`approxValueSize`). Past the budget
 * (`PipelineOptions.memoryLimitBytes`, default 100 MiB as mongod):
 * - without `allowDiskUse` (only `allowDiskUse: false` — mongod 8.0 defaults it to true) or without a
 *   spill store, the stage fails with 292 QueryExceededMemoryLimitNoDiskUseAllowed in mongod's words;
 * - otherwise `$sort` writes its buffer as a sorted run and merges the runs at the end
 *   (`externalSort`), and `$group` partitions the documents of new groups into runs and aggregates
 *   each run afterwards (group.ts).
 */
import { CommandError } from "../../errors/command_error.ts";
import { compareValues, type StringComparator } from "../../bson/compare.ts";
import { sortKeyOf, type SortKeyPart } from "../sort/sort.ts";
import { approxValueSize } from "./value_size.ts";
import { PAUSE } from "./pause.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { PackedDocs, type PackedRef } from "./packed_docs.ts";
import type { Document, PipelineOptions, SpillRun, SpillStore } from "./types.ts";

/** mongod's default budget of one blocking stage. */
export const DEFAULT_STAGE_MEMORY_BYTES = 100 * 1024 * 1024;

export interface Budget {
  readonly limit: number;
  /** The store to spill into, or undefined when spilling is not allowed. */
  readonly spill: SpillStore | undefined;
  /** Records that the stage spilled (once per pipeline run is enough). */
  readonly spilled: () => void;
  /** Reports bytes the stage now holds more (or, negative, fewer): the operation's memory meter. */
  readonly meter: (deltaBytes: number) => void;
}

export function budgetOf(opts: PipelineOptions): Budget {
  return {
    limit: opts.memoryLimitBytes ?? DEFAULT_STAGE_MEMORY_BYTES,
    spill: opts.allowDiskUse === false ? undefined : opts.spill,
    spilled: opts.onSpill ?? (() => {}),
    meter: opts.onMemory ?? (() => {}),
  };
}

/** mongod's 292 for a sort past its budget without external sorting. */
export function sortMemoryError(limit: number): CommandError {
  return new CommandError(
    "QueryExceededMemoryLimitNoDiskUseAllowed",
    `Sort exceeded memory limit of ${limit} bytes, but did not opt in to external sorting.`,
  );
}

/** mongod's 292 for a `$group` past its budget without spilling. */
export function groupMemoryError(): CommandError {
  return new CommandError(
    "QueryExceededMemoryLimitNoDiskUseAllowed",
    "Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in.",
  );
}

/** A 292 for the other blocking stages (they do not spill here). */
export function stageMemoryError(stage: string, limit: number): CommandError {
  return new CommandError(
    "QueryExceededMemoryLimitNoDiskUseAllowed",
    `${stage} exceeded its memory limit of ${limit} bytes and cannot spill to disk in SecantusDB.`,
  );
}

/** The merge offers a pause (deadline check, other clients) every this many documents. */
const MERGE_PAUSE_EVERY = 4096;
/** Rows per chunk of a big in-memory final sort when the caller handles pauses. */
const SORT_CHUNK = 8_192;
/**
 * Past this many counted bytes (or a quarter of the budget) the sort buffer packs its documents as BSON (packed_docs.ts): decoded
 * ~1 KB documents cost the V8 heap ~2x their counted size (a 100 MiB buffer held 200–250 MiB of
 * heap); small sorts stay decoded (no encode/decode on the way through).
 */
const PACK_AT = 8 * 1024 * 1024;
/** Heap bytes one packed row costs besides its document's bytes (row object, key array). */
const PACKED_ROW_BYTES = 112;

interface Row {
  /** The document, while the buffer holds decoded documents (or read back from a run). */
  d: Document | undefined;
  /** Where the document is packed, once the buffer packs. */
  r: PackedRef | undefined;
  readonly k: unknown[];
  readonly i: number;
}

/**
 * Sorts `input` by `keys` (stable), passing `PAUSE` markers through while reading. Holds at most the
 * budget in memory: a full buffer becomes a sorted run on disk, and the runs are merged at the end.
 */
export function* externalSort(
  input: Iterable<Document>,
  keys: readonly SortKeyPart[],
  strCmp: StringComparator | undefined,
  budget: Budget,
): Generator<Document> {
  const keyOf = (d: Document) => keys.map((k) => sortKeyOf(d, k.parts, k.direction, strCmp));
  const cmp = (x: Row, y: Row) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compareValues(x.k[j], y.k[j], strCmp);
      if (c !== 0) return c * (keys[j] as SortKeyPart).direction;
    }
    return x.i - y.i;
  };
  const packed = new PackedDocs();
  let packing = false;
  const docOf = (r: Row): Document => r.d ?? packed.get(r.r!);
  let buf: Row[] = [];
  let held = 0;
  let i = 0;
  const runs: SpillRun[] = [];
  let pausing = false; // the caller handles PAUSE markers (it sent some)
  const charge = (n: number) => {
    held += n;
    budget.meter(n);
  };
  const pack = (d: Document, k: unknown[]): Row => {
    const r = packed.add(d);
    charge(r.n + PACKED_ROW_BYTES + approxValueSize(k));
    return { d: undefined, r, k, i: i++ };
  };
  try {
    for (const d of input) {
      if (d === PAUSE) {
        pausing = true;
        yield d;
        continue;
      }
      const k = keyOf(d);
      if (packing) {
        buf.push(pack(d, k));
      } else {
        buf.push({ d, r: undefined, k, i: i++ });
        charge(approxValueSize(d));
        if (held > Math.min(PACK_AT, budget.limit / 4) && budget.spill) {
          // From here on the buffer holds BSON: re-count what it holds as packed rows.
          packing = true;
          budget.meter(-held);
          held = 0;
          for (const row of buf) {
            row.r = packed.add(row.d!);
            row.d = undefined;
            charge(row.r.n + PACKED_ROW_BYTES + approxValueSize(row.k));
          }
        }
      }
      if (held > budget.limit) {
        if (!budget.spill) throw sortMemoryError(budget.limit);
        buf.sort(cmp);
        const run = budget.spill.newRun();
        runs.push(run);
        for (const r of buf) {
          if (r.r && run.appendBytes) run.appendBytes(packed.bytes(r.r));
          else run.append(docOf(r));
        }
        run.finish?.();
        budget.spilled();
        buf = [];
        packed.clear();
        budget.meter(-held);
        held = 0;
      }
    }
    // The in-memory rest: one Array.sort, or — when the caller handles pauses and the rest is big —
    // chunks sorted one at a time with a pause after each (one sort of 1M rows held the event loop ~1 s).
    const chunks: Row[][] = [];
    if (pausing && buf.length > SORT_CHUNK) {
      for (let at = 0; at < buf.length; at += SORT_CHUNK) {
        chunks.push(buf.slice(at, at + SORT_CHUNK).sort(cmp));
        yield PAUSE;
      }
    } else {
      buf.sort(cmp);
      if (runs.length === 0) {
        for (const r of buf) yield docOf(r);
        return;
      }
      chunks.push(buf);
    }
    buf = [];
    // k-way merge: the in-memory chunks come after the runs (input order), each in input order.
    const rowsOf = function* (docs: Iterable<Document>): Generator<Row> {
      for (const d of docs) yield { d, r: undefined, k: keyOf(d), i: 0 };
    };
    const sources: Iterator<Row>[] = runs.map((r) => rowsOf(r.read()));
    for (const c of chunks) sources.push(c[Symbol.iterator]());
    chunks.length = 0;
    const heap: Row[] = []; // i = source index (ties: earlier run first = input order)
    const push = (src: number) => {
      const n = sources[src]!.next();
      if (!n.done) heapPush(heap, { d: n.value.d, r: n.value.r, k: n.value.k, i: src }, cmp);
    };

    for (let s = 0; s < sources.length; s++) push(s);
    let n = 0;
    while (heap.length > 0) {
      const top = heapPop(heap, cmp);
      yield docOf(top);
      push(top.i);
      if (pausing && ++n % MERGE_PAUSE_EVERY === 0) yield PAUSE; // disk reads: let the caller check its deadline
    }
  } finally {
    budget.meter(-held);
    packed.release();
    for (const r of runs) r.discard();
  }
}

function heapPush(h: Row[], x: Row, cmp: (a: Row, b: Row) => number): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (cmp(h[p]!, h[i]!) <= 0) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}

function heapPop(h: Row[], cmp: (a: Row, b: Row) => number): Row {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && cmp(h[l]!, h[m]!) < 0) m = l;
      if (r < h.length && cmp(h[r]!, h[m]!) < 0) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}

/** An in-memory spill store (unit tests, and callers without a disk). */
export class MemorySpillStore implements SpillStore {
  runs = 0;
  newRun(): SpillRun {
    this.runs++;
    let docs: Document[] = [];
    return {
      append: (d) => void docs.push(d),
      appendBytes: (b) => void docs.push(decodeDocument(b.slice())),
      read: function* () {
        const all = docs;
        docs = [];
        yield* all;
      },
      discard: () => void (docs = []),
    };
  }
}
