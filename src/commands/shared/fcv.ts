/**
 * The featureCompatibilityVersion document: mongod keeps `{_id: "featureCompatibilityVersion",
 * version: "8.0"}` in `admin.system.version` from its first start, and getParameter /
 * setFeatureCompatibilityVersion read and confirm it. SecantusDB implements FCV 8.0 only: the
 * document is written once at start-up when missing (`ensureFcvDocument`, called by the composition
 * root) and never changes.
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
 * Writes the FCV document into admin.system.version when it is missing (idempotent). A collection
 * created just now is not scanned (a new data directory, every `:memory:` start), and the write waits
 * for no log sync: should the process stop before the log reaches the disk, the next start writes it
 * again (issue 18, cold start).
 */
export function ensureFcvDocument(
  storage: StorageEngine,
  keysOf: (coll: CollectionEntry, doc: Doc) => IndexKeys,
): void {
  const existing = storage.catalog.getCollection(FCV_DB, FCV_COLLECTION);
  const coll = existing ?? storage.catalog.createCollection(FCV_DB, FCV_COLLECTION);
  const present = existing !== undefined && storage.read((txn) => {
    for (const r of txn.scan(coll)) if (decodeDocument(r.bytes)["_id"] === FCV_ID) return true;
    return false;
  });
  if (present) return;
  const doc = { _id: FCV_ID, version: FCV };
  storage.write((txn) => txn.insert(coll, BSON.serialize(doc), keysOf(coll, doc)));
}
