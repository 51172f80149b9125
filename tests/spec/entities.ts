/**
 * The entity map of one test: clients (with captured command / CMAP events), databases, collections,
 * sessions, cursors and saved values. Creation follows the unified test format's `createEntities`.
 */
import {
  type ClientSession,
  type Collection,
  type Db,
  type Document,
  GridFSBucket,
  MongoClient,
  ReadPreference,
} from "mongodb";
import { REASONS } from "./skips.ts";

/** A captured event, shaped like the spec's expected events (`{commandStartedEvent: {...}}`). */
export interface CapturedEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export interface ClientEntity {
  readonly kind: "client";
  readonly client: MongoClient;
  readonly events: CapturedEvent[];
}
export type Entity =
  | ClientEntity
  | { readonly kind: "database"; readonly db: Db; readonly client: ClientEntity }
  | { readonly kind: "collection"; readonly coll: Collection; readonly client: ClientEntity }
  | {
    readonly kind: "session";
    readonly session: ClientSession;
    readonly lsid: unknown;
    readonly client: ClientEntity;
  }
  | { readonly kind: "cursor"; readonly cursor: CursorLike }
  | { readonly kind: "bucket"; readonly bucket: GridFSBucket }
  | { readonly kind: "value"; readonly value: unknown };

export interface CursorLike {
  next(): Promise<unknown>;
  tryNext(): Promise<unknown>;
  close(): Promise<void>;
}

/** Raised when a test needs something the runner deliberately does not support: the test is skipped. */
export class SkipTest extends Error {
  constructor(readonly reason: string) {
    super(`skip: ${reason}`);
  }
}

const SENSITIVE = new Set([
  "authenticate",
  "saslstart",
  "saslcontinue",
  "getnonce",
  "createuser",
  "updateuser",
  "copydbgetnonce",
  "copydbsaslstart",
  "copydb",
]);

const COMMAND_EVENTS: Record<string, string> = {
  commandStartedEvent: "commandStarted",
  commandSucceededEvent: "commandSucceeded",
  commandFailedEvent: "commandFailed",
};

/** CMAP events observed by name: `poolCreatedEvent` → driver event `connectionPoolCreated`, etc. */
const CMAP_EVENTS: Record<string, string> = {
  poolCreatedEvent: "connectionPoolCreated",
  poolReadyEvent: "connectionPoolReady",
  poolClearedEvent: "connectionPoolCleared",
  poolClosedEvent: "connectionPoolClosed",
  connectionCreatedEvent: "connectionCreated",
  connectionReadyEvent: "connectionReady",
  connectionClosedEvent: "connectionClosed",
  connectionCheckOutStartedEvent: "connectionCheckOutStarted",
  connectionCheckOutFailedEvent: "connectionCheckOutFailed",
  connectionCheckedOutEvent: "connectionCheckedOut",
  connectionCheckedInEvent: "connectionCheckedIn",
};

/** The driver redacts hello with speculativeAuthenticate to an empty command / reply. */
function isRedacted(ev: Document): boolean {
  const doc = (ev.command ?? ev.reply) as Document | undefined;
  return !!doc && typeof doc === "object" && Object.keys(doc).length === 0;
}

export function isCmapEvent(name: string): boolean {
  return name in CMAP_EVENTS;
}

export class EntityMap {
  readonly #map = new Map<string, Entity>();
  readonly clients: MongoClient[] = [];

  constructor(readonly uri: string) {}

  get(name: string): Entity {
    const e = this.#map.get(name);
    if (!e) throw new Error(`entity '${name}' not found`);
    return e;
  }

