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
import { sortKeyOf, type SortKeyPart, TEXT_SCORE_PARTS } from "../sort/sort.ts";
import { approxValueSize } from "./value_size.ts";
import { PAUSE } from "./pause.ts";
import { decodeDocument, decodeDocumentCopy } from "../../bson/decode.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { PackedDocs } from "./packed_docs.ts";
import { isStoredDoc, storedItem } from "./stored_doc.ts";
import type { Document, PipelineOptions, SpillRun, SpillStore } from "./types.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

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
  /** The stage has just dropped at least its budget of JS heap (PipelineOptions.onHeapReleased). */
  readonly heapReleased: () => void;
}

export function budgetOf(opts: PipelineOptions): Budget {
  return {
    limit: opts.memoryLimitBytes ?? DEFAULT_STAGE_MEMORY_BYTES,
    spill: opts.allowDiskUse === false ? undefined : opts.spill,
    spilled: opts.onSpill ?? (() => {}),
    meter: opts.onMemory ?? (() => {}),
    heapReleased: opts.onHeapReleased ?? (() => {}),
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
 * Past this many counted bytes (or a quarter of the budget) the sort buffer packs its documents as
 * BSON (packed_docs.ts): decoded ~1 KB documents cost the V8 heap ~2x their counted size (a 100 MiB
 * buffer held 200–250 MiB of heap); small sorts stay decoded (no encode/decode on the way through).
 */
const PACK_AT = 8 * 1024 * 1024;
/**
 * When the input spilled, an in-memory rest holding more than this (or a quarter of the budget) is
 * written as one more run before the merge (the merge then holds only the runs' read buffers).
 */
const SPILL_REST_AT = 8 * 1024 * 1024;
/**
 * A sort that may spill cuts its runs at this fraction of the budget, the first one too: it holds a
 * quarter of the budget in packed chunks, not all of it (issue 15 item 6: a 2 GB sort's peak RSS came
 * at its first run's cut, ~100 MiB of chunks, once a first sort had left the C heap higher). The
 * runs' sorting and merging cost about the same in total: N·log(run) + N·log(runs). What a client
 * sees is unchanged: the sort counts as spilled (`usedDisk`, `Budget.spilled`) only once the bytes it
 * has read pass the budget, as when the first run was cut there; a sort within the budget that wrote
 * runs merges them like any other (a few MiB of disk traffic, `secantus.spill` counts them).
 */
const RUN_FRACTION = 1 / 4;
/** What the k-way merge's read buffers may take together (each run's at most 1 MiB, at least 64 KiB). */
const MERGE_BUFFERS_BYTES = 16 * 1024 * 1024;
/** Heap bytes one packed row costs besides its document's bytes and its key (handle, key slot, index). */
const PACKED_ROW_BYTES = 24;

/** One row in the k-way merge: its key, its document or bytes (a run's) or packed handle, its source. */
interface MergeRow {
  readonly k: unknown;
  readonly d: Document | undefined;
  /** A run's document as bytes (`SpillRun.readStored`): a view valid until its source is advanced. */
  readonly b: Uint8Array | undefined;
  readonly h: number;
  readonly src: number;
}

/**
 * Sorts `input` by `keys` (stable), passing `PAUSE` markers through while reading. `input` may hold
 * stored documents (`StoredDoc`, stored_doc.ts: a `$sort` stage's `storedInput`): their keys are
 * decoded from the bytes and the bytes packed as they are, no document object made. `storedOut`: the
 * output may hold stored documents too (`Stage.runStored`: packed rows and runs' documents as their
 * bytes, each valid until the next pull — nothing decoded but the keys). Holds at most the
 * budget in memory: a full buffer becomes a sorted run on disk, and the runs are merged at the end.
 *
 * The buffer is three parallel arrays (documents or packed handles, sort keys; the input order is
 * the position), sorted as an index permutation: a row costs the V8 heap a few slots, not objects.
 */
export function* externalSort(
  input: Iterable<Document>,
  keys: readonly SortKeyPart[],
  strCmp: StringComparator | undefined,
  budget: Budget,
  storedOut = false,
): Generator<Document> {
  // one sort key: the key itself; several: an array of them
  const only = keys.length === 1 ? keys[0]! : undefined;
  const keyOf = only
    ? (d: Document) => sortKeyOf(d, only.parts, only.direction, strCmp)
    : (d: Document) => keys.map((k) => sortKeyOf(d, k.parts, k.direction, strCmp));
  const cmpKey = only ? (x: unknown, y: unknown) => compareValues(x, y, strCmp) * only.direction : (
    x: unknown,
    y: unknown,
  ) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compareValues((x as unknown[])[j], (y as unknown[])[j], strCmp);
      if (c !== 0) return c * (keys[j] as SortKeyPart).direction;
    }
    return 0;
  };
  /** The top-level fields the keys read: a stored document decodes only those (none for `$meta` keys). */
  const keyFields = keys.every((k) => k.parts !== TEXT_SCORE_PARTS)
    ? new Set(keys.map((k) => k.parts[0]!))
    : undefined;
  const packed = new PackedDocs();
  let packing = false;
  let docs: Document[] = []; // decoded rows (until packing)
  let handles: number[] = []; // packed rows
  let rowKeys: unknown[] = [];
  const cmpRow = (a: number, b: number) => cmpKey(rowKeys[a], rowKeys[b]) || a - b;
  const docAt = (j: number): Document => packing ? packed.get(handles[j]!) : docs[j]!;
  /** A packed row as output: its bytes when the consumer takes them (`storedOut`), else decoded. */
  const packedOut = (h: number): Document => storedOut ? storedItem(packed.bytes(h)) : packed.get(h);
  const sortedRange = (from: number, to: number): number[] => {
    const idx: number[] = [];
    for (let j = from; j < to; j++) idx.push(j);
    return idx.sort(cmpRow);
  };
  let held = 0;
  const runs: SpillRun[] = [];
  /** Bytes past which the buffer becomes a run: the budget without a spill store (then 292). */
  const runLimit = budget.spill ? Math.max(1, Math.floor(budget.limit * RUN_FRACTION)) : budget.limit;
  /** Counted bytes already written as runs; past the budget with `held`, the sort has spilled. */
  let written = 0;
  let overBudget = false;
  let pausing = false; // the caller handles PAUSE markers (it sent some)
  const charge = (n: number) => {
    held += n;
    budget.meter(n);
  };
  try {
    /** From here on the buffer holds BSON: re-count what it holds as packed rows. */
    const startPacking = () => {
      packing = true;
      budget.meter(-held);
      held = 0;
      for (let j = 0; j < docs.length; j++) {
        const h = packed.add(docs[j]!);
        handles.push(h);
        charge(packed.bytes(h).length + PACKED_ROW_BYTES + approxValueSize(rowKeys[j]));
      }
      docs = [];
    };
    for (const item of input) {
      if (item === PAUSE) {
        pausing = true;
        yield item;
        continue;
      }
      // A stored document (`StoredDoc`): only its key's fields are decoded, its bytes copied as they are.
      const stored = keyFields && isStoredDoc(item) ? item : undefined;
      const k = stored ? keyOf(decodeFields(stored, keyFields!, true)) : keyOf(item);
      if (stored && !packing && budget.spill) startPacking();
      rowKeys.push(k);
      if (packing) {
        const h = stored ? packed.addBytes(stored) : packed.add(item);
        handles.push(h);
        charge(packed.bytes(h).length + PACKED_ROW_BYTES + approxValueSize(k));
      } else {
        const d = stored ? decodeDocumentCopy(stored) : item;
        docs.push(d);
        charge(approxValueSize(d));
        if (held > Math.min(PACK_AT, budget.limit / 4) && budget.spill) startPacking();
      }
      if (!overBudget && written > 0 && written + held > budget.limit) {
        overBudget = true;
        budget.spilled();
      }
      if (held > runLimit) {
        if (!budget.spill) throw sortMemoryError(budget.limit);
        const run = budget.spill.newRun();
        runs.push(run);
        for (const j of sortedRange(0, rowKeys.length)) {
          if (packing && run.appendBytes) run.appendBytes(packed.bytes(handles[j]!));
          else run.append(docAt(j));
        }
        run.finish?.();
        docs = [];
        handles = [];
        rowKeys = [];
        packed.clear(runLimit); // (chunks past what a run fills: none now that the first is no bigger)
        written += held;
        budget.meter(-held);
        held = 0;
      }
    }
    // The in-memory rest: one sort, or — when the caller handles pauses and the rest is big — chunks
    // sorted one at a time with a pause after each (one sort of 1M rows held the event loop ~1 s).
    const n = rowKeys.length;
    const chunks: number[][] = [];
    if (pausing && n > SORT_CHUNK) {
      for (let at = 0; at < n; at += SORT_CHUNK) {
        chunks.push(sortedRange(at, Math.min(n, at + SORT_CHUNK)));
        yield PAUSE;
      }
    } else {
      const all = sortedRange(0, n);
      if (runs.length === 0) {
        for (const j of all) yield packing ? packedOut(handles[j]!) : docs[j]!;
        return;
      }
      chunks.push(all);
    }
    const rest = (c: number[], src: number) =>
      mapIter(
        c,
        (j): MergeRow => ({
          k: rowKeys[j],
          d: packing ? undefined : docs[j],
          b: undefined,
          h: handles[j] ?? 0,
          src,
        }),
      );
    if (runs.length > 0 && held > Math.min(SPILL_REST_AT, budget.limit * RUN_FRACTION)) {
      // The merge reads the runs for as long as the client reads results: a big rest goes to disk
      // too (as mongod's sorter does) rather than holding the budget all that time.
      const run = budget.spill!.newRun();
      const rows = merge(chunks.map(rest), cmpKey, pausing);
      chunks.length = 0;
      for (let r = rows.next(); !r.done; r = rows.next()) {
        if (r.value === undefined) {
          yield PAUSE;
          continue;
        }
        if (packing && run.appendBytes) run.appendBytes(packed.bytes(r.value.h));
        else run.append(r.value.d ?? packed.get(r.value.h));
      }
      run.finish?.();
      runs.push(run);
      docs = [];
      handles = [];
      rowKeys = [];
      packed.release();
      budget.meter(-held);
      held = 0;
    }
    // k-way merge: the in-memory chunks come after the runs (input order), each in input order.
    const readBytes = runs.length > 0 ? MERGE_BUFFERS_BYTES / runs.length : 0;
    const sources: Iterator<MergeRow>[] = runs.map((r, src) =>
      storedOut && keyFields && r.readStored
        ? mapIter(r.readStored(readBytes), (b): MergeRow => ({
          k: keyOf(decodeFields(b, keyFields, true)),
          d: undefined,
          b,
          h: 0,
          src,
        }))
        : mapIter(r.read(readBytes), (d): MergeRow => ({ k: keyOf(d), d, b: undefined, h: 0, src }))
    );
    for (const c of chunks) sources.push(rest(c, sources.length));
    chunks.length = 0;
    for (const r of merge(sources, cmpKey, pausing)) {
      yield r === undefined ? PAUSE : r.b ? storedItem(r.b) : r.d ?? packedOut(r.h);
    }
  } finally {
    budget.meter(-held);
    packed.release();
    for (const r of runs) r.discard();
  }
}

