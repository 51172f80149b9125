/**
 * The oplog's storage write hook. Record changes are collected per storage transaction and logged
 * when it commits (`beforeCommit`, synchronously with the commit), so entries are stamped in commit
 * order and a reader that has seen timestamp T has seen every entry up to T: there are no holes. A
 * transaction begun with a session label (a multi-document transaction) becomes one `applyOps` entry
 * carrying its lsid and txnNumber (with the `c` ops of collections and indexes it created, as mongod
 * 8.0 logs them); other writes get one entry per document. Other catalog changes are logged at once
 * inside the catalog's own transaction. Collections created with
 * `changeStreamPreAndPostImages: {enabled: true}` also keep each update/delete's pre-image in the
 * `oplog_preimages` table under the entry's key (plus the applyOps index).
 */
import { BSON, Long, Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { decodeDocument } from "../bson/decode.ts";
import { decodeFields } from "../bson/partial_decode.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import {
  type CollectionEntry,
  type HookTxn,
  type InternalTable,
  RowBatch,
  type StorageChange,
  type WriteHook,
} from "../storage/api.ts";
import { type ClusterClock, commitTimestamp } from "./cluster_clock.ts";
import { type DdlChange, ddlOps, nsOf, type PendingOp, stamp, tsKey, uuidOf, writeTsKey } from "./entry.ts";
import { computeDiff } from "../bson/doc_diff.ts";
import { insertEntryLayout, writeInsertEntry } from "./insert_entry.ts";
import { type UpdateEntryParts, updateEntryParts, writeUpdateEntry } from "./update_entry.ts";
import { type DeleteEntryParts, deleteEntryParts, writeDeleteEntry } from "./delete_entry.ts";
import { MAX_BSON_OBJECT_SIZE } from "../limits.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

const ID_ONLY = new Set(["_id"]);

interface Pending {
  /** An update's or delete's entry (an insert's is built from its bytes at commit). */
  readonly op?: PendingOp;
  /** An insert: its collection and stored bytes (the entry is encoded from them, never decoded). */
  readonly insert?: { readonly coll: CollectionEntry; readonly raw: Uint8Array };
  /** An update with the engine's diff: its entry is written from bytes (update_entry.ts). */
  readonly update?: { readonly parts: UpdateEntryParts; readonly diff: Doc; readonly coll: CollectionEntry };
  /** A delete: its entry is written from the removed document's `_id` bytes (delete_entry.ts). */
  readonly remove?: { readonly parts: DeleteEntryParts; readonly coll: CollectionEntry };
  /** Pre-image bytes to keep (collections with changeStreamPreAndPostImages). */
  readonly preImage?: Uint8Array;
}

/** The key of a pre-image: the entry's ts key, then the index inside an applyOps (0 otherwise). */
export function preImageKey(ts: Timestamp, index: number): Uint8Array {
  const k = new Uint8Array(12);
  k.set(tsKey(ts), 0);
  new DataView(k.buffer).setUint32(8, index);
  return k;
}

export function keepsPreImages(coll: CollectionEntry): boolean {
  const o = coll.options["changeStreamPreAndPostImages"];
  return isPlainDoc(o) && o["enabled"] === true;
}

export interface OplogTables {
  readonly entries: InternalTable;
  readonly preImages: InternalTable;
}

export class OplogWriter implements WriteHook {
  readonly preImages = true; // the _id of a removed document and the diff of an update need them
  readonly #pending = new WeakMap<HookTxn, Pending[]>();
  /** Reused for every commit's entries (inserted synchronously: free again when beforeCommit returns). */
  readonly #batch = new RowBatch();

  constructor(
    private readonly tables: OplogTables,
    private readonly clock: ClusterClock,
    /** Told (in a microtask, after the commit) that entries were written. */
    private readonly onWritten: () => void,
    /** Told synchronously how many entries a commit appends (the service's running count). */
    /** `n` entries of (about) `bytes` appended. */
    private readonly onAppend: (n: number, bytes: number) => void = () => {},
  ) {}

  onChange(change: StorageChange, txn: HookTxn): void {
    switch (change.op) {
      case "insert":
      case "update":
      case "remove": {
        // mongod logs neither local writes nor the profiler's (system.profile is not replicated).
        if (change.coll.db === "local" || change.coll.name === "system.profile") return;
        const p = recordOp(change);
        if (!p) return;
        let list = this.#pending.get(txn);
        if (!list) this.#pending.set(txn, list = []);
        list.push(p);
        return;
      }
      default:
        this.#logDdl(change, txn);
    }
  }

