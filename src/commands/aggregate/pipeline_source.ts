/**
 * The aggregate command's two ends of a pipeline run, where cooperative yielding happens
 * (docs/concurrency.md):
 *
 * - `scanInput`: the collection scan feeding the pipeline, in slices of at most EXAMINE_PER_PULL
 *   examined documents (one storage read each), with a `PAUSE` marker whenever the running command's
 *   OpControl is due;
 * - `PipelineSource`: the cursor over the pipeline output. It pulls the sync generator chain and,
 *   on a `PAUSE`, awaits `ctl.yieldNow()` (deadline / kill checked, one macrotask for other clients),
 *   then pulls again: blocking stages such as `$group` resume mid-input. A pause is also where the
 *   `$function`/`$accumulator` calls a stage is waiting for run, awaited (engine/aggregate/js_defer.ts).
 *
 * The control changes per command (aggregate, then each getMore), so both ends share a `ControlSlot`
 * that `nextBatch` points at the current command's control.
 */
import { CommandError } from "../../errors/command_error.ts";
import { PAUSE } from "../../engine/mod.ts";
import { enterInterruptible, leaveInterruptible } from "../../observability/interrupt.ts";
import { PackedDocs } from "../../engine/aggregate/packed_docs.ts";
import { isStoredDoc, storedItem } from "../../engine/aggregate/stored_doc.ts";
import { freeNow } from "../../bson/owned_bytes.ts";
import { EXAMINE_PER_PULL, QuerySource } from "../../executor/query.ts";
import type { RandomSample } from "../../executor/random_sample.ts";
import type { BatchSource } from "../../cursors/registry.ts";
import type { Batch } from "../../executor/batch_source.ts";
import { OpControl } from "../../observability/op_control.ts";
import { BATCH_ELEMENT_OVERHEAD, LIMITS } from "../../limits.ts";
import type { Doc } from "../reply.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

/**
 * A batch's documents past this many bytes are encoded into 8 MiB chunks (one mapping each, freed
 * whole) instead of one ~1 KB allocation each: a 16 MiB batch of small documents left ~16,000
 * blocks in glibc's main arena until a GC, between WiredTiger's (issue 15 item 6).
 */
const PACK_BATCH_AT = 256 * 1024;

/** The OpControl of the command currently pulling a pipeline. */
export interface ControlSlot {
  current: OpControl;
}

export function controlSlot(ctl: OpControl): ControlSlot {
  return { current: ctl };
}

/** First scan chunk of each command (aggregate, then every getMore); doubles up to SCAN_CHUNK_MAX. */
export const SCAN_CHUNK_MIN = 16;
/** Largest scan chunk (decoded documents pulled per storage read). */
export const SCAN_CHUNK_MAX = 1000;
/**
 * Largest scan chunk while other requests wait or arrive (`OpControl.contended`): a storage read cannot
 * yield inside, and 1,000 documents took 0.7 ms typically but 10-20 ms at the 99th percentile on the
 * loaded 2-core machine (bench/head_of_line.ts HOL_A=groupjs), which another client's find waited out.
 */
export const SCAN_CHUNK_CONTENDED = 128;
/** Stored bytes per scan chunk (at least one document): 1,000 large documents must not be pinned. */
export const SCAN_CHUNK_MAX_BYTES = 1024 * 1024;

/**
 * The scan's documents (only `fields` decoded), with `PAUSE` markers when the slot's control is due.
 *
 * Pulled in chunks that start at SCAN_CHUNK_MIN documents for every command and double up to
 * SCAN_CHUNK_MAX, and hold at most SCAN_CHUNK_MAX_BYTES of stored documents (or one larger one): a
 * cursor that goes idle after a batch pins only the unconsumed rest of its last chunk (a few dozen
 * documents after a 101-document first batch) instead of up to a whole 1,000-document chunk — about
 * 1 MB of decoded 1 KB documents, or 1 GB of 1 MB documents, per idle cursor before (issue 11). While
 * other requests wait, a chunk is at most SCAN_CHUNK_CONTENDED documents, so the scan reaches its next
 * yield point soon (issue 18 target 5).
 */
