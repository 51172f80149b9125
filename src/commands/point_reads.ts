/**
 * Point reads answered outside the command layer: with `[server] io = "shim"`, the frame I/O thread
 * answers a find by `_id` on a namespace registered here, and `ping` on admin, itself
 * (ffi/wiredtiger/shim/io_fast.c) — no JS wake-up for the commonest read, and it runs on the second
 * core. This module is the command layer's side of it:
 *
 * - `offer`: find.ts served an `_id` point on a collection through its plain IDHACK read (binary key, no
 *   collation, not clustered, the committed catalog's entry): later ones there may be answered there.
 * - `publish` (after every command, and on a timer): what may be answered now — nothing with a fail
 *   point set, the profiler on, slowms ≤ 1 or the server stopping; no find under memory pressure; no
 *   request naming a session while new sessions could pass maxSessions; with authentication on, a find
 *   only for a connection granted its namespace (below) — and
 *   the cluster time replies carry (published only after commands, so a reply never names a time whose
 *   write is not yet visible).
 * - `drain` (before every command, and on the timer): what each answered request would have recorded
 *   had dispatch run it — opcounters, `top`, latency, documents returned, the `_id_` index's use, the
 *   session's last use, network bytes. The I/O thread stops answering when its log is full, so this is
 *   never further behind than that log.
 * - `catalogChanging`: before any catalog change commits, registrations are dropped (the I/O thread lets
 *   go of every table under the lock its reads hold), and every grant with them.
 * - With authentication on, `offer` also grants the connection that namespace (dispatch has just checked
 *   its users' privileges); a login or logout on it revokes its grants (`usersChanged`), any change of
 *   users or roles every connection's (`rolesChanged`, inside the write, before it commits). Ping needs
 *   no privilege (as mongod's).
 *
 * Updates (ffi/wiredtiger/shim/io_fast_write.c): `offerUpdate` registers a collection update.ts served
 * an update by `_id` on (outside a transaction) when updatable_collection.ts allows it, with the fields
 * its indexes read (never updated there) but those of indexes of scalar top-level fields (ascending or
 * descending, single-field or compound) whose entries the I/O thread moves itself (`updateIndexes`), and
 * its oplog entries' prefix; `publish` lets them be
 * answered only with the oplog on, sync_on_commit off, and nobody waiting for the
 * oplog's next entry (an awaitData cursor is woken by the drain, which would come late: a wait turns
 * them off at once); `drain` records each as dispatch and the oplog writer would have (opcounters,
 * top, latency, documents updated, the `_id_` index's use, the session's last use, the oplog's count
 * and its waiters, the clock). The cluster clock is shared with the I/O thread while attached
 * (oplog/cluster_clock.ts `share`). Deletes by `_id` likewise (io_fast_delete.c: `offerDelete`, on a
 * collection whose every secondary index is one the I/O thread keys, updatable_collection.ts's
 * `insertIndexes`; the drain also changes the collection's count), and inserts of one document
 * (io_fast_insert.c: `offerInsert`, the same collections, and their duplicate key errors, io_fast_dup.c; the collection's record ids then come from a
 * counter in the I/O thread's memory that the engine's RecordBook shares, taken back before the
 * registrations are dropped; with a text index there, each document the command layer inserts itself
 * teaches the I/O thread its words and their terms, `#teach`, io_fast_text.c). Retryable ones: dispatch hands a session over (`sessionWritten`) after its own
 * retryable update, delete or insert, and takes it back (`sessionWriting`) for any command of it with a
 * txnNumber. With authentication on, each offer also grants the connection that kind of write there (an
 * update, a delete, an insert: grants per action, revoked as a find's are); a write asking to bypass
 * document validation is always the command layer's (it needs a privilege of its own).
 *
 * findAndModify by `_id` (io_fast_fam.c) rides on those registrations: its update form where updates
 * are made, its remove form where deletes are, never with authentication on; its reply and row templates
 * hold an empty `value` the document replaces there, and a retry of one is answered from its row
 * (retryable_writes.ts `servedElsewhereInRow`).
 *
 * Replies are built there from templates made here by the same encoders dispatch uses, so their bytes
 * are dispatch's. What such a request does not do that dispatch would: appear in currentOp, take an op
 * id, reach the slow-query log (it would take ≥ slowms on the I/O thread).
 */
