/**
 * The cluster-wide default read and write concerns (`setDefaultRWConcern` / `getDefaultRWConcern`):
 * what applies to an operation that names none. Until set, the implicit defaults of a replica set
 * (read concern "local", write concern `{w: "majority", wtimeout: 0}`) are reported. With a storage
 * engine attached they are kept (as mongod keeps them in config.settings) in the internal table
 * `rw_defaults`, written with a synced commit, and read back at start-up: they survive a restart.
 */
import { BSON, type Timestamp } from "bson";
import type { Document } from "../bson/document.ts";
import type { InternalTable, StorageEngine } from "../storage/api.ts";

export interface RWDefaultsState {
  readonly readConcern?: Document;
  readonly writeConcern?: Document;
  readonly updateOpTime?: Timestamp;
  readonly updateWallClockTime?: Date;
}

const KEY = new TextEncoder().encode("ReadWriteConcernDefaults");

export class RWDefaults {
  #state: RWDefaultsState = {};
  #store: { storage: StorageEngine; table: InternalTable } | undefined;

  /** Keeps the defaults in `storage` and loads the ones stored there. */
  attach(storage: StorageEngine): void {
    const table = storage.openTable("rw_defaults");
    this.#store = { storage, table };
    const bytes = storage.read((txn) => txn.table(table).get(KEY));
    if (bytes) this.#state = BSON.deserialize(bytes) as RWDefaultsState;
  }

  get(): RWDefaultsState {
    return this.#state;
  }

  /** Replaces the given parts ({} unsets one); `at` is the change's cluster time. */
  set(readConcern: Document | undefined, writeConcern: Document | undefined, at: Timestamp, now: Date): void {
    const next: { -readonly [K in keyof RWDefaultsState]: RWDefaultsState[K] } = { ...this.#state };
    if (readConcern !== undefined) {
      if (Object.keys(readConcern).length === 0) delete next.readConcern;
      else next.readConcern = readConcern;
    }
    if (writeConcern !== undefined) {
      if (Object.keys(writeConcern).length === 0) delete next.writeConcern;
      else next.writeConcern = { wtimeout: 0, ...writeConcern };
    }
    next.updateOpTime = at;
    next.updateWallClockTime = now;
    const store = this.#store;
    if (store) {
      const bytes = BSON.serialize(next);
      store.storage.write((txn) => txn.table(store.table).put(KEY, bytes), { syncNow: true });
    }
    this.#state = next;
  }
}
