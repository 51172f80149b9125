/**
 * Executes one unified-test-format operation against its entity through the Node driver and returns
 * the result in the spec's shape (write results as plain documents, cursors drained to arrays, …).
 * Test-runner operations (`object: testRunner`) live in runner_ops.ts.
 */
import type {
  AnyBulkWriteOperation,
  Collection,
  Db,
  Document,
  GridFSBucket,
  ObjectId,
  SearchIndexDescription,
} from "mongodb";
import { type EntityMap, SkipTest, translateOptions } from "./entities.ts";
import { UNSUPPORTED_OPERATIONS } from "./skips.ts";
import { normalizeResult } from "./results.ts";
import { checkArguments } from "./arguments.ts";

export interface Operation {
  name: string;
  object: string;
  arguments?: Record<string, unknown>;
  expectResult?: unknown;
  expectError?: Record<string, unknown>;
  saveResultAsEntity?: string;
  ignoreResultAndError?: boolean;
}

type Args = Record<string, unknown>;
type Handler = (target: unknown, args: Args, entities: EntityMap) => Promise<unknown>;

function asColl(t: unknown): Collection {
  if (!t || typeof t !== "object" || !("collectionName" in t)) {
    throw new Error("operation target is not a collection");
  }
  return t as Collection;
}
function asDb(t: unknown): Db {
  if (!t || typeof t !== "object" || !("databaseName" in t) || "collectionName" in t) {
    throw new Error("operation target is not a database");
  }
  return t as Db;
}

/** Spec bulkWrite request → driver model (`{insertOne: {document}}` is already the driver's shape). */
function bulkModels(requests: unknown): AnyBulkWriteOperation[] {
  return (requests as Record<string, Record<string, unknown>>[]).map((r) => {
    const [name, body] = Object.entries(r)[0] ?? [];
    if (!name || !body) throw new Error("empty bulkWrite request");
    return { [name]: translateOptions(body) } as unknown as AnyBulkWriteOperation;
  });
}

/** Spec clientBulkWrite model → driver model (`{name, namespace, ...}`). */
function clientBulkModels(models: unknown): Document[] {
  return (models as Record<string, Record<string, unknown>>[]).map((r) => {
    const [name, body] = Object.entries(r)[0] ?? [];
    if (!name || !body) throw new Error("empty clientBulkWrite model");
    return { name, ...body };
  });
}

interface CommandCursor {
  toArray(): Promise<Document[]>;
  hasNext(): Promise<boolean>;
  setMaxTimeMS(ms: number): unknown;
  setComment(c: unknown): unknown;
  setBatchSize(n: number): unknown;
}

/** runCursorCommand / createCommandCursor: getMore options go through the cursor's setters. */
function commandCursor(t: unknown, args: Args): CommandCursor {
  const { command, commandName: _n, maxTimeMS, comment, batchSize, cursorType: _c, ...o } = args;
  const cursor = asDb(t).runCursorCommand(command as Document, o) as unknown as CommandCursor;
  if (typeof maxTimeMS === "number") cursor.setMaxTimeMS(maxTimeMS);
  if (comment !== undefined) cursor.setComment(comment);
  if (typeof batchSize === "number") cursor.setBatchSize(batchSize);
  return cursor;
}

