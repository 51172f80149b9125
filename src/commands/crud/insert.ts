/**
 * insert: stores documents, generating `_id` (ObjectId, placed first) when missing. The whole batch
 * goes into one storage transaction; if that fails (a duplicate key, an oversized document) the batch
 * is retried one document per transaction so each failure gets its own writeErrors entry, stopping at
 * the first failure when `ordered` (the default). Into a time-series collection's buckets namespace
 * (a restore), the buckets' measurements are stored instead, a chunk at a time (insert_buckets.ts).
 */
import { addFigure } from "../write/write_figures.ts";
import { ObjectId } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName } from "../params/names.ts";
import { bool, doc, optional, type Parsed, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { ensureCollection, isOplog } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { WriteErrors } from "../write/write_result.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { LIMITS } from "../../limits.ts";
import { indexedTopFields, indexKeysOf } from "../../executor/index_keys.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import { type CollectionEntry, type IndexKeys, StorageError } from "../../storage/api.ts";
import { validateIdValue } from "../write/validate_doc.ts";
import { checkStoredDepth, serializeStorable } from "../shared/stored_depth.ts";
import { arrayDocuments, reencodesIdentically, sourceOf } from "../../bson/raw_source.ts";
import { rawDocumentsOf } from "../../bson/lazy_documents.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { valueByteLength } from "../../bson/value_length.ts";
import { BATCH_FIELDS, checkBatchSize, commitSync, statementList } from "../write/write_batch.ts";
import type { Reader } from "../params/schema.ts";
import { validateDocument, type ValidationOptions } from "../write/doc_validation.ts";
import { fillEmptyTimestamps, fillEmptyTimestampsInDoc, type Tick } from "../write/empty_timestamps.ts";
import { refuseCappedInTransaction } from "../write/capped_in_transaction.ts";
import { checkMeasurement, refuseTimeseriesInTransaction, timeseriesOf } from "../shared/timeseries.ts";
import { bucketsStored, bucketsTarget, nextBucketsChunk } from "./insert_buckets.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

interface Prepared {
  readonly doc: Doc;
  readonly bytes: Uint8Array;
  readonly keys: IndexKeys;
}

/**
 * Adds `_id` if missing, validates it, the size and the nesting depth, encodes the document and its index keys.
 * `source`: the bytes the request sent the document as (`src/bson/raw_source.ts`), stored as they are
 * (with the generated `_id` put first) when encoding the decoded document would give the same bytes.
 */
export function prepareInsert(
  coll: CollectionEntry,
  input: Doc,
  validation: ValidationOptions = {},
  source?: Uint8Array,
  fill?: Tick,
): Prepared {
  if (fill) {
    // top-level Timestamp(0, 0)s take new cluster times (write/empty_timestamps.ts); the sent bytes are then stale
    const filled = fillEmptyTimestampsInDoc(input, fill);
    if (filled !== input) [input, source] = [filled, undefined];
  }
  let doc = input;
  let sent: Uint8Array | undefined;
  if (!("_id" in doc) || doc["_id"] === undefined) {
    doc = { _id: new ObjectId(), ...input };
    if (source && !("_id" in input) && reencodesIdentically(source)) {
      sent = withIdFirst(source, doc["_id"] as ObjectId);
    }
  } else if (Object.keys(doc)[0] !== "_id") {
    // mongod stores _id as the first field whatever the client sent.
    const { _id, ...rest } = doc;
    doc = { _id, ...rest };
  } else if (source && reencodesIdentically(source)) {
    sent = source;
  }
  validateIdValue(doc["_id"]);
  const ts = timeseriesOf(coll);
  if (ts) {
    checkMeasurement(ts, doc);
    sent = undefined; // buckets are written from the decoded document
  }
  validateDocument(coll, doc, undefined, validation);
  let bytes: Uint8Array;
  if (sent) {
    checkStoredDepth(sent, "insert");
    bytes = sent;
  } else bytes = serializeStorable(doc, "insert");
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError(
      "BadValue", // (mongod's fixDocumentForInsert)
      `object to insert too large. size in bytes: ${bytes.length}, max size: ${LIMITS.maxBsonObjectSize}`,
    );
  }
  const keys = indexKeysOf(coll, doc, keyOpts);
  if (keys.refusal) throw keys.refusal; // (an index refuses the document: its error, as mongod)
  return { doc, bytes, keys };
}

/** What insert keeps of a document it prepared from the request's bytes: `doc` is decoded only if needed. */
interface PreparedAny {
  readonly doc: Doc | undefined;
  readonly bytes: Uint8Array;
  readonly keys: IndexKeys;
}

