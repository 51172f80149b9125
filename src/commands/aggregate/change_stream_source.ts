/**
 * The cursor of a change stream: reads the oplog after its position (never a full scan: the table
 * is keyed by time), turns entries into events (`src/changestreams/`), fills in full documents and
 * pre-images from storage, runs the stages that followed `$changeStream`, and answers every batch
 * with a `postBatchResumeToken` — the last event's token, or a high-water mark at the newest entry
 * read when nothing matched. An awaitData getMore with nothing new waits for the next commit up to
 * its maxTimeMS. After an invalidate event the cursor ends.
 */
import { Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { MAX_COMMAND_BODY_SIZE } from "../../limits.ts";
import {
  comparePoints,
  encodeToken,
  endsTransactionChain,
  eventSize,
  eventsOf,
  MAX_CHANGE_EVENT_SIZE,
  type ResumePoint,
  type Scope,
  splitEvent,
  type StreamEvent,
} from "../../changestreams/mod.ts";
import { applyDiff, keyTs, type Oplog } from "../../oplog/mod.ts";
import type { Batch, BatchOptions, BatchSource } from "../../executor/batch_source.ts";
import type { OpControl } from "../../observability/op_control.ts";
import type { ChangeStreamSpec } from "./change_stream.ts";
import type { Doc } from "../reply.ts";
import { RESUMABLE_CHANGE_STREAM_CODES } from "../../errors/retryable_codes.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

/** Entries read per oplog scan. */
const READ_CHUNK = 500;

export interface StreamStorage {
  /** The current version of a document (updateLookup), or null. */
  lookup(db: string, coll: string, id: unknown): Doc | null;
}

/** Where a stream starts: after a point (resume token), or at a time (inclusive). */
export type StreamStart =
  | { readonly kind: "after"; readonly point: ResumePoint }
  | { readonly kind: "at"; readonly ts: Timestamp };

export class ChangeStreamSource implements BatchSource {
  readonly awaitData = true;
  readonly readsOplog = true;
  /** The oplog key read through (exclusive start of the next read). */
  #after: Uint8Array | undefined;
  #from: Timestamp | undefined;
  /** Events at or before this point were already delivered (resume). */
  #skip: ResumePoint | undefined;
  /** Resume position for the next postBatchResumeToken. */
  #position: ResumePoint;
  #queue: { doc: Doc; point: ResumePoint }[] = [];
  #invalidated = false;
  #closed = false;
  readonly #abort = new AbortController();

  constructor(
    private readonly oplog: Oplog,
    private readonly storage: StreamStorage,
    private readonly scope: Scope,
    private readonly spec: ChangeStreamSpec,
    private readonly stages: { run(input: Doc[]): Iterable<Doc> } | undefined,
    start: StreamStart,
    /** The pipeline ends with $changeStreamSplitLargeEvent. */
    private readonly split = false,
  ) {
    if (start.kind === "at") {
      this.#from = start.ts;
      // A high-water mark just before `ts`: resuming from it replays `ts` itself.
      const t = start.ts;
      const before = t.low !== 0
        ? new Timestamp({ t: t.high >>> 0, i: (t.low >>> 0) - 1 })
        : new Timestamp({ t: Math.max(0, (t.high >>> 0) - 1), i: 0xffffffff });
      this.#position = { ts: before, opIndex: 0, invalidate: false, highWater: true };
    } else {
      this.#from = start.point.ts;
      this.#skip = start.point;
      this.#position = start.point;
    }
  }

  /** The first batch's resume token before anything is read. */
  get resumeToken(): Doc {
    return encodeToken(this.#position);
  }

  async nextBatch(maxDocs: number, maxBytes: number, ctl: OpControl, opts?: BatchOptions): Promise<Batch> {
    const deadline = Date.now() + (opts?.awaitMs ?? 0);
    for (;;) {
      this.#fill(maxDocs);
      if (this.#queue.length > 0 || this.#invalidated || this.#closed) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.oplog.waitForWrite(left, AbortSignal.any([this.#abort.signal, ctl.signal])); // (killOp, hang-up)
      ctl.check();
    }
    const docs: Uint8Array[] = [];
    let bytes = 0;
    let head = 0;
    while (head < this.#queue.length && docs.length < maxDocs && bytes < maxBytes) {
      const { doc, point } = this.#queue[head]!;
      const size = eventSize(doc);
      // a batch stays within the reply limit: a large event (or fragment) goes alone or first
      if (docs.length > 0 && bytes + size > maxBytes) break;
      head++;
      if (size > MAX_COMMAND_BODY_SIZE) {
        throw new CommandError(
          "BSONObjectTooLarge",
          `BSONObj size: ${size} is invalid. Size must be between 0 and 16793600(16MB)`,
        );
      }
      const b = serializeDocument(doc);
      docs.push(b);
      bytes += b.length;
      this.#position = point;
    }
    this.#queue = head === this.#queue.length ? [] : this.#queue.slice(head);
    const done = this.#invalidated && this.#queue.length === 0;
    return { docs, done, cursorFields: { postBatchResumeToken: encodeToken(this.#position) } };
  }

  /** Reads new oplog entries until at least one event is queued or the oplog is drained. */
  #fill(want: number): void {
    while (!this.#invalidated && this.#queue.length < want) {
      const rows = this.oplog.read(
        this.#after ? { after: this.#after } : this.#from ? { from: this.#from } : {},
        READ_CHUNK,
      );
      if (rows.length === 0) return;
      for (const row of rows) {
        this.#after = row.key;
        const read = decodeDocument(row.bytes);
        const entry = endsTransactionChain(read) ? this.#wholeTransaction(read) : read;
        for (
          const ev of eventsOf(entry, this.scope, {
            showExpandedEvents: this.spec.showExpandedEvents === true,
            showSystemEvents: this.spec.showSystemEvents === true,
          })
        ) {
          if (this.#skip && !after(ev.point, this.#skip)) {
            // resuming from a fragment: the rest of that event's fragments are still due
            const f = this.#skip.fragment;
            if (f !== undefined && comparePoints(ev.point, this.#skip) === 0) this.#emit(ev, f + 1);
            continue;
          }
          this.#emit(ev);
          if (ev.invalidate) {
            this.#invalidated = true;
            return;
          }
        }
        if (this.#queue.length === 0) {
          // Nothing to deliver yet: the resume point moves past this entry.
          const ts = keyTs(row.key);
          if (comparePoints({ ts, opIndex: Infinity }, this.#position) > 0) {
            this.#position = { ts, opIndex: 0, invalidate: false, highWater: true };
          }
        }
      }
      this.#skip = undefined;
    }
  }

  /**
   * The last entry of a transaction logged as a chain, with the ops of the earlier entries (followed
   * back through prevOpTime) before its own: one applyOps, so events are numbered across the whole
   * transaction and carry the commit's time, as the pre-images are keyed.
   */
  #wholeTransaction(last: Doc): Doc {
    const parts: Doc[][] = [];
    let entry: Doc | undefined = last;
    for (let n = 0; entry && n < 1_000_000; n++) {
      parts.unshift((entry["o"] as Doc)["applyOps"] as Doc[]);
      const prev = entry["prevOpTime"] as Doc | undefined;
      const ts = prev?.["ts"];
      if (!(ts instanceof Timestamp) || ts.isZero()) break;
      const row = this.oplog.read({ from: ts }, 1)[0];
      if (!row || keyTs(row.key).compare(ts) !== 0) {
        throw new CommandError(
          "ChangeStreamHistoryLost",
          "Resume of change stream was not possible, as the resume point may no longer be in the oplog.",
        );
      }
      entry = decodeDocument(row.bytes);
    }
    return { ...last, o: { applyOps: parts.flat() } };
  }

  /** Queues an event's outputs; `skipFragments` > 0 when resuming inside a split event. */
  #emit(ev: StreamEvent, skipFragments = 0): void {
    const event = this.#complete(ev);
    const outputs = this.stages ? [...this.stages.run([event])] : [event];
    if (skipFragments > 0 && !(this.split && outputs.some((o) => eventSize(o) > MAX_CHANGE_EVENT_SIZE))) {
      throw new CommandError(
        "ChangeStreamFatalError",
        this.split
          ? "Attempted to resume from a split event fragment, but the event in the resumed stream was not large enough to be split"
          : "cannot resume stream; the resume token was not found (it names a fragment of a split event: the pipeline must end with $changeStreamSplitLargeEvent)",
      );
    }
    for (const out of outputs) {
      if (!valuesEqual(out["_id"], event["_id"])) {
        throw new CommandError(
          "ChangeStreamFatalError",
          "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. " +
            "Modifying the _id field of an event makes it impossible to resume the stream from that point. Only " +
            "transformations that retain the unmodified _id field are allowed.",
        );
      }
      if (this.split && eventSize(out) > MAX_CHANGE_EVENT_SIZE) {
        const point = (fragment: number): ResumePoint => ({ ...ev.point, fragment });
        splitEvent(out, (i) => encodeToken(point(i)), skipFragments).forEach((doc, i) => {
          this.#queue.push({ doc, point: point(skipFragments + i) });
        });
        continue;
      }
      this.#queue.push({ doc: out, point: ev.point });
    }
    if (outputs.length === 0) this.#position = ev.point;
  }

  /** Full documents and pre-images the spec asks for. */
  #complete(ev: StreamEvent): Doc {
    const l = ev.lookup;
    const type = ev.event["operationType"];
    if (!l || (type !== "update" && type !== "replace" && type !== "delete")) return ev.event;
    const event: Doc = { ...ev.event };
    const mode = this.spec.fullDocument ?? "default";
    const beforeMode = this.spec.fullDocumentBeforeChange ?? "off";
    let pre: Doc | null | undefined;
    const preImage = () => {
      if (pre !== undefined) return pre;
      const bytes = this.oplog.preImage(ev.point.ts, ev.point.opIndex);
      return pre = bytes ? decodeDocument(bytes) : null;
    };
    if (type === "update" && mode !== "default") {
      let full: Doc | null;
      if (mode === "updateLookup") full = this.storage.lookup(l.db, l.coll, l.id);
      else {
        const p = preImage();
        full = p && l.diff ? applyDiff(p, l.diff) : null;
        if (full === null && mode === "required") throw missingImage("post", ev);
      }
      // mongod puts fullDocument right after the event's header fields.
      event["fullDocument"] = full;
    }
    if (beforeMode !== "off") {
      const p = preImage();
      if (p === null && beforeMode === "required") throw missingImage("pre", ev);
      event["fullDocumentBeforeChange"] = p;
    }
    return event;
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
  }
}

function after(p: ResumePoint, skip: ResumePoint): boolean {
  if (skip.highWater || skip.invalidate) return p.ts.compare(skip.ts) > 0;
  const c = comparePoints(p, skip);
  return c > 0 || (c === 0 && p.invalidate && !skip.invalidate);
}

function missingImage(which: "pre" | "post", ev: StreamEvent): CommandError {
  return new CommandError(
    "NoMatchingDocument",
    `Change stream was configured to require a ${which}-image for all update, delete and replace events, but the ${which}-image was not found for event: ${
      JSON.stringify(ev.event["_id"])
    }`,
  );
}

/**
 * The error labels mongod adds to a change stream's failed aggregate/getMore: resumable errors get
 * ResumableChangeStreamError (drivers resume), a broken stream NonResumableChangeStreamError.
 */
export function labelStreamError(e: unknown): unknown {
  if (!(e instanceof CommandError)) return e;
  const label = RESUMABLE_CHANGE_STREAM_CODES.has(e.code)
    ? "ResumableChangeStreamError"
    : e.codeName === "ChangeStreamFatalError"
    ? "NonResumableChangeStreamError"
    : undefined;
  if (!label) return e;
  const labels = Array.isArray(e.extra["errorLabels"]) ? e.extra["errorLabels"] as string[] : [];
  if (labels.includes(label)) return e;
  const out = new CommandError(e.code, e.message, { ...e.extra, errorLabels: [...labels, label] });
  return out;
}