  beforeCommit(txn: HookTxn): void {
    const list = this.#pending.get(txn);
    if (!list || list.length === 0) return;
    this.#pending.delete(txn);
    const entries = txn.table(this.tables.entries);
    const wall = new Date();
    const label = txn.label;
    if (label?.txnNumber !== undefined) {
      const ops = list.map(fullOp);
      const head = {
        ...(label.lsid ? { lsid: label.lsid } : {}),
        txnNumber: Long.fromBigInt(label.txnNumber),
        stmtId: 0,
      };
      let prevOpTime = { ts: new Timestamp({ t: 0, i: 0 }), t: Long.fromInt(-1) };
      let written = 0;
      const chunks = txnChunks(ops, head);
      let ts = this.clock.tick();
      chunks.forEach((chunk, n) => {
        if (n > 0) ts = this.clock.tick();
        const last = n === chunks.length - 1;
        // mongod 4.2+: a transaction past 16 MiB is a chain of applyOps entries, every one but the
        // last marked partialTxn, each naming the previous in prevOpTime; the last has the op count
        const o = chunks.length === 1
          ? { applyOps: chunk }
          : last
          ? { applyOps: chunk, count: ops.length }
          : { applyOps: chunk, partialTxn: true };
        const entry = { ...stamp({ op: "c", ns: "admin.$cmd", o }, ts, wall), ...head, prevOpTime };
        const bytes = serializeDocument(entry);
        written += bytes.length;
        entries.insert(tsKey(ts), bytes);
        prevOpTime = { ts, t: Long.fromInt(1) };
      });
      txn.commitAt(commitTimestamp(ts));
      // pre-images under the commit entry's time and the op's index in the whole transaction
      // (change events of a transaction carry those)
      list.forEach((p, i) => {
        if (p.preImage) txn.table(this.tables.preImages).put(preImageKey(ts, i), p.preImage);
      });
      this.onAppend(chunks.length, written);
    } else {
      // every entry into one buffer, inserted in one call (insert entries written in place from
      // the stored bytes; no per-entry allocation or FFI crossing)
      const wallMs = wall.getTime();
      let bytes = 0;
      for (const p of list) {
        bytes += 8 + 8 +
          (p.insert
            ? p.insert.raw.length + 192
            : p.update
            ? p.update.parts.size
            : p.remove
            ? p.remove.parts.size
            : 256);
      }
      const batch = this.#batch;
      batch.reset(bytes);
      let ts: Timestamp | undefined;
      for (const p of list) {
        ts = this.clock.tick();
        const layout = p.insert && insertEntryLayout(p.insert.coll, p.insert.raw);
        if (layout) {
          const row = batch.reserve(8, layout.size);
          writeTsKey(row.buf, row.key, ts);
          writeInsertEntry(row.buf, row.value, layout, p.insert!.raw, ts, wallMs);
        } else if (p.update) {
          const row = batch.reserve(8, p.update.parts.size);
          writeTsKey(row.buf, row.key, ts);
          writeUpdateEntry(row.buf, row.value, p.update.parts, ts, wallMs);
        } else if (p.remove) {
          const row = batch.reserve(8, p.remove.parts.size);
          writeTsKey(row.buf, row.key, ts);
          writeDeleteEntry(row.buf, row.value, p.remove.parts, ts, wallMs);
        } else {
          batch.add(tsKey(ts), serializeDocument(stamp(fullOp(p), ts, wall)));
        }
        if (p.preImage) txn.table(this.tables.preImages).put(preImageKey(ts, 0), p.preImage);
      }
      entries.insertMany(batch);
      // one WiredTiger transaction, one commit timestamp: the batch's last (a reader at an earlier
      // time sees none of it; the times the server hands out never fall inside a batch)
      txn.commitAt(commitTimestamp(ts!));
      this.onAppend(list.length, bytes);
    }
    queueMicrotask(this.onWritten);
  }

  #logDdl(change: DdlChange, txn: HookTxn): void {
    if (change.op === "dropDatabase" ? change.db === "local" : ddlDb(change) === "local") return;
    if (txn.label?.txnNumber !== undefined) {
      // create / createIndexes inside a session transaction: part of its applyOps, at its commit
      let list = this.#pending.get(txn);
      if (!list) this.#pending.set(txn, list = []);
      for (const op of ddlOps(change)) list.push({ op });
      return;
    }
    const entries = txn.table(this.tables.entries);
    const wall = new Date();
    const ops = ddlOps(change);
    let written = 0;
    for (const op of ops) {
      const ts = this.clock.tick();
      const bytes = serializeDocument(stamp(op, ts, wall));
      written += bytes.length;
      entries.insert(tsKey(ts), bytes);
      txn.commitAt(commitTimestamp(ts));
    }
    this.onAppend(ops.length, written);
    queueMicrotask(this.onWritten);
  }
}