/** The document of a prepared insert (decoded from the bytes it stores when it was not decoded). */
function docOf(p: PreparedAny): Doc {
  return p.doc ?? decodeDocument(p.bytes);
}

/**
 * What a duplicate key error needs of a prepared insert that index `indexName` refused: the document,
 * or from its bytes only the top-level fields that index reads (decoded as its keys were made).
 */
function refusedDocOf(coll: CollectionEntry, indexName: string | undefined, p: PreparedAny): Doc {
  if (p.doc) return p.doc;
  const key = coll.indexes.find((i) => i.name === (indexName ?? "_id_"))?.spec["key"];
  if (key === null || typeof key !== "object") return decodeDocument(p.bytes);
  return decodeFields(p.bytes, new Set(Object.keys(key).map((f) => f.split(".")[0]!))) as Doc;
}

/**
 * `prepareInsert` of a document the request sent as `raw` — bytes the wire layer checked with
 * `validAndCanonical` (valid BSON, stored as sent) — reading only what insert needs from them: the
 * `_id` (generated and put first as `prepareInsert` does) and the top-level fields the indexes read.
 * A collection that needs the whole document (a validator, a time-series collection, a geo, text,
 * wildcard or partial index) decodes it and goes through `prepareInsert`: same checks, same bytes.
 */
export function prepareInsertRaw(
  coll: CollectionEntry,
  raw: Uint8Array,
  validation: ValidationOptions = {},
  fill?: Tick,
): PreparedAny {
  if (fill) raw = fillEmptyTimestamps(raw, fill);
  const fields = wholeDocumentNeeded(coll, validation) ? undefined : indexedTopFields(coll, keyOpts);
  if (fields === undefined) return prepareInsert(coll, decodeDocument(raw), validation, raw);
  // `_id` and the indexed fields (the keys are those of the whole document)
  const keyDoc = decodeFields(raw, fields);
  let bytes: Uint8Array;
  if (!("_id" in keyDoc)) {
    const oid = new ObjectId();
    keyDoc["_id"] = oid;
    bytes = withIdFirst(raw, oid);
  } else {
    validateIdValue(keyDoc["_id"]);
    bytes = isIdAt(raw, 4) ? raw : withIdElementFirst(raw);
  }
  checkStoredDepth(bytes, "insert");
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError(
      "BadValue", // (mongod's fixDocumentForInsert)
      `object to insert too large. size in bytes: ${bytes.length}, max size: ${LIMITS.maxBsonObjectSize}`,
    );
  }
  const keys = indexKeysOf(coll, keyDoc, keyOpts);
  if (keys.refusal) throw keys.refusal;
  return { doc: undefined, bytes, keys };
}

/** A validator or a time-series collection reads the whole document. */
function wholeDocumentNeeded(coll: CollectionEntry, validation: ValidationOptions): boolean {
  return (coll.options["validator"] !== undefined && !validation.bypass) || timeseriesOf(coll) !== undefined;
}

/** The element at `p` of `raw` is named `_id`. */
function isIdAt(raw: Uint8Array, p: number): boolean {
  return raw[p + 1] === 0x5f && raw[p + 2] === 0x69 && raw[p + 3] === 0x64 && raw[p + 4] === 0;
}

/** `raw` (valid, with an `_id`) with its `_id` element moved first (mongod stores `_id` first whatever the client sent). */
function withIdElementFirst(raw: Uint8Array): Uint8Array {
  let start = 4;
  let end = 4;
  const last = raw.length - 1;
  for (; start < last; start = end) {
    let n = start + 1;
    while (raw[n] !== 0) n++;
    end = n + 1 + valueByteLength(raw[start]!, raw, n + 1);
    if (isIdAt(raw, start)) break;
  }
  const out = new Uint8Array(raw.length);
  out.set(raw.subarray(0, 4), 0);
  out.set(raw.subarray(start, end), 4);
  out.set(raw.subarray(4, start), 4 + end - start);
  out.set(raw.subarray(end), end);
  return out;
}

/** `source` (a document without `_id`) with a first `_id: oid` element: what encoding `{_id: oid, ...doc}` gives. */
function withIdFirst(source: Uint8Array, oid: ObjectId): Uint8Array {
  const out = new Uint8Array(source.length + 17);
  new DataView(out.buffer).setInt32(0, out.length, true);
  out.set(ID_ELEMENT_HEAD, 4);
  out.set(oid.id, 9);
  out.set(source.subarray(4), 21);
  return out;
}