/**
 * Merges sorted `sources` (numbered by their position: ties go to the lower one, input order) by
 * `cmpKey` of each row's key, offering a pause (undefined) every MERGE_PAUSE_EVERY rows when `pausing`.
 */
function* merge(
  sources: Iterator<MergeRow>[],
  cmpKey: (x: unknown, y: unknown) => number,
  pausing: boolean,
): Generator<MergeRow | undefined> {
  const cmp = (x: MergeRow, y: MergeRow) => cmpKey(x.k, y.k) || x.src - y.src;
  const heap: MergeRow[] = [];
  const push = (src: number) => {
    const next = sources[src]!.next();
    if (!next.done) heapPush(heap, next.value, cmp);
  };
  for (let s = 0; s < sources.length; s++) push(s);
  let out = 0;
  while (heap.length > 0) {
    const top = heapPop(heap, cmp);
    yield top;
    push(top.src);
    if (pausing && ++out % MERGE_PAUSE_EVERY === 0) yield undefined; // disk reads: let the caller check its deadline
  }
}

function* mapIter<T, U>(it: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}

function heapPush<R>(h: R[], x: R, cmp: (a: R, b: R) => number): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (cmp(h[p]!, h[i]!) <= 0) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}

function heapPop<R>(h: R[], cmp: (a: R, b: R) => number): R {
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
      readStored: function* () {
        const all = docs;
        docs = [];
        for (const d of all) yield serializeDocument(d);
      },
      discard: () => void (docs = []),
    };
  }
}