export function* scanInput(
  source: QuerySource,
  slot: ControlSlot,
  fields?: ReadonlySet<string> | null,
): Generator<Doc> {
  let ctl = slot.current;
  let chunk = SCAN_CHUNK_MIN;
  for (;;) {
    if (slot.current !== ctl) {
      ctl = slot.current; // a new command pulls: start small again
      chunk = SCAN_CHUNK_MIN;
    }
    const n = ctl.contended() ? Math.min(chunk, SCAN_CHUNK_CONTENDED) : chunk;
    let { docs, done } = source.nextDocs(n, fields, EXAMINE_PER_PULL, SCAN_CHUNK_MAX_BYTES);
    chunk = Math.min(SCAN_CHUNK_MAX, chunk * 2);
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i]!;
      if (i === docs.length - 1) docs = []; // release the chunk before the consumer may go idle
      yield d;
      if (slot.current.due()) yield PAUSE;
    }
    if (done) return;
    if (slot.current.dueNow()) yield PAUSE;
  }
}

/** First chunk of a random sample's picks (`sampleInput`): a first batch of 101 in one storage read. */
export const SAMPLE_CHUNK_MIN = 128;

/**
 * A leading `$sample`'s documents picked at random (executor/random_sample.ts; only `fields` decoded,
 * or none with `fields` "stored": each its stored bytes, `StoredDoc`, for a consumer that copies them),
 * with `PAUSE` markers when the slot's control is due: chunks as `scanInput`'s (from SAMPLE_CHUNK_MIN
 * picks, doubling to SCAN_CHUNK_MAX, at most SCAN_CHUNK_MAX_BYTES of the picks' average size, fewer
 * while others wait), each one storage read.
 */
export function* sampleInput(
  sample: RandomSample,
  slot: ControlSlot,
  fields?: ReadonlySet<string> | null | "stored",
): Generator<Doc> {
  let ctl = slot.current;
  let chunk = SAMPLE_CHUNK_MIN;
  while (!sample.done) {
    if (slot.current !== ctl) {
      ctl = slot.current;
      chunk = SAMPLE_CHUNK_MIN;
    }
    const bySize = Math.max(1, Math.floor(SCAN_CHUNK_MAX_BYTES / Math.max(1, sample.averageSize)));
    const n = Math.min(ctl.contended() ? Math.min(chunk, SCAN_CHUNK_CONTENDED) : chunk, bySize);
    let docs = fields === "stored" ? sample.next(n).map(storedItem) : sample.nextDocs(n, fields);
    chunk = Math.min(SCAN_CHUNK_MAX, chunk * 2);
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i]!;
      if (i === docs.length - 1) docs = []; // release the chunk before the consumer may go idle
      yield d;
      if (slot.current.due()) yield PAUSE;
    }
    if (slot.current.dueNow()) yield PAUSE;
  }
}

/** The staging buffer of `scanStored` at first (a scan chunk's stored bytes; grown for a bigger one). */
const STORED_BUF_BYTES = SCAN_CHUNK_MAX_BYTES + 64 * 1024;

/**
 * `scanInput` for a pipeline whose first stage takes stored documents (`Pipeline.storedInput`): each
 * document is its stored bytes (`StoredDoc`), copied with the rest of its chunk into one staging
 * buffer that the next chunk reuses — the stage copies what it keeps before pulling again. Chunks and
 * pauses as `scanInput`; the buffer is freed when the scan ends or is closed.
 */
export function* scanStored(source: QuerySource, slot: ControlSlot): Generator<Doc> {
  let ctl = slot.current;
  let chunk = SCAN_CHUNK_MIN;
  let buf = new Uint8Array(STORED_BUF_BYTES);
  const copy = (bytes: Uint8Array, at: number) => {
    if (at + bytes.length > buf.length) {
      const bigger = new Uint8Array(Math.max(buf.length * 2, at + bytes.length));
      bigger.set(buf.subarray(0, at));
      freeNow(buf);
      buf = bigger;
    }
    buf.set(bytes, at);
  };
  try {
    for (;;) {
      if (slot.current !== ctl) {
        ctl = slot.current;
        chunk = SCAN_CHUNK_MIN;
      }
      const n = ctl.contended() ? Math.min(chunk, SCAN_CHUNK_CONTENDED) : chunk;
      const { sizes, done } = source.nextStored(n, copy, EXAMINE_PER_PULL, SCAN_CHUNK_MAX_BYTES);
      chunk = Math.min(SCAN_CHUNK_MAX, chunk * 2);
      let at = 0;
      for (const size of sizes) {
        yield storedItem(buf.subarray(at, at += size));
        if (slot.current.due()) yield PAUSE;
      }
      if (done) return;
      if (slot.current.dueNow()) yield PAUSE;
    }
  } finally {
    freeNow(buf);
  }
}