/** Type byte (ObjectId) and name of an `_id` element. */
const ID_ELEMENT_HEAD = new Uint8Array([0x07, 0x5f, 0x69, 0x64, 0x00]);

/**
 * `documents`: a list of documents; one the wire layer kept as bytes (src/bson/lazy_documents.ts) is
 * taken as it is, undecoded (its elements are documents: the wire layer checked them).
 */
const statements = statementList(doc);
const documentList: Reader<Doc[]> = (v, path) => {
  const raw = rawDocumentsOf(v);
  if (raw === undefined) return statements(v, path);
  checkBatchSize(raw.length);
  return v as Doc[];
};

const FIELDS = {
  documents: required(documentList),
  ...BATCH_FIELDS,
  bypassDocumentValidation: optional(bool),
  /** true: a top-level Timestamp(0, 0) is stored as sent, not as a new cluster time (SERVER-88750). */
  bypassEmptyTsReplacement: optional(bool),
} as const;

export type InsertParams = Parsed<typeof FIELDS> & {
  readonly collection: string;
  /** Per document, the bytes the request sent it as, when the wire layer kept them. */
  readonly sources?: readonly (Uint8Array | undefined)[];
  /**
   * The documents as the wire layer kept them, undecoded and valid (`documents` then decodes them all
   * when read: insert reads these instead).
   */
  readonly raw?: readonly Uint8Array[];
};

export function parseInsert(body: Doc): InsertParams {
  const parsed = parseShape("insert", body, FIELDS, { skip: "insert", alsoAccept: GENERIC_FIELDS });
  const raw = rawDocumentsOf(parsed.documents);
  if (raw !== undefined) return { ...parsed, collection: collectionName("insert", body), raw };
  return {
    ...parsed,
    collection: collectionName("insert", body),
    sources: sourcesOf(body, parsed.documents),
  };
}

/** The sent bytes of each document: its own (a document sequence) or its element of the body's array. */
function sourcesOf(body: Doc, docs: readonly Doc[]): (Uint8Array | undefined)[] {
  const inBody = sourceOf(body);
  const list = inBody ? arrayDocuments(inBody, "documents") : undefined;
  const fromBody = list !== undefined && list.length === docs.length ? list : undefined;
  return docs.map((d, i) => sourceOf(d) ?? fromBody?.[i]);
}

/** Prepares document `i` of a batch for its insert. */
type PrepareAt = (i: number, validation: ValidationOptions) => PreparedAny;

/** What one batch of documents did: stored count, failed documents, the last one tried. */
interface BatchResult {
  readonly n: number;
  readonly failed: number[];
  readonly lastTried: number;
}

async function run(ctx: RequestContext<InsertParams>): Promise<Doc> {
  const { ordered = true } = ctx.params;
  // a restore of a time-series collection's buckets stores the measurements they hold
  const buckets = bucketsTarget(ctx, ctx.params.collection);
  const name = buckets?.collection ?? ctx.params.collection;
  // waits while an open transaction is creating this namespace (as mongod waits on its lock); an
  // existing collection is found without an await
  const coll = existingCollection(ctx, name) ?? await retryOnConflict(ctx, () => ensureCollection(ctx, name));
  refuseCappedInTransaction(ctx, coll, "write");
  refuseTimeseriesInTransaction(ctx, coll, "insert");
  const errors = new WriteErrors();
  const log = (m: string) => ctx.log.error(m);
  if (!buckets) {
    const onError = (i: number, e: unknown) => errors.add(i, e, log);
    const { raw, sources } = ctx.params;
    // (the documents as bytes, never decoded here; else the decoded ones)
    const docs = raw === undefined ? ctx.params.documents : undefined;
    const count = raw?.length ?? docs!.length;
    const fill = emptyTimestampFill(ctx, ctx.params.bypassEmptyTsReplacement);
    const prepareAt = raw !== undefined
      ? (i: number, v: ValidationOptions) => prepareInsertRaw(coll, raw[i]!, v, fill)
      : (i: number, v: ValidationOptions) => prepareInsert(coll, docs![i]!, v, sources?.[i], fill);
    // transactions of up to CHUNK_DOCS documents, without an await; one document at a time from a
    // chunk that fails
    const b = insertBatch(ctx, coll, count, prepareAt, onError, true);
    const r = b instanceof Promise ? await b : b;
    ctx.counters.opcounters.insert += count;
    // later inserts of one document there may be made by the I/O thread (point_reads.ts)
    if (count === 1 && r.n === 1 && !ctx.transaction) {
      ctx.pointReads?.offerInsert(`${coll.db}.${coll.name}`, coll, ctx.client, raw?.[0] ?? docs?.[0]);
    }
    return errors.into({ n: r.n, ok: 1 });
  }
  const docs = ctx.params.documents;
  const stopAtFailure = ordered || ctx.transaction !== undefined;
  let n = 0;
  for (let start = 0; start < docs.length;) {
    if (start > 0 && ctx.control.dueNow()) await ctx.control.yieldNow();
    const chunk = nextBucketsChunk(docs, start, buckets.ts, stopAtFailure);
    for (const [i, e] of chunk.failures) errors.add(i, e, log);
    const ms = chunk.measurements;
    const prepareAt = (i: number, v: ValidationOptions) => prepareInsert(coll, ms[i]!, v);
    const r = await insertBatch(
      ctx,
      coll,
      ms.length,
      prepareAt,
      (i, e) => errors.add(chunk.index[chunk.origin[i]!]!, e, log),
      false,
    );
    ctx.counters.opcounters.insert += chunk.measurements.length;
    n += bucketsStored(chunk, r.n, new Set(r.failed.map((i) => chunk.origin[i]!)), r.lastTried);
    if (chunk.stop || (stopAtFailure && r.failed.length > 0)) break;
    start = chunk.next;
  }
  errors.list.sort((a, b) => (a["index"] as number) - (b["index"] as number));
  return errors.into({ n, ok: 1 });
}