import { Binary, BSON, Long, Timestamp } from "bson";
import { commitTimestamp } from "../oplog/cluster_clock.ts";
import { encodeRow } from "../sessions/retryable_writes.ts";
import { type Lsid, lsidKey } from "../sessions/lsid.ts";
import type { CollectionEntry, NativeReads } from "../storage/api.ts";
import type { ClientState, PointReadHooks, ServerContext } from "./context.ts";
import { countCommand } from "./op_counters.ts";
import { appendClusterTime, encodeWithClusterTime } from "./cluster_time_raw.ts";
import { encodeCursorReply } from "../bson/raw_reply.ts";
import { recordIndexAccess } from "../executor/index_usage.ts";
import { isClustered } from "../executor/clustered.ts";
import type { AccessPath } from "../planner/plan.ts";
import { type FindPlanParts, indexedFindShape } from "./indexed_find_shape.ts";
import { insertIndexes, updateIndexes } from "./updatable_collection.ts";
import { decodeFields } from "../bson/partial_decode.ts";
import type { Document as Doc } from "../bson/document.ts";
import { textLanguage } from "../keys/text_language.ts";
import { wordTerms } from "../keys/text_tokenize.ts";
import { opPrefixes } from "../oplog/entry.ts";

/**
 * One answered request from the I/O thread's log (the lsid bytes are valid only during the call);
 * `index`, `docs`, `keys`: an indexed find's field registration, documents returned, entries read.
 */
export type ServedFn = (
  kind: number,
  slot: number,
  micros: number,
  bytesIn: number,
  bytesOut: number,
  lsid: Uint8Array | undefined,
  index: number,
  docs: number,
  keys: number,
  txnNumber: bigint | undefined,
) => void;

/** A secondary index the I/O thread's inserts and deletes keep (ffi/io/fast.ts's). */
export interface SecondaryIndex {
  readonly field: string;
  readonly uri: string;
  /**
   * Its entries: the field's scalar key (`{f: 1}`), a GeoJSON point's cell (`{f: "2dsphere"}`), or the
   * terms of a text index weighting only f (`text`: its weight and language override field).
   */
  readonly kind?: "ascending" | "2dsphere" | "text" | "keys";
  readonly text?: { readonly weight: number; readonly languageOverride: string };
}

/** The I/O thread's side as seen from here (ffi/io/fast.ts's FastReads). */
export interface OffThreadReads {
  flags(bits: number): void;
  time(t: bigint): void;
  template(which: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, bytes: Uint8Array, at: readonly number[]): void;
  register(ns: string, recordUri: string, idIndexUri: string): number;
  registerField(slot: number, field: string, uri: string, unique: boolean, shapes: number): number;
  registerWrites(
    slot: number,
    prefix: Uint8Array,
    unsafe: readonly string[],
    kept: readonly SecondaryIndex[],
  ): boolean;
  registerDeletes(slot: number, prefix: Uint8Array, indexes: readonly SecondaryIndex[]): boolean;
  registerInserts(slot: number, prefix: Uint8Array, indexes: readonly SecondaryIndex[]): boolean;
  textWords(slot: number, words: readonly (readonly [string, string | null])[]): boolean;
  ridCells(): BigInt64Array | undefined;
  oplog(uri: string, issued: bigint): boolean;
  retryTable(uri: string): boolean;
  session(lsid: Uint8Array, last: bigint): void;
  forget(lsid: Uint8Array): void;
  clear(): void;
  hold(uri: string, held: boolean): void;
  grant(ioId: number, slot: number, action?: number): void;
  revoke(ioId: number): void;
  pending(): number;
  take(fn: ServedFn): number;
}