/** Serialises pipeline output lazily into cursor batches, yielding at `PAUSE` markers. */
export class PipelineSource implements BatchSource {
  #iter: Iterator<Doc>;
  #done = false;
  /** A serialised document that did not fit in the last batch: it opens the next one. */
  #held: Uint8Array | undefined;
  /** What the pipeline's collection read examined so far (set by aggregate when it reads one). */
  stats?: { readonly keysExamined: number; readonly docsExamined: number };
  constructor(
    output: Iterable<Doc>,
    private readonly onClose: () => void,
    private readonly slot: ControlSlot = controlSlot(new OpControl()),
    /** Runs the server-side JavaScript calls the stages wait for at a pause (engine js_defer.ts). */
    private readonly settleJs?: () => Promise<void>,
  ) {
    this.#iter = output[Symbol.iterator]();
  }
  async nextBatch(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl,
  ): Promise<Batch> {
    ctl.memoryMeter ??= this.slot.current.memoryMeter; // a getMore continues the same stages
    this.slot.current = ctl;
    const docs: Uint8Array[] = [];
    let bytes = 0;
    /** Past PACK_BATCH_AT bytes, the batch's documents are encoded into a few 8 MiB chunks. */
    let packed: PackedDocs | undefined;
    if (this.#held) {
      docs.push(this.#held);
      bytes += this.#held.length + BATCH_ELEMENT_OVERHEAD;
      this.#held = undefined;
    }
    while (!this.#done && docs.length < maxDocs && bytes < maxBytes) {
      // (a long loop inside one expression checks ctl: observability/interrupt.ts)
      const prev = enterInterruptible(ctl);
      let r: IteratorResult<Doc>;
      try {
        r = this.#iter.next();
      } finally {
        leaveInterruptible(prev);
      }
      if (r.done) {
        this.#done = true;
        break;
      }
      if (r.value === PAUSE) {
        await ctl.yieldNow();
        if (this.settleJs) await this.settleJs();
        continue;
      }
      // (a stored document — `Pipeline.run`'s `storedOutput` — is a view valid until the next pull)
      const v = r.value;
      let b: Uint8Array;
      try {
        if (bytes < PACK_BATCH_AT) b = isStoredDoc(v) ? v.slice() : serializeDocument(v);
        else b = (packed ??= new PackedDocs()).bytes(isStoredDoc(v) ? packed.addBytes(v) : packed.add(v));
      } catch (e) {
        // npm bson's encoder runs out of its buffer (~17 MiB) before our size check can see the document
        if (!(e instanceof RangeError)) throw e;
        throw new CommandError(
          "BSONObjectTooLarge",
          "BSONObj size is invalid. Size must be between 0 and 16793600(16MB)",
        );
      }
      if (b.length > LIMITS.maxBsonObjectSize) {
        throw new CommandError(
          "BSONObjectTooLarge",
          `BSONObj size: ${b.length} is invalid. Size must be between 0 and 16793600(16MB)`,
        );
      }
      // a batch never passes maxBytes (mongod's 16 MiB): the document that would opens the next one
      if (docs.length > 0 && bytes + b.length + BATCH_ELEMENT_OVERHEAD > maxBytes) {
        this.#held = packed ? b.slice() : b; // (a view would keep its chunk to the next batch)
        break;
      }
      docs.push(b);
      bytes += b.length + BATCH_ELEMENT_OVERHEAD;
    }
    const done = this.#done && this.#held === undefined;
    // the chunks go back to the system once the reply has copied the batch (not at a later GC)
    return packed ? { docs, done, release: () => packed.release() } : { docs, done };
  }
  close(): void {
    this.#done = true;
    this.#iter.return?.();
    this.onClose();
  }
}