/** The collection `name` when it exists and takes writes here (else `ensureCollection` decides). */
/** The cluster clock's tick for an insert's empty timestamps, or undefined when the command bypasses it. */
export function emptyTimestampFill(ctx: RequestContext, bypass: boolean | undefined): Tick | undefined {
  return bypass === true ? undefined : () => ctx.clusterClock.tick();
}

function existingCollection(ctx: RequestContext<InsertParams>, name: string): CollectionEntry | undefined {
  if (name.startsWith("system.") || isOplog(ctx.db, name)) return undefined;
  return ctx.storage.catalog.getCollection(ctx.db, name);
}

function validationOf(ctx: RequestContext<InsertParams>): ValidationOptions {
  return { bypass: ctx.params.bypassDocumentValidation, warn: (m: string) => ctx.log.warn(m) };
}

/**
 * Documents and stored bytes one storage transaction of a batch takes at most (mongod groups an
 * insert's documents the same way: `internalInsertMaxBatchSize` 64 and 256 KB per write unit).
 * WiredTiger builds a transaction's log record in a session scratch buffer that it grows by doubling,
 * starting again from a small buffer on each transaction (`__wt_scr_alloc` takes the smallest free
 * one); one transaction for 1,000 ~1 KB documents (~2.3 MB of log with the oplog entries) regrew a
 * 4 MB buffer on every commit and, over `session_scratch_max`, freed it again: realloc copies and
 * fresh pages were ~13 % of a bulk load's server CPU (perf, 2026-12-04, docs/performance.md).
 */
export const CHUNK_DOCS = 64;
export const CHUNK_BYTES = 256 * 1024;

/**
 * Inserts documents `0..count` in storage transactions of up to CHUNK_DOCS documents / CHUNK_BYTES
 * bytes, synchronously while every chunk succeeds; from a chunk that fails (a duplicate key, an
 * oversized or invalid document, a write conflict: nothing of that chunk was stored), one document
 * per transaction (`insertOneByOne`), so each failure gets its own writeErrors entry. Inside a
 * multi-document transaction it goes one by one from the start (a failed write leaves that
 * transaction failed, so each document must be attributed as it goes). `finalReply`: the batch is
 * the whole command, so the last chunk's transaction knows the reply (a retryable insert's record
 * then commits with it).
 */
function insertBatch(
  ctx: RequestContext<InsertParams>,
  coll: CollectionEntry,
  count: number,
  prepareAt: PrepareAt,
  onError: (i: number, e: unknown) => void,
  finalReply: boolean,
): BatchResult | Promise<BatchResult> {
  if (ctx.transaction) return insertOneByOne(ctx, coll, 0, count, prepareAt, onError);
  const validation = validationOf(ctx);
  const sync = commitSync(ctx);
  // (no yield between chunks: as when the batch was one transaction, a batch that succeeds is not
  // interrupted part-way by maxTimeMS or killOp)
  let start = 0;
  while (start < count) {
    const end = insertChunk(ctx, coll, start, count, prepareAt, validation, sync, finalReply);
    if (typeof end === "number") {
      start = end;
      continue;
    }
    const stored = start;
    if (end === undefined) {
      return insertOneByOne(ctx, coll, stored, count, prepareAt, onError)
        .then((r) => ({ n: stored + r.n, failed: r.failed, lastTried: r.lastTried }));
    }
    // a chunk of one document refused for a duplicate key: reported from this attempt, as
    // insertOneByOne would from a second one (which cost a third of such an insert's time)
    try {
      translateStorageError(end.duplicate, coll, refusedDocOf(coll, end.duplicate.indexName, end.prepared));
    } catch (e) {
      onError(stored, e);
    }
    const { ordered = true } = ctx.params;
    if (ordered || stored + 1 === count) return { n: stored, failed: [stored], lastTried: stored };
    return insertOneByOne(ctx, coll, stored + 1, count, prepareAt, onError)
      .then((r) => ({ n: stored + r.n, failed: [stored, ...r.failed], lastTried: r.lastTried }));
  }
  return { n: count, failed: [], lastTried: -1 };
}