const HANDLERS: Record<string, Handler> = {
  insertOne: (t, { document, ...o }) => asColl(t).insertOne(document as Document, o),
  insertMany: (t, { documents, ...o }) => asColl(t).insertMany(documents as Document[], o),
  find: (t, { filter, ...o }) => asColl(t).find(filter as Document, o).toArray(),
  findOne: (t, { filter, ...o }) => asColl(t).findOne(filter as Document, o),
  updateOne: (t, { filter, update, ...o }) => asColl(t).updateOne(filter as Document, update as Document, o),
  updateMany: (t, { filter, update, ...o }) =>
    asColl(t).updateMany(filter as Document, update as Document, o),
  replaceOne: (t, { filter, replacement, ...o }) =>
    asColl(t).replaceOne(filter as Document, replacement as Document, o),
  deleteOne: (t, { filter, ...o }) => asColl(t).deleteOne(filter as Document, o),
  deleteMany: (t, { filter, ...o }) => asColl(t).deleteMany(filter as Document, o),
  countDocuments: (t, { filter, ...o }) => asColl(t).countDocuments(filter as Document, o),
  estimatedDocumentCount: (t, o) => asColl(t).estimatedDocumentCount(o),
  count: (t, { filter, ...o }) => asColl(t).count(filter as Document, o),
  distinct: (t, { fieldName, filter, ...o }) => asColl(t).distinct(String(fieldName), filter as Document, o),
  aggregate: (t, { pipeline, ...o }) => {
    const target = t as Collection | Db;
    return target.aggregate(pipeline as Document[], o).toArray();
  },
  findOneAndUpdate: (t, { filter, update, ...o }) =>
    asColl(t).findOneAndUpdate(filter as Document, update as Document, o),
  findOneAndReplace: (t, { filter, replacement, ...o }) =>
    asColl(t).findOneAndReplace(filter as Document, replacement as Document, o),
  findOneAndDelete: (t, { filter, ...o }) => asColl(t).findOneAndDelete(filter as Document, o),
  bulkWrite: (t, { requests, ...o }) => asColl(t).bulkWrite(bulkModels(requests), o),
  createIndex: (t, { keys, ...o }) => asColl(t).createIndex(keys as Document, o),
  dropIndex: (t, { name, ...o }) => asColl(t).dropIndex(String(name), o),
  dropIndexes: (t, o) => asColl(t).dropIndexes(o),
  listIndexes: (t, o) => asColl(t).listIndexes(o).toArray(),
  // Atlas Search's index commands: the server answers them as mongod without a search host (31082)
  createSearchIndex: (t, { model }) => asColl(t).createSearchIndex(model as SearchIndexDescription),
  createSearchIndexes: (t, { models }) => asColl(t).createSearchIndexes(models as SearchIndexDescription[]),
  dropSearchIndex: (t, { name }) => asColl(t).dropSearchIndex(String(name)),
  updateSearchIndex: (t, { name, definition }) =>
    asColl(t).updateSearchIndex(String(name), definition as Document),
  listSearchIndexes: (t, { name, aggregationOptions }) =>
    (name === undefined
      ? asColl(t).listSearchIndexes(aggregationOptions as Document)
      : asColl(t).listSearchIndexes(String(name), aggregationOptions as Document)).toArray(),
  rename: (t, { to, ...o }) => asColl(t).rename(String(to), o),
  createFindCursor: async (t, { filter, ...o }) => {
    const cursor = asColl(t).find(filter as Document, o);
    await cursor.hasNext(); // executes the find without consuming a document
    return cursor;
  },
  createCollection: (t, { collection, ...o }) => asDb(t).createCollection(String(collection), o),
  dropCollection: (t, { collection, ...o }) => asDb(t).dropCollection(String(collection), o),
  listCollections: (t, { filter, ...o }) => asDb(t).listCollections(filter as Document, o).toArray(),
  listCollectionNames: async (t, { filter, ...o }) =>
    (await asDb(t).listCollections(filter as Document, { ...o, nameOnly: true }).toArray()).map((c) =>
      c.name
    ),
  modifyCollection: (t, { collection, ...o }) => asDb(t).command({ collMod: collection, ...o }),
  runCommand: (t, { command, commandName: _n, ...o }) => asDb(t).command(command as Document, o),
  runCursorCommand: (t, args) => commandCursor(t, args).toArray(),
  createCommandCursor: async (t, args) => {
    const cursor = commandCursor(t, args);
    await cursor.hasNext();
    return cursor;
  },
  listDatabases: async (t, o) => {
    const client = t as { db(): Db };
    const r = await client.db().admin().listDatabases(o);
    return r.databases;
  },
  listDatabaseNames: async (t, o) => {
    const client = t as { db(): Db };
    return (await client.db().admin().listDatabases({ ...o, nameOnly: true })).databases.map((d) => d.name);
  },
  clientBulkWrite: (t, { models, ...o }) => {
    const client = t as { bulkWrite(m: Document[], o: Document): Promise<unknown> };
    return client.bulkWrite(clientBulkModels(models), o);
  },
  createChangeStream: async (t, { pipeline, ...o }) => {
    const stream = (t as { watch(p: Document[], o: Document): { tryNext(): Promise<unknown> } }).watch(
      (pipeline ?? []) as Document[],
      o,
    );
    // Send the aggregate now (the driver defers it to the first next()), without waiting for an event.
    await (stream as unknown as { cursor?: { cursorInit?(): Promise<void> } }).cursor?.cursorInit?.();
    return stream;
  },
  // Cursor operations.
  iterateUntilDocumentOrError: (t) => (t as { next(): Promise<unknown> }).next(),
  iterateOnce: (t) => (t as { tryNext(): Promise<unknown> }).tryNext(),
  close: (t) => (t as { close(): Promise<void> }).close(),
  // Session operations.
  startTransaction: (t, o) => Promise.resolve((t as SessionLike).startTransaction(translateOptions(o))),
  commitTransaction: (t) => (t as SessionLike).commitTransaction(),
  abortTransaction: (t) => (t as SessionLike).abortTransaction(),
  endSession: (t) => (t as SessionLike).endSession(),
  getSnapshotTime: (t) => Promise.resolve((t as { snapshotTime?: unknown }).snapshotTime),
};

