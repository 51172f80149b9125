/**
 * Oplog entries, shaped as mongod 8.0 writes them (pure): `{op, ns, ui, o, o2, ts, t, v, wall}` plus
 * `lsid`/`txnNumber`/`stmtId`/`prevOpTime` on a transaction's `applyOps`. Entries are stored in the
 * internal table `oplog` under an 8-byte big-endian key of their `ts` (seconds, then increment), so
 * the table's byte order is time order and a range scan starts at any timestamp.
 */
import { Binary, BSON, Long, Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import type { CollectionEntry, StorageChange } from "../storage/api.ts";

export type OpType = "i" | "u" | "d" | "c" | "n";

/** An entry before its timestamp is known (assigned at commit). */
export interface PendingOp extends Doc {
  op: OpType;
  ns: string;
  ui?: Binary;
  o: Doc;
  o2?: Doc;
}

/** One oplog entry as clients read it from `local.oplog.rs`. */
export interface OplogEntry extends PendingOp {
  ts: Timestamp;
  t: Long;
  v: Long;
  wall: Date;
}

export const TERM = Long.fromInt(1);
export const VERSION = Long.fromInt(2);
export const OPLOG_NS = "local.oplog.rs";

/** The table key of a timestamp: 4 bytes of seconds then 4 of increment, big-endian. */
export function tsKey(ts: Timestamp): Uint8Array {
  const k = new Uint8Array(8);
  const hi = ts.high >>> 0;
  const lo = ts.low >>> 0;
  for (let i = 0; i < 4; i++) {
    k[i] = hi >>> (24 - 8 * i);
    k[4 + i] = lo >>> (24 - 8 * i);
  }
  return k;
}

/** Writes `tsKey(ts)` into `out` at `at`. */
export function writeTsKey(out: Uint8Array, at: number, ts: Timestamp): void {
  const hi = ts.high >>> 0;
  const lo = ts.low >>> 0;
  for (let i = 0; i < 4; i++) {
    out[at + i] = hi >>> (24 - 8 * i);
    out[at + 4 + i] = lo >>> (24 - 8 * i);
  }
}

export function keyTs(key: Uint8Array): Timestamp {
  const v = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return new Timestamp({ t: v.getUint32(0), i: v.getUint32(4) });
}

export function uuidOf(coll: CollectionEntry): Binary {
  return new Binary(coll.uuid, Binary.SUBTYPE_UUID);
}

export function nsOf(coll: CollectionEntry): string {
  return `${coll.db}.${coll.name}`;
}

/**
 * `op, ns, ui` of a collection's entries of one kind, encoded once per collection (the elements only,
 * without a document's length or end): the start of the entries built from bytes (insert_entry.ts,
 * update_entry.ts, delete_entry.ts).
 */
export function opPrefixes(op: "i" | "u" | "d"): (coll: CollectionEntry) => Uint8Array {
  const prefixes = new WeakMap<CollectionEntry, Uint8Array>();
  return (coll) => {
    let p = prefixes.get(coll);
    if (!p) {
      const doc = BSON.serialize({ op, ns: nsOf(coll), ui: uuidOf(coll) });
      p = new Uint8Array(doc.subarray(4, doc.length - 1));
      prefixes.set(coll, p);
    }
    return p;
  };
}

/** Stamps a pending op with its time. */
export function stamp(op: PendingOp, ts: Timestamp, wall: Date): OplogEntry {
  return { ...op, ts, t: TERM, v: VERSION, wall };
}

/** The `c` entries a catalog change is logged as (dropDatabase: one drop per collection, then itself). */
export function ddlOps(change: DdlChange): PendingOp[] {
  switch (change.op) {
    case "createCollection": {
      const c = change.coll;
      // A time-series collection is created without idIndex (mongod refuses the combination).
      const idIndex = c.options["timeseries"] === undefined
        ? c.indexes.find((i) => i.name === "_id_")?.spec
        : undefined;
      return [cmd(c.db, { create: c.name, ...c.options, ...(idIndex ? { idIndex } : {}) }, c)];
    }
    case "dropCollection":
      return [cmd(change.coll.db, { drop: change.coll.name }, change.coll)];
    case "createIndex": {
      const { key, name, v, ...rest } = change.index.spec;
      return [
        cmd(change.coll.db, { createIndexes: change.coll.name, v: v ?? 2, key, name, ...rest }, change.coll),
      ];
    }
    case "dropIndex":
      return [{
        ...cmd(change.coll.db, { dropIndexes: change.coll.name, index: change.index.name }, change.coll),
        o2: change.index.spec,
      }];
    case "updateCollection": {
      const o: Doc = { collMod: change.coll.name };
      const before = change.before.options;
      for (const [k, v] of Object.entries(change.coll.options)) {
        // A capped resize is logged as the collMod that replays it (`cappedSize`, `cappedMax`).
        if (JSON.stringify(before[k]) !== JSON.stringify(v)) o[CAPPED_MOD.get(k) ?? k] = v;
      }
      return [cmd(change.coll.db, o, change.coll)];
    }
    case "updateIndex":
      return [
        cmd(change.coll.db, {
          collMod: change.coll.name,
          index: indexMod(change.index.spec, change.before?.unique === true && !change.index.unique),
        }, change.coll),
      ];
    case "renameCollection":
      return [cmd(change.from.db, {
        renameCollection: nsOf(change.from),
        to: nsOf(change.to),
        stayTemp: false,
      }, change.from)];
    case "dropDatabase":
      return [
        ...change.colls.map((c) => cmd(c.db, { drop: c.name }, c)),
        { op: "c", ns: `${change.db}.$cmd`, o: { dropDatabase: 1 } },
      ];
  }
}

/** Catalog option → collMod field, for a capped collection's limits. */
const CAPPED_MOD: ReadonlyMap<string, string> = new Map([["size", "cappedSize"], ["max", "cappedMax"]]);

export type DdlChange = Extract<
  StorageChange,
  {
    op:
      | "createCollection"
      | "dropCollection"
      | "createIndex"
      | "dropIndex"
      | "updateIndex"
      | "updateCollection"
      | "renameCollection"
      | "dropDatabase";
  }
>;

/** The collMod `index` that replays an index change (`forceNonUnique` when it stopped being unique). */
function indexMod(spec: Record<string, unknown>, madeNonUnique: boolean): Doc {
  const out: Doc = { name: spec["name"] };
  for (const k of ["hidden", "expireAfterSeconds", "prepareUnique", "unique"]) {
    if (spec[k] !== undefined) out[k] = spec[k];
  }
  if (madeNonUnique) out["forceNonUnique"] = true;
  return out;
}

function cmd(db: string, o: Doc, coll: CollectionEntry): PendingOp {
  return { op: "c", ns: `${db}.$cmd`, ui: uuidOf(coll), o };
}