/** A chunk of one document that a unique index refused (`insertChunk`). */
interface ChunkDuplicate {
  readonly duplicate: StorageError;
  readonly prepared: PreparedAny;
}

/**
 * Inserts the documents from `start` in one storage transaction, synchronously, up to CHUNK_DOCS
 * documents or CHUNK_BYTES bytes (at least one); the index after the last one stored, or undefined
 * when any of them fails (nothing of the chunk was stored) — a ChunkDuplicate when the chunk was one
 * document and a unique index refused it.
 */
function insertChunk(
  ctx: RequestContext<InsertParams>,
  coll: CollectionEntry,
  start: number,
  count: number,
  prepareAt: PrepareAt,
  validation: ValidationOptions,
  sync: boolean,
  finalReply: boolean,
): number | undefined | ChunkDuplicate {
  const prepared: PreparedAny[] = [];
  try {
    let bytes = 0;
    let end = start;
    while (end < count && prepared.length < CHUNK_DOCS && (bytes < CHUNK_BYTES || prepared.length === 0)) {
      const p = prepareAt(end++, validation);
      prepared.push(p);
      bytes += p.bytes.length;
    }
    let keys = 0;
    ctx.storage.write((txn) => {
      const before = txn.keysInserted;
      // (owned: the request's bytes or a fresh encoding, never changed; the oplog entry is written
      // from them when this commits, inside this call)
      for (const p of prepared) txn.insert(coll, p.bytes, p.keys, true);
      keys = txn.keysInserted - before;
      ctx.capped.enforce(txn, coll);
      // the reply below when this commits: a retryable insert's record commits with it
      if (finalReply && end === count) ctx.retryReply?.replyOnCommit({ n: count, ok: 1 });
    }, { sync });
    addFigure(ctx, "keysInserted", keys); // (the profiler's: index entries written)
    return end;
  } catch (e) {
    const only = prepared.length === 1 ? prepared[0] : undefined;
    if (only && e instanceof StorageError && e.code === "DuplicateKey") {
      return { duplicate: e, prepared: only };
    }
    return undefined;
  }
}

/**
 * Inserts documents `from..count` one per transaction, so each failure is reported (`onError`),
 * stopping at the first when ordered (or inside a multi-document transaction). `n` counts the
 * documents it stored.
 */
async function insertOneByOne(
  ctx: RequestContext<InsertParams>,
  coll: CollectionEntry,
  from: number,
  count: number,
  prepareAt: PrepareAt,
  onError: (i: number, e: unknown) => void,
): Promise<BatchResult> {
  const { ordered = true } = ctx.params;
  const sync = commitSync(ctx);
  const validation = validationOf(ctx);
  let n = 0;
  const failed: number[] = [];
  let lastTried = -1;
  for (let i = from; i < count; i++) {
    lastTried = i;
    try {
      const p = prepareAt(i, validation);
      let keys = 0;
      await retryOnConflict(ctx, () => {
        try {
          ctx.storage.write((txn) => {
            const before = txn.keysInserted;
            txn.insert(coll, p.bytes, p.keys, !ctx.transaction);
            keys = txn.keysInserted - before;
            ctx.capped.enforce(txn, coll);
          }, { sync });
        } catch (e) {
          translateStorageError(e, coll, docOf(p));
        }
      });
      n++;
      addFigure(ctx, "keysInserted", keys);
    } catch (e) {
      onError(i, e);
      failed.push(i);
      if (ordered || ctx.transaction) break;
    }
  }
  return { n, failed, lastTried };
}

export const insert = defineCommand<InsertParams>({
  name: "insert",
  help: "inserts documents: {insert: <coll>, documents: [...], ordered: true}",
  auth: "insert",
  parse: parseInsert,
  run,
});