interface SessionLike {
  startTransaction(o: Document): void;
  commitTransaction(): Promise<unknown>;
  abortTransaction(): Promise<unknown>;
  endSession(): Promise<void>;
}

/** Names the runner can execute on entities (used for up-front skip decisions). */
export function knowsEntityOperation(name: string): boolean {
  return name in HANDLERS || name in BUCKET_HANDLERS || name === "withTransaction";
}

/** `{$$hexBytes: "11aa"}` (GridFS test arguments) → bytes; anything else unchanged. */
function hexArg(v: unknown): unknown {
  if (v && typeof v === "object" && typeof (v as Args)["$$hexBytes"] === "string") {
    const hex = (v as Args)["$$hexBytes"] as string;
    return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  }
  return v;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(new Uint8Array(c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** GridFS operations on a bucket entity (unified format's GridFS operations). */
const BUCKET_HANDLERS: Readonly<Record<string, Handler>> = {
  upload: (t, { filename, source, ...o }) =>
    new Promise((resolve, reject) => {
      const up = (t as GridFSBucket).openUploadStream(String(filename), o);
      up.on("error", reject).on("finish", () => resolve(up.id));
      up.end(hexArg(source) as Uint8Array);
    }),
  download: (t, { id, ...o }) => drain((t as GridFSBucket).openDownloadStream(id as ObjectId, o)),
  downloadByName: (t, { filename, ...o }) =>
    drain((t as GridFSBucket).openDownloadStreamByName(String(filename), o)),
  delete: (t, { id }) => (t as GridFSBucket).delete(id as ObjectId),
  rename: (t, { id, newFilename }) => (t as GridFSBucket).rename(id as ObjectId, String(newFilename)),
  drop: (t) => (t as GridFSBucket).drop(),
  find: (t, { filter, ...o }) => (t as GridFSBucket).find(filter as Document, o).toArray(),
};

/** Resolves an operation's target and arguments and runs it; returns the spec-shaped result. */
export async function runEntityOperation(
  op: Operation,
  entities: EntityMap,
  runNested: (op: Operation) => Promise<void>,
): Promise<unknown> {
  const unsupported = UNSUPPORTED_OPERATIONS[op.name];
  if (unsupported) throw new SkipTest(unsupported);
  const entity = entities.get(op.object);
  const target = entity.kind === "client"
    ? entity.client
    : entity.kind === "database"
    ? entity.db
    : entity.kind === "collection"
    ? entity.coll
    : entity.kind === "session"
    ? entity.session
    : entity.kind === "cursor"
    ? entity.cursor
    : entity.kind === "bucket"
    ? entity.bucket
    : entity.value;
  if (entity.kind === "collection") checkArguments(op.name, op.arguments ?? {});
  const args: Args = { ...(op.arguments ?? {}) };
  if (typeof args.session === "string") args.session = entities.session(args.session).session;
  const translated = translateOptions(args);
  if (op.name === "withTransaction") {
    const { callback, ...o } = translated;
    const session = target as { withTransaction(fn: () => Promise<void>, o: Document): Promise<unknown> };
    return await session.withTransaction(async () => {
      for (const nested of callback as Operation[]) await runNested(nested);
    }, o);
  }
  const handler = entity.kind === "bucket" ? BUCKET_HANDLERS[op.name] : HANDLERS[op.name];
  if (!handler) throw new Error(`unknown operation '${op.name}' (on ${entity.kind} '${op.object}')`);
  return normalizeResult(op.name, await handler(target, translated, entities));
}
