/**
 * The featureCompatibilityVersion document: mongod keeps `{_id: "featureCompatibilityVersion",
 * version: "8.0"}` in `admin.system.version` from its first start, and getParameter /
 * setFeatureCompatibilityVersion read and confirm it. SecantusDB implements FCV 8.0 only: the
 * document is written once when missing and never changes. The composition root defers the write
 * past the first ping (`DeferredFcvDocument`: issue 18, cold start) — before the first command that
 * is not part of a connection's handshake, or in the first quiet moment after start — and makes it
 * without the write hooks, so it is no oplog entry or change event, as when it was written before the
 * oplog started.
 */
import { BSON } from "bson";
import { decodeDocument } from "../../bson/decode.ts";
import type { CollectionEntry, IndexKeys, StorageEngine } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";

/** The one featureCompatibilityVersion this server runs. */
export const FCV = "8.0";
/** mongod 8.0's lastLTS and lastContinuous FCVs (valid setFeatureCompatibilityVersion targets there). */
export const DOWNGRADE_FCVS: readonly string[] = ["7.0", "7.3"];

export const FCV_DB = "admin";
export const FCV_COLLECTION = "system.version";
export const FCV_ID = "featureCompatibilityVersion";

/**
 * Writes the FCV document into admin.system.version when it is missing (idempotent), with the write
 * hooks set aside (no oplog entry, no change event). A collection created just now is not scanned (a
 * new data directory, every `:memory:` start), and the write waits for no log sync: should the
 * process stop before the log reaches the disk, the next start writes it again (issue 18, cold start).
 */
export function ensureFcvDocument(
  storage: StorageEngine,
  keysOf: (coll: CollectionEntry, doc: Doc) => IndexKeys,
): void {
  const existing = storage.catalog.getCollection(FCV_DB, FCV_COLLECTION);
  const present = existing !== undefined && storage.read((txn) => {
    for (const r of txn.scan(existing)) if (decodeDocument(r.bytes)["_id"] === FCV_ID) return true;
    return false;
  });
  if (present) return;
  storage.withoutWriteHooks(() => {
    const coll = existing ?? storage.catalog.createCollection(FCV_DB, FCV_COLLECTION);
    const doc = { _id: FCV_ID, version: FCV };
    storage.write((txn) => txn.insert(coll, BSON.serialize(doc), keysOf(coll, doc)));
  });
}

/**
 * Commands a client may send before the FCV document exists: a connection's handshake,
 * authentication and monitoring, none of which reads admin.system.version or the FCV. Every other
 * command writes the document first (`DeferredFcvDocument.before`).
 */
const HANDSHAKE_COMMANDS: ReadonlySet<string> = new Set([
  "hello",
  "isMaster",
  "ismaster",
  "ping",
  "buildInfo",
  "buildinfo",
  "saslStart",
  "saslContinue",
  "authenticate",
  "getnonce",
]);

/**
 * The FCV document's write, deferred past the first ping: `before(command)` writes it (once,
 * synchronously) ahead of any command outside the handshake set, `ensure()` at any time (a timer
 * after start, the stop of an on-disk server). Nothing observes admin.system.version without going
 * through one of them, and the write is synchronous, so no command sees the server without it.
 */
export class DeferredFcvDocument {
  #pending = true;

  constructor(
    private readonly storage: StorageEngine,
    private readonly keysOf: (coll: CollectionEntry, doc: Doc) => IndexKeys,
    /** Told when the write fails (it is tried again before the next command). */
    private readonly onError: (e: unknown) => void,
  ) {}

  /** True until the document has been checked for and written. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Writes the document first unless `command` (a request body's first key) is a handshake command. */
  before(command: string | undefined): void {
    if (this.#pending && (command === undefined || !HANDSHAKE_COMMANDS.has(command))) this.ensure();
  }

  /** Writes the document when missing (idempotent; a failure is reported and tried again later). */
  ensure(): void {
    if (!this.#pending) return;
    try {
      ensureFcvDocument(this.storage, this.keysOf);
      this.#pending = false;
    } catch (e) {
      this.onError(e);
    }
  }
}
