/**
 * The cluster-wide default read and write concerns (`setDefaultRWConcern` / `getDefaultRWConcern`):
 * what applies to an operation that names none. Until set, the implicit defaults of a replica set
 * (read concern "local", write concern `{w: "majority", wtimeout: 0}`) are reported. Kept in memory:
 * mongod persists them in config.settings; here they last until the server stops (noted in the
 * command's doc comment).
 */
import type { Timestamp } from "bson";
import type { Document } from "../bson/document.ts";

export interface RWDefaultsState {
  readonly readConcern?: Document;
  readonly writeConcern?: Document;
  readonly updateOpTime?: Timestamp;
  readonly updateWallClockTime?: Date;
}

export class RWDefaults {
  #state: RWDefaultsState = {};

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
    this.#state = next;
  }
}