  #valueOf(name: string): unknown {
    const e = this.get(name);
    if (e.kind !== "value") throw new Error(`entity '${name}' is a ${e.kind}, expected a saved value`);
    return e.value;
  }

  has(name: string): boolean {
    return this.#map.has(name);
  }

  set(name: string, e: Entity): void {
    if (this.#map.has(name)) throw new Error(`entity '${name}' already exists`);
    this.#map.set(name, e);
  }

  client(name: string): ClientEntity {
    const e = this.get(name);
    if (e.kind !== "client") throw new Error(`entity '${name}' is a ${e.kind}, expected client`);
    return e;
  }

  db(name: string): Db {
    const e = this.get(name);
    if (e.kind !== "database") throw new Error(`entity '${name}' is a ${e.kind}, expected database`);
    return e.db;
  }

  collection(name: string): Collection {
    const e = this.get(name);
    if (e.kind !== "collection") throw new Error(`entity '${name}' is a ${e.kind}, expected collection`);
    return e.coll;
  }

  session(name: string): Extract<Entity, { kind: "session" }> {
    const e = this.get(name);
    if (e.kind !== "session") throw new Error(`entity '${name}' is a ${e.kind}, expected session`);
    return e;
  }

  cursor(name: string): CursorLike {
    const e = this.get(name);
    if (e.kind !== "cursor") throw new Error(`entity '${name}' is a ${e.kind}, expected cursor`);
    return e.cursor;
  }

  /** Value of an entity for `$$matchesEntity`. */
  value(name: string): unknown {
    const e = this.get(name);
    return e.kind === "value" ? e.value : e;
  }

  create(specs: readonly Record<string, Record<string, unknown>>[]): Promise<void> {
    for (const spec of specs) {
      const [type, def] = Object.entries(spec)[0] ?? [];
      if (!type || !def) throw new Error("empty entity definition");
      const id = String(def.id);
      switch (type) {
        case "client":
          this.set(id, this.#createClient(def));
          break;
        case "database": {
          const c = this.client(String(def.client));
          const db = c.client.db(String(def.databaseName), translateOptions(def.databaseOptions));
          this.set(id, { kind: "database", db, client: c });
          break;
        }
        case "collection": {
          const dbEntity = this.get(String(def.database));
          if (dbEntity.kind !== "database") throw new Error(`entity '${def.database}' is not a database`);
          const coll = dbEntity.db.collection(
            String(def.collectionName),
            translateOptions(def.collectionOptions),
          );
          this.set(id, { kind: "collection", coll, client: dbEntity.client });
          break;
        }
        case "session": {
          const c = this.client(String(def.client));
          const { snapshotTime, ...sessionOptions } = (def.sessionOptions ?? {}) as Record<string, unknown>;
          const session = c.client.startSession(translateOptions(sessionOptions));
          if (snapshotTime !== undefined) {
            // a saved entity's cluster time; the installed driver has no startSession option for it
            // yet, but reads of a snapshot session send whatever `snapshotTime` it holds
            (session as unknown as { snapshotTime: unknown }).snapshotTime = typeof snapshotTime === "string"
              ? this.#valueOf(snapshotTime)
              : snapshotTime;
          }
          // Force server-session acquisition so the lsid is known even after endSession.
          const lsid = (session as unknown as { serverSession?: { id: unknown } }).serverSession?.id;
          this.set(id, { kind: "session", session, lsid, client: c });
          break;
        }
        case "bucket": {
          const dbEntity = this.get(String(def.database));
          if (dbEntity.kind !== "database") {
            throw new Error(`bucket ${id}: ${String(def.database)} is not a database`);
          }
          const bucket = new GridFSBucket(dbEntity.db, translateOptions(def.bucketOptions));
          this.set(id, { kind: "bucket", bucket });
          break;
        }
        case "clientEncryption":
          throw new SkipTest(REASONS.clientEncryption);
        case "thread":
          throw new SkipTest(REASONS.thread);
        default:
          throw new SkipTest(REASONS.entity(type));
      }
    }
    return Promise.resolve();
  }

  #createClient(def: Record<string, unknown>): ClientEntity {
    if (def.autoEncryptOpts) throw new SkipTest(REASONS.autoEncrypt);
    if (def.storeEventsAsEntities) throw new SkipTest(REASONS.storeEvents);
    const url = new URL(this.uri);
    // Test clients discover the single-node replica set (ReplicaSetWithPrimary) like a driver would;
    // a direct connection would make the driver treat it as "Single" and add $readPreference.
    url.searchParams.delete("directConnection");
    for (const [k, v] of Object.entries((def.uriOptions ?? {}) as Record<string, unknown>)) {
      url.searchParams.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
    }
    const observe = new Set((def.observeEvents ?? []) as string[]);
    const ignore = new Set(
      ((def.ignoreCommandMonitoringEvents ?? []) as string[]).map((s) => s.toLowerCase()),
    );
    const sensitive = def.observeSensitiveCommands === true;
    const options: Record<string, unknown> = { monitorCommands: true };
    if (def.serverApi) options.serverApi = def.serverApi;
    const client = new MongoClient(url.toString(), options);
    const events: CapturedEvent[] = [];
    for (const [specName, driverName] of Object.entries(COMMAND_EVENTS)) {
      if (!observe.has(specName)) continue;
      client.on(driverName as "commandStarted", (ev: Document) => {
        const name = String(ev.commandName).toLowerCase();
        if (ignore.has(name) || name === "configurefailpoint") return;
        if (!sensitive && SENSITIVE.has(name)) return;
        if (!sensitive && (name === "hello" || name === "ismaster") && isRedacted(ev)) {
          return;
        }
        // as sent: the driver may later mutate objects the command shares with its options (a
        // client-level readConcern gets the next transaction's afterClusterTime assigned into it)
        events.push({
          type: specName,
          data: { ...ev, command: copyPlain(ev.command) } as Record<string, unknown>,
        });
      });
    }
    for (const [specName, driverName] of Object.entries(CMAP_EVENTS)) {
      if (!observe.has(specName)) continue;
      client.on(driverName as "connectionCreated", (ev: Document) => {
        events.push({ type: specName, data: ev as Record<string, unknown> });
      });
    }
    this.clients.push(client);
    // No explicit connect(): the driver connects lazily on the first operation, so CMAP events of that
    // operation (connectionReady, …) are observed as the spec expects.
    return { kind: "client", client, events };
  }

  /** Closes every client (bounded by the caller's timeout). */
  async close(): Promise<void> {
    for (const e of this.#map.values()) {
      if (e.kind === "session") {
        try {
          await e.session.endSession();
        } catch { /* ignore */ }
      }
    }
    await Promise.allSettled(this.clients.map((c) => c.close(true)));
  }
}

/**
 * A copy of a command's documents: plain objects, arrays, Maps and driver option objects (ReadConcern,
 * …) become copies; BSON values, bytes, dates and regexes are kept as they are.
 */
function copyPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyPlain);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, copyPlain(x)])); // sort / index keys
  if (
    v === null || typeof v !== "object" || "_bsontype" in v || ArrayBuffer.isView(v) || v instanceof Date ||
    v instanceof RegExp
  ) {
    return v;
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyPlain(x)]));
}

/** Spec option objects → driver options (readPreference documents, returnDocument enum, …). */
export function translateOptions(o: unknown): Record<string, unknown> {
  if (!o || typeof o !== "object") return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (k === "readPreference" && v && typeof v === "object" && "mode" in v) {
      const { mode, tagSets, ...rest } = v as { mode: string; tagSets?: unknown };
      out[k] = new ReadPreference(
        (mode.charAt(0).toLowerCase() + mode.slice(1)) as "primary",
        tagSets as never,
        rest as never,
      );
    } else if (k === "returnDocument" && typeof v === "string") {
      out[k] = v.toLowerCase();
    } else if (k === "defaultTransactionOptions") {
      out[k] = translateOptions(v);
    } else {
      out[k] = v;
    }
  }
  return out;
}