/** A namespace the I/O thread answers finds on, and the single-field indexes it walks there. */
interface Registration {
  readonly ns: string;
  readonly coll: CollectionEntry;
  readonly slot: number;
  /** field → its number there and the shapes registered; number → the index's name (bookkeeping). */
  readonly fields: Map<string, { readonly n: number; shapes: number }>;
  readonly indexNames: string[];
  /** Updates by `_id` are answered there too. */
  writes: boolean;
  /** Deletes by `_id` too. */
  deletes: boolean;
  /** Inserts of one document too (the collection's record ids then come from the shared counter). */
  inserts: boolean;
  /**
   * With inserts or deletes there and a text index: its field, language and the words the I/O thread
   * has been taught since the index was registered (each registration starts it again).
   */
  text?: { readonly field: string; readonly language: string; readonly taught: Set<string> } | undefined;
}

/** Words a registration remembers having taught (then it starts again: the I/O thread keeps them). */
const TAUGHT_MAX = 100_000;

const FIND = 1;
const PING = 2;
const LSID = 4;
const AUTH = 8;
const UPDATE = 16;
const DELETE = 32;
const INSERT = 64;
/** What a grant lets a connection do (ffi/io/fast.ts FastGrant). */
const GRANT_FIND = 0;
const GRANT_UPDATE = 1;
const GRANT_DELETE = 2;
const GRANT_INSERT = 3;
const FIND_HIT = 1;
const KIND_PING = 3;
const FIND_INDEXED = 4;
const KIND_UPDATE = 5;
const KIND_DELETE = 6;
const KIND_INSERT = 7;
const KIND_INSERT_REFUSED = 8;
const KIND_FAM_UPDATE = 9;
const KIND_FAM_DELETE = 10;
/** `op: "u", ns, ui` of a collection's update entries (oplog/update_entry.ts's). */
const updatePrefix = opPrefixes("u");
/** `op: "d", ns, ui` of its delete entries (oplog/delete_entry.ts's). */
const deletePrefix = opPrefixes("d");
/** `op: "i", ns, ui` of its insert entries (oplog/insert_entry.ts's). */
const insertPrefix = opPrefixes("i");
/** The I/O thread's log (io_fast.c FAST_LOG_CAP): sessions it may name before the next drain. */
const LOG_CAP = 4096;

/** A timestamp whose bytes are found again in an encoded template (increment, seconds). */
const MARK = new Timestamp({ t: 0x7eadbeef, i: 0x5ec1a7e5 });

/** Offsets of MARK's 8 bytes in `b` (`low`, `high`: another mark's halves). */
function markOffsets(b: Uint8Array, low = MARK.low >>> 0, high = MARK.high >>> 0): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const at: number[] = [];
  for (let p = 0; p + 8 <= b.length; p++) {
    if (v.getUint32(p, true) === low && v.getUint32(p + 4, true) === high) at.push(p);
  }
  return at;
}

/** The reply of an update of one document, as update.ts predicts it (the retryable row's reply). */
const UPDATED = { n: 1, nModified: 1, ok: 1 } as const;
/** The reply of a delete of one document, as delete.ts predicts it. */
const DELETED = { n: 1, ok: 1 } as const;
/**
 * findAndModify's replies of one document updated or removed (find_and_modify.ts's), with an empty
 * `value` the I/O thread replaces with the document (io_fast_fam.c).
 */
const FAM_UPDATED = { lastErrorObject: { n: 1, updatedExisting: true }, value: {}, ok: 1 } as const;
const FAM_REMOVED = { lastErrorObject: { n: 1 }, value: {}, ok: 1 } as const;
/** A lastUse (ms) whose bytes are found again in the row template. */
const ROW_MS = 0x7ead_5ec1a7e6;

