/**
 * insert: stores documents, generating `_id` (ObjectId, placed first) when missing. The whole batch
 * goes into one storage transaction; if that fails (a duplicate key, an oversized document) the batch
 * is retried one document per transaction so each failure gets its own writeErrors entry, stopping at
 * the first failure when `ordered` (the default). Into a time-series collection's buckets namespace
 * (a restore), the buckets' measurements are stored instead, a chunk at a time (insert_buckets.ts).
 */
import { ObjectId } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName } from "../params/names.ts";
import { bool, doc, optional, type Parsed, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { BATCH_FIELDS, commitSync, statementList } from "../write/write_batch.ts";
import { ensureCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { WriteErrors } from "../write/write_result.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { LIMITS } from "../../limits.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import type { CollectionEntry, IndexKeys } from "../../storage/api.ts";
import { validateIdValue } from "../write/validate_doc.ts";
import { checkStoredDepth, serializeStorable } from "../shared/stored_depth.ts";
import { arrayDocuments, reencodesIdentically, sourceOf } from "../../bson/raw_source.ts";
import { validateDocument, type ValidationOptions } from "../write/doc_validation.ts";
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
): Prepared {
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
      "BSONObjectTooLarge",
      `object to insert too large. size in bytes: ${bytes.length}, max size: ${LIMITS.maxBsonObjectSize}`,
    );
  }
  const keys = indexKeysOf(coll, doc, keyOpts);
  if (keys.refusal) throw keys.refusal; // (an index refuses the document: its error, as mongod)
  return { doc, bytes, keys };
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

const FIELDS = {
  documents: required(statementList(doc)),
  ...BATCH_FIELDS,
  bypassDocumentValidation: optional(bool),
} as const;

export type InsertParams = Parsed<typeof FIELDS> & {
  readonly collection: string;
  /** Per document, the bytes the request sent it as, when the wire layer kept them. */
  readonly sources?: readonly (Uint8Array | undefined)[];
};

export function parseInsert(body: Doc): InsertParams {
  const parsed = parseShape("insert", body, FIELDS, { skip: "insert", alsoAccept: GENERIC_FIELDS });
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
  const docs = ctx.params.documents;
  if (!buckets) {
    const onError = (i: number, e: unknown) => errors.add(i, e, log);
    const sources = ctx.params.sources;
    // the whole batch in one transaction, without an await; one document at a time when that fails
    const r = insertWhole(ctx, coll, docs, sources, true) ??
      await insertOneByOne(ctx, coll, docs, sources, onError);
    ctx.counters.opcounters.insert += docs.length;
    return errors.into({ n: r.n, ok: 1 });
  }
  const stopAtFailure = ordered || ctx.transaction !== undefined;
  let n = 0;
  for (let start = 0; start < docs.length;) {
    if (start > 0 && ctx.control.dueNow()) await ctx.control.yieldNow();
    const chunk = nextBucketsChunk(docs, start, buckets.ts, stopAtFailure);
    for (const [i, e] of chunk.failures) errors.add(i, e, log);
    const r = insertWhole(ctx, coll, chunk.measurements, undefined, false) ??
      await insertOneByOne(
        ctx,
        coll,
        chunk.measurements,
        undefined,
        (i, e) => errors.add(chunk.index[chunk.origin[i]!]!, e, log),
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
function existingCollection(ctx: RequestContext<InsertParams>, name: string): CollectionEntry | undefined {
  if (ctx.db === "local" && name === "oplog.rs") return undefined;
  return ctx.storage.catalog.getCollection(ctx.db, name);
}

function validationOf(ctx: RequestContext<InsertParams>): ValidationOptions {
  return { bypass: ctx.params.bypassDocumentValidation, warn: (m: string) => ctx.log.warn(m) };
}

/**
 * Inserts `docs` in one storage transaction, synchronously; undefined when any of them fails (a
 * duplicate key, an oversized or invalid document, a write conflict: nothing was stored) or inside a
 * multi-document transaction (a failed write leaves that transaction failed, so each document must be
 * attributed as it goes): `insertOneByOne` then. `finalReply`: the batch is the whole command, so a
 * successful batch's reply is known inside its transaction (a retryable insert's record then commits
 * with it).
 */
function insertWhole(
  ctx: RequestContext<InsertParams>,
  coll: CollectionEntry,
  docs: readonly Doc[],
  sources: readonly (Uint8Array | undefined)[] | undefined,
  finalReply: boolean,
): BatchResult | undefined {
  if (docs.length === 0) return { n: 0, failed: [], lastTried: -1 };
  if (ctx.transaction) return undefined;
  try {
    const validation = validationOf(ctx);
    const prepared = docs.map((d, i) => prepareInsert(coll, d, validation, sources?.[i]));
    ctx.storage.write((txn) => {
      // (owned: the request's bytes or a fresh encoding, never changed; the oplog entry is written
      // from them when this commits, inside this call)
      for (const p of prepared) txn.insert(coll, p.bytes, p.keys, true);
      ctx.capped.enforce(txn, coll);
      // the reply below when this commits: a retryable insert's record commits with it
      if (finalReply) ctx.retryReply?.replyOnCommit({ n: prepared.length, ok: 1 });
    }, { sync: commitSync(ctx) });
    return { n: prepared.length, failed: [], lastTried: -1 };
  } catch {
    return undefined;
  }
}

/**
 * Inserts `docs` one document per transaction, so each failure is reported (`onError`), stopping at
 * the first when ordered (or inside a multi-document transaction).
 */
async function insertOneByOne(
  ctx: RequestContext<InsertParams>,
  coll: CollectionEntry,
  docs: readonly Doc[],
  sources: readonly (Uint8Array | undefined)[] | undefined,
  onError: (i: number, e: unknown) => void,
): Promise<BatchResult> {
  const { ordered = true } = ctx.params;
  const sync = commitSync(ctx);
  const validation = validationOf(ctx);
  let n = 0;
  const failed: number[] = [];
  let lastTried = -1;
  for (let i = 0; i < docs.length; i++) {
    lastTried = i;
    try {
      const p = prepareInsert(coll, docs[i]!, validation, sources?.[i]);
      await retryOnConflict(ctx, () => {
        try {
          ctx.storage.write((txn) => {
            txn.insert(coll, p.bytes, p.keys, !ctx.transaction);
            ctx.capped.enforce(txn, coll);
          }, { sync });
        } catch (e) {
          translateStorageError(e, coll, p.doc);
        }
      });
      n++;
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