/** Bytes of ops one transaction entry holds at most (mongod: the user document limit). */
const TXN_ENTRY_OPS_BYTES = MAX_BSON_OBJECT_SIZE;

/**
 * A transaction's ops cut into applyOps entries of at most TXN_ENTRY_OPS_BYTES of ops (one entry
 * when it fits, the common case: measured once as a whole).
 */
function txnChunks(ops: PendingOp[], head: Doc): PendingOp[][] {
  const whole = BSON.calculateObjectSize({ o: { applyOps: ops }, ...head });
  if (whole <= TXN_ENTRY_OPS_BYTES) return [ops];
  const chunks: PendingOp[][] = [];
  let cur: PendingOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = BSON.calculateObjectSize(op) + 8;
    if (cur.length > 0 && bytes + size > TXN_ENTRY_OPS_BYTES) {
      chunks.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(op);
    bytes += size;
  }
  chunks.push(cur);
  return chunks;
}

/** A pending op as a document (inside an applyOps, entries are built as documents). */
function fullOp(p: Pending): PendingOp {
  if (p.update) {
    const { coll, diff, parts } = p.update;
    return { op: "u", ns: nsOf(coll), ui: uuidOf(coll), o: { $v: 2, diff } as Doc, o2: idDocument(parts.id) };
  }
  if (p.remove) {
    const { coll, parts } = p.remove;
    return { op: "d", ns: nsOf(coll), ui: uuidOf(coll), o: idDocument(parts.id) };
  }
  if (!p.insert) return p.op!;
  const { coll, raw } = p.insert;
  return {
    op: "i",
    ns: nsOf(coll),
    ui: uuidOf(coll),
    o2: decodeFields(raw, ID_ONLY),
    o: decodeDocument(raw),
  };
}

/** `{_id}` decoded from the `_id` element's bytes. */
function idDocument(element: Uint8Array): Doc {
  const id = new Uint8Array(4 + element.length + 1);
  new DataView(id.buffer).setInt32(0, id.length, true);
  id.set(element, 4);
  return decodeDocument(id);
}

function ddlDb(change: DdlChange): string {
  switch (change.op) {
    case "renameCollection":
      return change.from.db;
    case "dropDatabase":
      return change.db;
    default:
      return change.coll.db;
  }
}

function recordOp(
  change: Extract<StorageChange, { op: "insert" | "update" | "remove" }>,
): Pending | undefined {
  const coll = change.coll;
  // An insert's entry is encoded from its bytes at commit (insert_entry.ts): nothing decoded here.
  // A copy unless the writer never changes the bytes (`new Uint8Array(…)`: a Node Buffer's `slice`,
  // which npm bson's encoder returns here, is a view).
  if (change.op === "insert") {
    return { insert: { coll, raw: change.owned ? change.bytes : new Uint8Array(change.bytes) } };
  }
  const keep = keepsPreImages(coll);
  switch (change.op) {
    case "update": {
      const preImage = keep && change.before ? change.before.slice() : undefined;
      const withPre = preImage ? { preImage } : {};
      if (change.diff && !change.replace) {
        // the update engine's diff (what the operators modified, as mongod logs it), from bytes
        const parts = updateEntryParts(coll, change.bytes, change.diff as Doc, change.o);
        if (parts) return { update: { parts, diff: change.diff as Doc, coll }, ...withPre };
      }
      const base = { ns: nsOf(coll), ui: uuidOf(coll) };
      if (change.replace || (!change.before && !change.diff)) {
        const after = decodeDocument(change.bytes);
        return { op: { op: "u", ...base, o: after, o2: { _id: after["_id"] } }, ...withPre };
      }
      const o2 = decodeFields(change.bytes, ID_ONLY);
      // the update engine's diff (what the operators modified, as mongod logs it); else a value diff
      const diff = (change.diff as Doc | undefined) ??
        computeDiff(decodeDocument(change.before!), decodeDocument(change.bytes));
      if (!diff) return undefined; // nothing changed: mongod logs no entry
      return { op: { op: "u", ...base, o: { $v: 2, diff } as Doc, o2 }, ...withPre };
    }
    case "remove": {
      if (!change.before) return undefined;
      const preImage = keep ? change.before.slice() : undefined;
      const withPre = preImage ? { preImage } : {};
      // the entry written from the removed document's `_id` bytes at commit, nothing decoded
      const parts = deleteEntryParts(coll, change.before);
      if (parts) return { remove: { parts, coll }, ...withPre };
      const base = { ns: nsOf(coll), ui: uuidOf(coll) };
      return { op: { op: "d", ...base, o: decodeFields(change.before, ID_ONLY) }, ...withPre };
    }
  }
}
