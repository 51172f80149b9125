/**
 * The dashboard's one path to the database: the Node driver (npm:mongodb), so it works against any
 * MongoDB-wire server (ours with SCRAM and TLS through the URI's options, or mongod). Values cross to the
 * browser as relaxed Extended JSON and come back as Extended JSON (canonical or relaxed).
 */
import { BSON, type Document, Long, MongoClient, MongoServerError } from "mongodb";

export const { EJSON } = BSON;

/** A command failure as the browser sees it. */
export interface CommandFailure {
  code?: number;
  codeName?: string;
  message: string;
}

/** Code names that mean "this server does not have that" rather than "you got it wrong". */
const ABSENT = new Set(["CommandNotFound", "NamespaceNotFound", "NotImplemented", "IllegalOperation"]);

export function failureOf(e: unknown): CommandFailure {
  if (e instanceof MongoServerError) {
    const out: CommandFailure = { message: e.message };
    if (typeof e.code === "number") out.code = e.code;
    if (typeof e.codeName === "string") out.codeName = e.codeName;
    return out;
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

/** True when the failure says the server lacks the command (not a bad argument). */
export function isAbsent(f: CommandFailure): boolean {
  return f.codeName !== undefined && ABSENT.has(f.codeName) && f.codeName !== "NamespaceNotFound" ||
    /no such (cmd|command)/i.test(f.message);
}

/** Extended JSON (a parsed JSON value) → driver values; numbers without a wrapper become int32/double. */
export function fromEjson(value: unknown): Document {
  return EJSON.deserialize(value as Document, { relaxed: false }) as Document;
}

/**
 * Driver values → relaxed Extended JSON (plain JSON the browser can show and edit). A 64-bit integer a
 * JavaScript number cannot hold exactly (a cursor id) stays `{"$numberLong": "…"}`, so it comes back
 * unchanged when the page sends it in a command (killCursors).
 */
export function toEjson(value: unknown): unknown {
  return EJSON.serialize(exactLongs(value), { relaxed: true });
}

function exactLongs(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Long) {
    return v.lessThanOrEqual(MAX_SAFE) && v.greaterThanOrEqual(MIN_SAFE) ? v : { $numberLong: v.toString() };
  }
  if (Array.isArray(v)) return v.map(exactLongs);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = exactLongs(x);
  return out;
}

const MAX_SAFE = Long.fromNumber(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = Long.fromNumber(Number.MIN_SAFE_INTEGER);

export interface FindRequest {
  db: string;
  coll: string;
  filter?: Document;
  sort?: Document;
  projection?: Document;
  skip?: number;
  limit?: number;
}

export class Mongo {
  readonly client: MongoClient;
  constructor(readonly uri: string) {
    this.client = new MongoClient(uri, { appName: "secantusdb-admin", serverSelectionTimeoutMS: 5000 });
  }

  command(db: string, command: Document): Promise<Document> {
    return this.client.db(db).command(command);
  }

  /** One page of documents and the count of the whole filter. */
  async find(r: FindRequest): Promise<{ docs: Document[]; count: number }> {
    const coll = this.client.db(r.db).collection(r.coll);
    const filter = r.filter ?? {};
    const limit = Math.min(Math.max(r.limit ?? 20, 1), 1000);
    let cursor = coll.find(filter, { skip: Math.max(r.skip ?? 0, 0), limit });
    if (r.sort && Object.keys(r.sort).length) cursor = cursor.sort(r.sort);
    if (r.projection && Object.keys(r.projection).length) cursor = cursor.project(r.projection);
    const docs = await cursor.toArray();
    const count = await coll.countDocuments(filter);
    return { docs, count };
  }

  /** The first `limit` results of a pipeline (on a collection, or `coll` undefined: on the database). */
  async aggregate(
    db: string,
    coll: string | undefined,
    pipeline: Document[],
    limit = 500,
  ): Promise<Document[]> {
    const target = coll === undefined ? this.client.db(db) : this.client.db(db).collection(coll);
    const cursor = target.aggregate(pipeline);
    const out: Document[] = [];
    try {
      for await (const d of cursor) {
        out.push(d);
        if (out.length >= limit) break;
      }
    } finally {
      await cursor.close();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The URI with any password replaced, for display. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^:/@]+):[^@/]*@/, "$1:***@");
}
