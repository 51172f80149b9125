/**
 * Cluster parameters (setClusterParameter / getClusterParameter) this server keeps: `defaultMaxTimeMS`
 * (new in MongoDB 8.0), the time limit of a read — find, count, distinct, dbHash, an aggregate without `$out` or
 * `$merge` — that sets no `maxTimeMS` of its own (0: none). Kept as mongod keeps it, one document per
 * parameter in `config.clusterParameters` (`{_id: "defaultMaxTimeMS", clusterParameterTime, readOperations}`),
 * read once on first use and cached; a change is written there (an ordinary, logged write) and then cached.
 * `changeStreamOptions` is known to mongod but not supported here: refused, never ignored.
 */
import { Long, Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";
import type { CollectionEntry, IndexKeys, StorageEngine } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";

export const CLUSTER_PARAMETERS_DB = "config";
export const CLUSTER_PARAMETERS_COLLECTION = "clusterParameters";
export const DEFAULT_MAX_TIME_MS = "defaultMaxTimeMS";
/** Cluster parameters of mongod 8.0 this server does not implement (setting one is refused). */
export const UNSUPPORTED_CLUSTER_PARAMETERS: ReadonlySet<string> = new Set([
  "changeStreamOptions",
  "changeStreams",
  "auditConfig",
  "fleCompactionOptions",
  "querySettings",
]);

export class ClusterParameters {
  #loaded = false;
  #readOperations = 0;
  #time: Timestamp | undefined;

  constructor(
    private readonly storage: StorageEngine,
    /** A document's index keys (the composition root's, with the partial filter compiler it loads lazily). */
    private readonly keysOf: (coll: CollectionEntry, doc: Doc) => IndexKeys,
    private readonly now: () => Timestamp,
  ) {}

  /** defaultMaxTimeMS.readOperations (ms; 0: no default). */
  defaultReadMaxTimeMS(): number {
    this.#load();
    return this.#readOperations;
  }

  /** The parameter's document as getClusterParameter shows it. */
  document(name: string): Doc {
    if (name !== DEFAULT_MAX_TIME_MS) throw unknown(name);
    this.#load();
    return {
      _id: DEFAULT_MAX_TIME_MS,
      clusterParameterTime: this.#time ?? new Timestamp({ t: 0, i: 0 }),
      readOperations: Long.fromNumber(this.#readOperations),
    };
  }

  /** Every parameter's name. */
  names(): string[] {
    return [DEFAULT_MAX_TIME_MS];
  }

  /** Sets defaultMaxTimeMS.readOperations (persisted, then in effect). */
  setDefaultMaxTimeMS(readOperations: number): void {
    this.#load();
    const time = this.now();
    const doc = {
      _id: DEFAULT_MAX_TIME_MS,
      clusterParameterTime: time,
      readOperations: Long.fromNumber(readOperations),
    };
    const coll = this.storage.catalog.getCollection(CLUSTER_PARAMETERS_DB, CLUSTER_PARAMETERS_COLLECTION) ??
      this.storage.catalog.createCollection(CLUSTER_PARAMETERS_DB, CLUSTER_PARAMETERS_COLLECTION);
    const bytes = serializeDocument(doc);
    this.storage.write((txn) => {
      for (const r of txn.scan(coll)) {
        const old = decodeDocument(r.bytes);
        if (old["_id"] !== DEFAULT_MAX_TIME_MS) continue;
        txn.update(coll, r.rid, bytes, this.keysOf(coll, old), this.keysOf(coll, doc));
        return;
      }
      txn.insert(coll, bytes, this.keysOf(coll, doc));
    });
    this.#readOperations = readOperations;
    this.#time = time;
  }

  #load(): void {
    if (this.#loaded) return;
    const coll = this.storage.catalog.getCollection(CLUSTER_PARAMETERS_DB, CLUSTER_PARAMETERS_COLLECTION);
    if (coll) {
      this.storage.read((txn) => {
        for (const r of txn.scan(coll)) {
          const d = decodeDocument(r.bytes);
          if (d["_id"] !== DEFAULT_MAX_TIME_MS) continue;
          const v = d["readOperations"];
          const n = typeof v === "number" ? v : v instanceof Long ? v.toNumber() : 0;
          this.#readOperations = Number.isFinite(n) && n > 0 ? n : 0;
          if (d["clusterParameterTime"] instanceof Timestamp) this.#time = d["clusterParameterTime"];
        }
      });
    }
    this.#loaded = true;
  }
}

/** 4 NoSuchKey for a name that is no cluster parameter. */
export function unknown(name: string): CommandError {
  return new CommandError("NoSuchKey", `Unknown Cluster Parameter ${name}`);
}