export class PointReads implements PointReadHooks {
  readonly #server: ServerContext;
  readonly #io: OffThreadReads;
  readonly #native: NativeReads;
  readonly #standalone: boolean;
  /** Registrations: namespace → the entry it was made for and its slot; slot → the same record. */
  readonly #byNs = new Map<string, Registration>();
  readonly #slots = new Map<number, Registration>();
  #secs = -1;
  #inc = -1;
  /** Updates may be registered (`enableWrites`). */
  #writable = false;
  /** Retryable updates too (the rows' table and template given). */
  #retryable = false;
  /** Whether the storage engine's write hooks are those there were when updates were enabled. */
  #hooksAsAttached: () => boolean = () => false;
  /** Drained updates' count and newest oplog time (seconds, increment), for the oplog service. */
  #updates = 0;
  /** Served requests drained so far (`served`). */
  #served = 0;
  #newestSecs = 0;
  #newestInc = 0;
  /** The record id counters shared with the I/O thread's inserts (its memory), once asked for. */
  #cells: BigInt64Array | undefined;
  /** Sessions touched in the current drain (one touch each). */
  readonly #touched = new Set<string>();

  constructor(server: ServerContext, io: OffThreadReads, native: NativeReads) {
    this.#server = server;
    this.#io = io;
    this.#native = native;
    this.#standalone = server.info.standalone;
    const ping = this.#standalone ? BSON.serialize({ ok: 1 }) : encodeWithClusterTime({ ok: 1 }, MARK);
    io.template(0, ping, markOffsets(ping));
    // the elements a find reply has after its `cursor` (ok, then the cluster time's)
    const raw = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs: [] });
    const full = this.#standalone ? raw : appendClusterTime(raw.slice(), MARK);
    const cursorLen = new DataView(full.buffer, full.byteOffset).getInt32(4 + 8, true);
    const tail = full.slice(4 + 8 + cursorLen, full.length - 1);
    io.template(1, tail, markOffsets(tail));
    if (this.#standalone) io.time(1n); // (no time in the replies; any non-zero value lets them go)
    else {
      const updated = encodeWithClusterTime({ ...UPDATED }, MARK);
      io.template(2, updated, markOffsets(updated));
      const deleted = encodeWithClusterTime({ ...DELETED }, MARK);
      io.template(4, deleted, markOffsets(deleted));
      for (const [which, reply] of [[6, FAM_UPDATED], [8, FAM_REMOVED]] as const) {
        const bytes = encodeWithClusterTime(structuredClone(reply), MARK);
        io.template(which, bytes, markOffsets(bytes));
      }
    }
    this.publish();
  }

  /**
   * Updates may be answered there from now on (the oplog's table given, the clock shared): only with
   * the oplog on and sync_on_commit off (each commit there writes the log as a JS write does).
   */
  enableWrites(oplogUri: string, hooksAsAttached: () => boolean, retryUri?: string): boolean {
    const s = this.#server;
    if (this.#standalone || s.oplog === undefined || s.syncOnCommit) return false;
    this.#hooksAsAttached = hooksAsAttached;
    this.#writable = this.#io.oplog(oplogUri, commitTimestamp(s.clusterClock.latest()));
    if (this.#writable && retryUri !== undefined && this.#io.retryTable(retryUri)) {
      // a retryable update's row: encodeRow's bytes with its txnNumber and lastUse written there
      let both = true;
      const rows = [[3, UPDATED], [5, DELETED], [7, FAM_UPDATED], [9, FAM_REMOVED]] as const;
      for (const [which, reply] of rows) {
        const row = encodeRow(Long.fromBits(MARK.low, MARK.high), reply, ROW_MS);
        const txn = markOffsets(row);
        const ms = markOffsets(row, ROW_MS % 2 ** 32, Math.floor(ROW_MS / 2 ** 32));
        if (txn.length === 1 && ms.length === 1) this.#io.template(which, row, [txn[0]!, ms[0]!]);
        else both = false;
      }
      this.#retryable = both;
    }
    this.publish();
    return this.#writable;
  }

  /** A command with a txnNumber of session `lsid` runs here: its writes are JS's until `sessionWritten`. */
  sessionWriting(lsid: Lsid): void {
    if (this.#retryable && lsid.uid === undefined) this.#io.forget(lsid.id.buffer);
  }

  /**
   * Retryable update `txnNumber` of session `lsid` (key `key`) ran here and its row is stored: the
   * session's next ones may be made by the I/O thread.
   */
  sessionWritten(lsid: Lsid, key: string, txnNumber: bigint): void {
    if (!this.#retryable || lsid.uid !== undefined || lsid.id.buffer.length !== 16) return;
    if (this.#server.retryableWrites.storedOf(key) === txnNumber) this.#io.session(lsid.id.buffer, txnNumber);
  }

  /**
   * A write hook came or went: no update is made there until the hooks are as they were (a hook must
   * see every write: a capped copy's), and none is in flight once this returns (clearing waits for it).
   */
  writeHooksChanged(): void {
    this.quiesceWrites();
  }

  quiesceWrites(): void {
    if (!this.#writable) return;
    this.publish();
    this.catalogChanging();
  }

  offer(ns: string, coll: CollectionEntry, client: ClientState): void {
    const r = this.#registration(ns, coll);
    if (r !== undefined) this.#grant(r.slot, client);
  }

  /**
   * find planned `parts` on `coll` as `access`: when the I/O thread reproduces that plan (a single-field
   * index, indexed_find_shape.ts), later finds of the same shape on that field may be answered there.
   */
  offerIndexed(
    ns: string,
    coll: CollectionEntry,
    client: ClientState,
    parts: FindPlanParts,
    access: AccessPath,
  ): void {
    if (access.kind !== "ixScan") return;
    const found = indexedFindShape(parts, coll, access);
    if (found === undefined) return;
    const r = this.#registration(ns, coll);
    if (r === undefined) return;
    const known = r.fields.get(found.field);
    if (known === undefined || (known.shapes & found.shape) === 0) {
      const uri = this.#native.indexTable(coll, found.index.name);
      if (uri === undefined) return;
      const n = this.#io.registerField(r.slot, found.field, uri, found.index.unique, found.shape);
      if (n < 0) return;
      if (known === undefined) r.fields.set(found.field, { n, shapes: found.shape });
      else known.shapes |= found.shape;
      r.indexNames[n] = found.index.name;
    }
    this.#grant(r.slot, client);
  }

  offerUpdate(ns: string, coll: CollectionEntry, client: ClientState): void {
    const known = this.#byNs.get(ns);
    if (known?.coll === coll && known.writes) return this.#grant(known.slot, client, GRANT_UPDATE);
    if (!this.#mayWrite()) return;
    const ix = updateIndexes(coll);
    if (ix === undefined) return;
    const r = this.#registration(ns, coll);
    if (r === undefined) return;
    // (the indexes whose entries the I/O thread moves; the fields of one without a table are unsafe, and
    // so is every index reading one of them)
    const unsafe = [...ix.unsafe];
    const kept: (SecondaryIndex & { fields: readonly string[] })[] = [];
    for (const k of ix.kept) {
      const uri = this.#native.indexTable(coll, k.name);
      if (uri === undefined) unsafe.push(...k.fields);
      else kept.push({ field: k.field, uri, fields: k.fields });
    }
    r.writes = this.#io.registerWrites(
      r.slot,
      updatePrefix(coll),
      unsafe,
      kept.filter((k) => !k.fields.some((f) => unsafe.includes(f))).map(({ field, uri }) => ({ field, uri })),
    );
    if (r.writes) this.#grant(r.slot, client, GRANT_UPDATE);
  }

  /** Writes may be registered now (enabled, not under fsyncLock, the write hooks as they were). */
  #mayWrite(): boolean {
    return this.#writable && this.#server.fsyncLock.count === 0 && this.#hooksAsAttached();
  }

  offerDelete(ns: string, coll: CollectionEntry, client: ClientState): void {
    const known = this.#byNs.get(ns);
    if (known?.coll === coll && known.deletes) return this.#grant(known.slot, client, GRANT_DELETE);
    if (!this.#mayWrite()) return;
    // (every secondary index one the I/O thread removes the entry of)
    const indexes = this.#secondaryIndexes(coll);
    if (indexes === undefined) return;
    const r = this.#registration(ns, coll);
    if (r === undefined) return;
    r.deletes = this.#io.registerDeletes(r.slot, deletePrefix(coll), indexes);
    r.text = textOf(coll);
    if (r.deletes) this.#grant(r.slot, client, GRANT_DELETE);
  }

  /**
   * insert.ts stored one document on `coll` itself, outside a transaction: later ones there may be made
   * by the I/O thread when updatable_collection.ts's `insertIndexes` allows it; the collection's record
   * ids come from the counter shared with it from then on (until the registrations are dropped).
   */
  offerInsert(ns: string, coll: CollectionEntry, client: ClientState, doc?: Doc | Uint8Array): void {
    const known = this.#byNs.get(ns);
    if (known?.coll === coll && known.inserts) {
      if (known.text !== undefined && doc !== undefined) this.#teach(known, doc);
      return this.#grant(known.slot, client, GRANT_INSERT);
    }
    if (!this.#mayWrite()) return;
    const indexes = this.#secondaryIndexes(coll);
    if (indexes === undefined) return;
    const cells = this.#cells ??= this.#io.ridCells();
    if (cells === undefined) return;
    const r = this.#registration(ns, coll);
    if (r === undefined) return;
    const slot = r.slot;
    this.#native.shareRecordIds(coll, (last) => {
      Atomics.store(cells, slot, last);
      return { take: () => Atomics.add(cells, slot, 1n) + 1n, last: () => Atomics.load(cells, slot) };
    });
    r.inserts = this.#io.registerInserts(slot, insertPrefix(coll), indexes);
    r.text = textOf(coll);
    if (r.text !== undefined && doc !== undefined) this.#teach(r, doc);
    if (r.inserts) this.#grant(slot, client, GRANT_INSERT);
    else this.#native.unshareRecordIds(coll);
  }

  /**
   * The I/O thread learns the words of `doc`'s text (stored by the command layer) with their terms, so
   * that later documents of known words are indexed there (io_fast_text.c).
   */
  #teach(r: Registration, doc: Doc | Uint8Array): void {
    const t = r.text!;
    const value = doc instanceof Uint8Array ? decodeFields(doc, new Set([t.field]))[t.field] : doc[t.field];
    if (typeof value !== "string") return;
    let lang;
    try {
      lang = textLanguage(t.language) ?? textLanguage("none")!;
    } catch {
      return; // (the stemmers not loaded yet)
    }
    const fresh = wordTerms(value, lang).filter(([w]) => !t.taught.has(w));
    if (fresh.length === 0) return;
    if (t.taught.size + fresh.length > TAUGHT_MAX) t.taught.clear();
    if (this.#io.textWords(r.slot, fresh)) { for (const [w] of fresh) t.taught.add(w); }
  }

  /** The secondary indexes of `coll` the I/O thread's writes keep, or undefined when it may not write there. */
  #secondaryIndexes(coll: CollectionEntry): SecondaryIndex[] | undefined {
    const list = insertIndexes(coll);
    if (list === undefined) return undefined;
    const out: SecondaryIndex[] = [];
    for (const ix of list) {
      const uri = this.#native.indexTable(coll, ix.name);
      if (uri === undefined) return undefined;
      out.push({ field: ix.field, uri, kind: ix.kind, ...(ix.text ? { text: ix.text } : {}) });
    }
    return out;
  }

  /**
   * With authentication on, dispatch has just checked this connection's users may make request `action`
   * (GRANT_*: a find, or the write just made) here.
   */
  #grant(slot: number, client: ClientState, action = GRANT_FIND): void {
    if (this.#server.authorizer.enabled && client.ioId !== undefined) {
      this.#io.grant(client.ioId, slot, action);
    }
  }

  /** The registration of `ns` for `coll`, made when it can be; undefined when it cannot. */
  #registration(ns: string, coll: CollectionEntry): Registration | undefined {
    const known = this.#byNs.get(ns);
    if (known?.coll === coll) return known;
    const dot = ns.indexOf(".");
    if (this.#server.storage.catalog.getCollection(ns.slice(0, dot), ns.slice(dot + 1)) !== coll) {
      return undefined;
    }
    const id = coll.indexes.find((i) => i.name === "_id_");
    if (id === undefined || id.spec["collation"] !== undefined || isClustered(coll)) return undefined;
    const t = this.#native.tables(coll);
    if (t === undefined) return undefined;
    const slot = this.#io.register(ns, t.record, t.idIndex);
    if (slot < 0) return undefined;
    const r: Registration = {
      ns,
      coll,
      slot,
      fields: new Map(),
      indexNames: [],
      writes: false,
      deletes: false,
      inserts: false,
    };
    this.#byNs.set(ns, r);
    this.#slots.set(slot, r);
    return r;
  }

  /** A connection's users changed (login, logout): none of its grants hold any more. */
  usersChanged(client: ClientState): void {
    if (client.ioId !== undefined) this.#io.revoke(client.ioId);
  }

  /** Users or roles changed: no connection's grants hold any more. */
  rolesChanged(): void {
    this.#io.revoke(0);
  }

  publish(): void {
    const s = this.#server;
    let bits = 0;
    // (requireApiVersion: every request must reach dispatch, which checks its apiVersion)
    if (
      !s.failPoints.anyOn && !s.profiler.active && s.profiler.slowms > 1 && !s.isShuttingDown() &&
      !s.stableApi.requireApiVersion
    ) {
      bits = s.authorizer.enabled ? PING | AUTH : PING;
      if (!s.heap?.pressured) bits |= FIND;
      if (s.sessions.size + LOG_CAP < s.sessions.maxSessions) bits |= LSID;
      if (
        this.#writable && s.oplog?.awaited === false && s.fsyncLock.count === 0 && this.#hooksAsAttached()
      ) {
        bits |= UPDATE | DELETE | INSERT;
      }
    }
    this.#io.flags(bits);
    if (this.#standalone) return;
    const c = s.clusterClock;
    const secs = c.seconds;
    const inc = c.increment;
    if (secs === this.#secs && inc === this.#inc) return;
    this.#secs = secs;
    this.#inc = inc;
    if (secs !== 0) this.#io.time((BigInt(secs) << 32n) | BigInt(inc));
  }

  /** Requests the I/O thread has answered so far (drained or not): what tells the server is busy there. */
  served(): number {
    return this.#served + this.#io.pending();
  }

  drain(): void {
    if (this.#io.pending() === 0) return;
    this.#served += this.#io.take(this.#apply);
    this.#touched.clear();
    if (this.#updates > 0) {
      const n = this.#updates;
      this.#updates = 0;
      this.#server.oplog?.appendedElsewhere(n, new Timestamp({ t: this.#newestSecs, i: this.#newestInc }));
    }
  }

  /** Before a catalog change commits: the bookkeeping so far, then every registration dropped. */
  catalogChanging(): void {
    this.drain();
    this.#io.clear();
    this.#forgetRegistrations();
  }

  /** The registrations are gone there (no insert in flight): record ids are the engine's own again. */
  #forgetRegistrations(): void {
    for (const r of this.#byNs.values()) if (r.inserts) this.#native.unshareRecordIds(r.coll);
    this.#byNs.clear();
    this.#slots.clear();
  }

  /** Nothing more is answered elsewhere (the server is stopping). */
  stop(): void {
    this.#io.flags(0);
    this.drain();
    this.#io.clear(); // (waits out a request being answered there)
    this.drain();
    this.#forgetRegistrations();
  }

  readonly #apply: ServedFn = (kind, slot, micros, bytesIn, bytesOut, lsid, index, docs, keys, txnNumber) => {
    const s = this.#server;
    const c = s.counters;
    c.network.bytesIn += bytesIn;
    c.network.bytesOut += bytesOut;
    c.network.numRequests++;
    const fam = kind === KIND_FAM_UPDATE || kind === KIND_FAM_DELETE;
    if (fam || kind === KIND_UPDATE || kind === KIND_DELETE || kind === KIND_INSERT) {
      const update = kind === KIND_UPDATE || kind === KIND_FAM_UPDATE;
      const op = update ? "update" : kind === KIND_INSERT ? "insert" : "delete";
      const r = this.#slots.get(slot);
      if (kind !== KIND_INSERT) {
        // an _id point read for the write: one key, one document (as the command layer's write counts them)
        c.queryExecutor.scanned++;
        c.queryExecutor.scannedObjects++;
      }
      if (update) {
        c.ioThread.updates++;
        c.opcounters.update++;
        if (!fam) c.document.updated++; // (a findAndModify's are not counted: profiling.ts countDocuments)
      } else if (kind !== KIND_INSERT) {
        c.ioThread.deletes++;
        c.opcounters.delete++;
        if (!fam) c.document.deleted++;
        if (r !== undefined) this.#native.countChanged(r.coll, -1);
      } else {
        c.ioThread.inserts++;
        c.opcounters.insert++;
        c.document.inserted++;
        if (r !== undefined) this.#native.countChanged(r.coll, 1);
      }
      if (fam) countCommand(c, "findAndModify");
      if (index === 1) c.ioThread.clockWaits++;
      if (r !== undefined) {
        s.top.record(r.ns, fam ? "findAndModify" : op, micros, true);
        if (kind !== KIND_INSERT) recordIndexAccess(r.coll, "_id_");
      }
      c.latency.observe(fam ? "command" : op, micros / 1e6);
      // (docs, keys: the oplog time's increment and seconds; entries come in time order)
      this.#updates++;
      this.#newestSecs = keys;
      this.#newestInc = docs;
      if (txnNumber !== undefined && lsid !== undefined) {
        // a retryable write: its row is stored with the data; the session's state as dispatch leaves it
        // (a findAndModify's row carries its reply, the document with it: a retry reads it from there)
        const key = lsidKey({ id: new Binary(lsid.slice(), 4) });
        if (fam) s.retryableWrites.servedElsewhereInRow(key, txnNumber);
        else s.retryableWrites.servedElsewhere(key, txnNumber, update ? { ...UPDATED } : { ...DELETED });
        try {
          s.transactions.retryableWrite(key, txnNumber);
        } catch { /* (a newer number known here already: nothing to record) */ }
      }
    } else if (kind === KIND_INSERT_REFUSED) {
      // the `_id_` index refused it (io_fast_dup.c): counted as insert.ts counts a write error
      c.ioThread.inserts++;
      c.opcounters.insert++;
      if (index === 1) c.ioThread.clockWaits++;
      const r = this.#slots.get(slot);
      if (r !== undefined) s.top.record(r.ns, "insert", micros, true);
      c.latency.observe("insert", micros / 1e6);
    } else if (kind === KIND_PING) {
      c.ioThread.pings++;
      countCommand(c, "ping");
      s.top.record("admin.$cmd", "ping", micros, false);
      c.latency.observe("command", micros / 1e6);
    } else {
      c.ioThread.finds++;
      countCommand(c, "find");
      const r = this.#slots.get(slot);
      const indexName = kind === FIND_INDEXED ? r?.indexNames[index] : "_id_";
      if (r !== undefined) {
        s.top.record(r.ns, "find", micros, false);
        if (indexName !== undefined) recordIndexAccess(r.coll, indexName);
      }
      if (kind === FIND_INDEXED) {
        c.document.returned += docs;
        c.queryExecutor.scanned += keys;
        c.queryExecutor.scannedObjects += docs;
      } else if (kind === FIND_HIT) {
        c.document.returned++;
        c.queryExecutor.scannedObjects++;
      }
      c.latency.observe("query", micros / 1e6);
    }
    if (lsid !== undefined) {
      const key = String.fromCharCode.apply(null, lsid as unknown as number[]);
      if (this.#touched.has(key)) return;
      this.#touched.add(key);
      s.sessions.touch({ id: new Binary(lsid.slice(), 4) }, false);
    }
  };
}

/** The switches' bits, for tests. */
export const POINT_READ_FLAGS = { FIND, PING, LSID, AUTH, UPDATE, DELETE, INSERT } as const;

/** The text index the I/O thread's writes on `coll` keep (`insertIndexes`'), as a registration holds it. */
function textOf(coll: CollectionEntry): Registration["text"] {
  const t = insertIndexes(coll)?.find((i) => i.kind === "text");
  return t?.text === undefined ? undefined : { field: t.field, language: t.text.language, taught: new Set() };
}
