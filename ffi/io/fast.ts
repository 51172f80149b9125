/**
 * ffi/io/fast.ts: the typed binding to the requests the frame I/O thread answers itself
 * (`ffi/wiredtiger/shim/io_fast.c`: a find by `_id` on a registered namespace, `ping`, finds over a
 * registered single-field index, `io_fast_index.c`, updates by `_id`, `io_fast_write.c`, deletes by `_id`,
 * `io_fast_delete.c`, and inserts of one document, `io_fast_insert.c`), made by
 * {@link FrameLoop.attachFastReads} and valid until that loop stops (every call is a no-op after).
 *
 * Owns: the switches (what may be served), the cluster time and reply templates replies carry, the
 * namespace registrations, the log of served requests this side drains (`take`), one record each, the
 * cluster clock shared with the I/O thread's writes (`clockLock`/`clockUnlock`) and the record id
 * counters shared with its inserts (`ridCells`).
 */
import { shim } from "../wiredtiger/load.ts";

/** What the I/O thread may answer (io_fast.c FAST_*). */
export const FastFlag = { FIND: 1, PING: 2, LSID: 4, AUTH: 8, UPDATE: 16, DELETE: 32, INSERT: 64 } as const;

/** What a grant lets a connection do on a registration with authentication on (io_fast.h GRANT_*). */
export const FastGrant = { FIND: 0, UPDATE: 1, DELETE: 2, INSERT: 3 } as const;

/** Kinds of served requests in the log. */
export const FastKind = {
  FIND_HIT: 1,
  FIND_MISS: 2,
  PING: 3,
  FIND_INDEXED: 4,
  UPDATE: 5,
  DELETE: 6,
  INSERT: 7,
  /** An insert the `_id_` index refused, answered with its E11000 write error (io_fast_dup.c). */
  INSERT_REFUSED: 8,
  /** A findAndModify's update by `_id`, and its remove (io_fast_fam.c); `docs`, `keys` as UPDATE's. */
  FAM_UPDATE: 9,
  FAM_DELETE: 10,
} as const;

/** Which reply template (`FastReads.template`). */
export type FastTemplate = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Shapes of a find over a registered single-field index (io_fast.h SHAPE_*). */
export const FastShape = { EQ: 1, EQ_SORTED: 2, RANGE: 4, RANGE_SORTED: 8, IN: 16, IN_SORTED: 32 } as const;

/**
 * Log records: u32 kind, slot, index, micros, bytesIn, bytesOut, hasLsid, docs, keys, the lsid's 16
 * bytes, u32 retryable, i64 txnNumber (io_fast.h struct fast_entry).
 */
const ENTRY = 64;
/** Registration slots (io_fast.h FAST_COLLS): one record id counter each. */
const RID_CELLS = 1024;
const TAKE_MAX = 1024;

/**
 * One served request, as `take` hands it over (the lsid view is valid only during the callback); `index`,
 * `docs` and `keys` are an indexed find's field registration, documents returned and entries read (an
 * update's `docs` and `keys`: its oplog time's increment and seconds; `txnNumber`: a retryable update's;
 * a write's `index`: 1 when it first waited for the command layer to let go of the cluster clock).
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

const enc = new TextEncoder();

/** A secondary index the I/O thread's inserts and deletes keep: its top-level field and table. */
export interface SecondaryIndex {
  readonly field: string;
  readonly uri: string;
  /**
   * Its entries: the field's scalar key (`{f: 1}`), a GeoJSON point's cell (`{f: "2dsphere"}`), or the
   * terms of a text index weighting only f (`text`: its weight and language override field), or a
   * descending or compound index of scalar top-level fields (`keys`: `field` names them as
   * updatable_collection.ts keyPatternName does).
   */
  readonly kind?: "ascending" | "2dsphere" | "text" | "keys";
  readonly text?: { readonly weight: number; readonly languageOverride: string };
}

/** io_fast.h WIX_* of each kind. */
const WIX_KIND = { ascending: 0, "2dsphere": 1, text: 2, keys: 3 } as const;

export class FastReads {
  #ptr: Deno.PointerValue;
  readonly #buf = new Uint8Array(ENTRY * TAKE_MAX);
  readonly #view = new DataView(this.#buf.buffer);
  #flags = -1;
  #time = -1n;
  /** The other loops' fast paths (sharing this one's clock and record id counters): told everything alike. */
  readonly #more: FastReads[] = [];

  /** Tell `other` (a loop of its own, its clock shared with this one's: FrameLoop.shareFast) everything from now on. */
  join(other: FastReads): void {
    this.#more.push(other);
  }

  /** @internal FrameLoop.attachFastReads makes it once the shim opened the fast path's session. */
  constructor(ptr: Deno.PointerValue) {
    this.#ptr = ptr;
  }

  get attached(): boolean {
    return this.#ptr !== null;
  }

  /** What may be served ({@link FastFlag} bits; 0: nothing). A no-op when unchanged. */
  flags(bits: number): void {
    if (bits === this.#flags || this.#ptr === null) return;
    this.#flags = bits;
    shim().sct_fast_flags(this.#ptr, bits);
    for (const m of this.#more) m.flags(bits);
  }

  /** The cluster time replies carry (seconds << 32 | increment). A no-op when unchanged. */
  time(t: bigint): void {
    if (t === this.#time || this.#ptr === null) return;
    this.#time = t;
    shim().sct_fast_time(this.#ptr, t);
    for (const m of this.#more) m.time(t);
  }

  /**
   * A reply template: `which` 0 = ping's whole reply document, 1 = the elements a find reply has after
   * `cursor`, 2 = an update's whole reply of one document updated, 3 = a retryable update's row
   * (`at`: its txnNumber, then lastUse), 4 = a delete's whole reply of one document deleted, 5 = a
   * retryable delete's row (as 3), 6 = a findAndModify's whole reply of one document updated with
   * `value: {}` (the document goes there), 7 = its retryable row (as 3, `reply.value: {}`), 8 and 9 the
   * same of one removed; `at`: byte offsets of the 8-byte cluster timestamps in it.
   */
  template(which: FastTemplate, bytes: Uint8Array, at: readonly number[]): void {
    if (this.#ptr === null) return;
    const rc = shim().sct_fast_template(
      this.#ptr,
      which,
      bytes,
      bytes.length,
      new Uint32Array(at),
      at.length,
    );
    if (rc !== 0) throw new Error(`fast reads: template refused (errno ${rc})`);
    for (const m of this.#more) m.template(which, bytes, at);
  }

  /** Serve finds by `_id` on `ns` from these tables; the registration's slot, or -1 (none made). */
  register(ns: string, recordUri: string, idIndexUri: string): number {
    if (this.#ptr === null) return -1;
    const slot = shim().sct_fast_register(
      this.#ptr,
      enc.encode(ns + "\0"),
      enc.encode(recordUri + "\0"),
      enc.encode(idIndexUri + "\0"),
    );
    for (const m of this.#more) same(slot, m.register(ns, recordUri, idIndexUri));
    return slot;
  }

  /**
   * Serve finds of `shapes` ({@link FastShape} bits, added to those registered before) on top-level
   * field `field` of registration `slot` from its ascending single-field index table; the field's
   * number, or -1 (none made).
   */
  registerField(slot: number, field: string, uri: string, unique: boolean, shapes: number): number {
    if (this.#ptr === null) return -1;
    const n = shim().sct_fast_register_field(
      this.#ptr,
      slot,
      enc.encode(field + "\0"),
      enc.encode(uri + "\0"),
      unique ? 1 : 0,
      shapes,
    );
    for (const m of this.#more) same(n, m.registerField(slot, field, uri, unique, shapes));
    return n;
  }

  /**
   * Serve updates by `_id` on registration `slot`: `prefix` = its oplog entries' `op: "u", ns, ui`
   * elements, `unsafe` = the top-level fields an index of it reads (never updated there), `kept` = the
   * ascending single-field indexes whose fields they may change (the entries moved there).
   */
  registerWrites(
    slot: number,
    prefix: Uint8Array,
    unsafe: readonly string[],
    kept: readonly SecondaryIndex[] = [],
  ): boolean {
    if (this.#ptr === null) return false;
    const names = enc.encode(unsafe.map((n) => n + "\0").join(""));
    const keptNames = enc.encode(kept.map((i) => i.field + "\0").join(""));
    const keptUris = enc.encode(kept.map((i) => i.uri + "\0").join(""));
    const ok = shim().sct_fast_register_writes(
      this.#ptr,
      slot,
      prefix,
      prefix.length,
      names,
      names.length,
      keptNames,
      keptNames.length,
      keptUris,
      keptUris.length,
      kept.length,
    ) === 0;
    for (const m of this.#more) same(ok, m.registerWrites(slot, prefix, unsafe, kept));
    return ok;
  }

  /**
   * Serve inserts of one document on registration `slot`: `prefix` = `op: "i", ns, ui`, `indexes` = every
   * secondary index of the collection (its top-level field and table), each kept there. The slot's
   * record id counter (`ridCells`) must hold the collection's last record id first.
   */
  registerInserts(slot: number, prefix: Uint8Array, indexes: readonly SecondaryIndex[]): boolean {
    return this.#registerWrites("sct_fast_register_inserts", slot, prefix, indexes);
  }

  /**
   * Serve deletes by `_id` on registration `slot`: `prefix` = `op: "d", ns, ui`, `indexes` = every secondary
   * index of the collection (their entries removed there).
   */
  registerDeletes(slot: number, prefix: Uint8Array, indexes: readonly SecondaryIndex[]): boolean {
    return this.#registerWrites("sct_fast_register_deletes", slot, prefix, indexes);
  }

  #registerWrites(
    fn: "sct_fast_register_inserts" | "sct_fast_register_deletes",
    slot: number,
    prefix: Uint8Array,
    indexes: readonly SecondaryIndex[],
  ): boolean {
    if (this.#ptr === null) return false;
    const names = enc.encode(indexes.map((i) => i.field + "\0").join(""));
    const uris = enc.encode(indexes.map((i) => i.uri + "\0").join(""));
    const text = indexes.find((i) => i.kind === "text")?.text;
    const ok = shim()[fn](
      this.#ptr,
      slot,
      prefix,
      prefix.length,
      names,
      names.length,
      uris,
      uris.length,
      indexes.length,
      Uint8Array.from(indexes, (i) => WIX_KIND[i.kind ?? "ascending"]),
      text?.weight ?? 0,
      enc.encode((text?.languageOverride ?? "") + "\0"),
    ) === 0;
    for (const m of this.#more) same(ok, m.#registerWrites(fn, slot, prefix, indexes));
    return ok;
  }

  /**
   * Teaches the text index registered on `slot` words and their terms (null: a stop word), as the
   * command layer's tokenizer made them for the index's language: its inserts and deletes of documents
   * whose words it knows are made there (io_fast_text.c).
   */
  textWords(slot: number, words: readonly (readonly [string, string | null])[]): boolean {
    if (this.#ptr === null || words.length === 0) return false;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (const [w, t] of words) {
      const wb = enc.encode(w);
      const tb = t === null ? undefined : enc.encode(t);
      if (wb.length > 0xfff0 || (tb !== undefined && tb.length > 0xfff0)) continue;
      const head = new Uint8Array(2 + wb.length + 2 + (tb?.length ?? 0));
      head[0] = wb.length & 0xff;
      head[1] = wb.length >> 8;
      head.set(wb, 2);
      const tl = tb === undefined ? 0xffff : tb.length;
      head[2 + wb.length] = tl & 0xff;
      head[3 + wb.length] = tl >> 8;
      if (tb !== undefined) head.set(tb, 4 + wb.length);
      parts.push(head);
      total += head.length;
    }
    const buf = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      buf.set(p, at);
      at += p.length;
    }
    const ok = shim().sct_fast_text_words(this.#ptr, slot, buf, buf.length) === 0;
    for (const m of this.#more) same(ok, m.textWords(slot, words));
    return ok;
  }

  /**
   * The record id counters the I/O thread's inserts take ids from, one per registration slot (C memory:
   * read and advanced with Atomics only), valid until the loop stops; undefined when detached.
   */
  ridCells(): BigInt64Array | undefined {
    if (this.#ptr === null) return undefined;
    const p = shim().sct_fast_rid_cells(this.#ptr);
    if (p === null) return undefined;
    return new BigInt64Array(Deno.UnsafePointerView.getArrayBuffer(p, 8 * RID_CELLS));
  }

  /** The oplog's entries table, and the newest time JS's clock issued before it shares the clock. */
  oplog(uri: string, issued: bigint): boolean {
    if (this.#ptr === null) return false;
    const ok = shim().sct_fast_oplog(this.#ptr, enc.encode(uri + "\0"), issued) === 0;
    for (const m of this.#more) same(ok, m.oplog(uri, issued));
    return ok;
  }

  /** The table of retryable writes' rows (a retryable update made there writes its row). */
  retryTable(uri: string): boolean {
    if (this.#ptr === null) return false;
    const ok = shim().sct_fast_retry_table(this.#ptr, enc.encode(uri + "\0")) === 0;
    for (const m of this.#more) same(ok, m.retryTable(uri));
    return ok;
  }

  /** Session `lsid` (its id's 16 bytes) may have retryable updates made there; `last`: its newest write. */
  session(lsid: Uint8Array, last: bigint): void {
    if (this.#ptr !== null) shim().sct_fast_session(this.#ptr, lsid, last);
    for (const m of this.#more) m.session(lsid, last);
  }

  /** Session `lsid`'s writes are JS's again; none of its is being made there once this returns. */
  forget(lsid: Uint8Array): void {
    if (this.#ptr !== null) shim().sct_fast_forget(this.#ptr, lsid);
    for (const m of this.#more) m.forget(lsid);
  }

  /** Takes the shared clock (JS's first tick in a turn); the newest time issued (0n once detached). */
  clockLock(): bigint {
    return this.#ptr === null ? 0n : shim().sct_fast_clock_lock(this.#ptr);
  }

  /** Lets the shared clock go with `issued`, the newest time JS issued meanwhile. */
  clockUnlock(issued: bigint): void {
    if (this.#ptr !== null) shim().sct_fast_clock_unlock(this.#ptr, issued);
  }

  /** Forget every registration (their cursors closed, under the lock a read holds). */
  clear(): void {
    if (this.#ptr !== null) shim().sct_fast_clear(this.#ptr);
    for (const m of this.#more) m.clear();
  }

  /** Let go of table `uri` while its pages are discarded (`held`), or use it again. */
  hold(uri: string, held: boolean): void {
    if (this.#ptr !== null) shim().sct_fast_hold(this.#ptr, enc.encode(uri + "\0"), held ? 1 : 0);
    for (const m of this.#more) m.hold(uri, held);
  }

  /**
   * With authentication on: connection `id`'s users may make request `action` ({@link FastGrant}) on
   * registration `slot` (JS checked).
   */
  grant(id: number, slot: number, action: number = FastGrant.FIND): void {
    if (this.#ptr !== null) shim().sct_fast_grant(this.#ptr, id, slot, action);
    for (const m of this.#more) m.grant(id, slot, action); // (a loop that has no connection `id` ignores it)
  }

  /** Connection `id`'s grants no longer hold (its users changed); 0: every connection's. */
  revoke(id: number): void {
    if (this.#ptr !== null) shim().sct_fast_revoke(this.#ptr, id);
    for (const m of this.#more) m.revoke(id);
  }

  /** Served requests not yet taken. */
  pending(): number {
    let n = this.#ptr === null ? 0 : shim().sct_fast_pending(this.#ptr);
    for (const m of this.#more) n += m.pending();
    return n;
  }

  /** Hands every served request not yet taken to `fn`, oldest first; returns how many. */
  take(fn: ServedFn): number {
    let total = 0;
    while (this.#ptr !== null) {
      const n = shim().sct_fast_take(this.#ptr, this.#buf, TAKE_MAX);
      const v = this.#view;
      for (let i = 0; i < n; i++) {
        const at = i * ENTRY;
        fn(
          v.getUint32(at, true),
          v.getUint32(at + 4, true),
          v.getUint32(at + 12, true),
          v.getUint32(at + 16, true),
          v.getUint32(at + 20, true),
          v.getUint32(at + 24, true) !== 0 ? this.#buf.subarray(at + 36, at + 52) : undefined,
          v.getUint32(at + 8, true),
          v.getUint32(at + 28, true),
          v.getUint32(at + 32, true),
          v.getUint32(at + 52, true) !== 0 ? v.getBigInt64(at + 56, true) : undefined,
        );
      }
      total += n;
      if (n < TAKE_MAX) break;
    }
    for (const m of this.#more) total += m.take(fn);
    return total;
  }

  /** Close the fast path's WiredTiger session (before that connection closes); nothing is served after. */
  detach(): void {
    if (this.#ptr === null) return;
    shim().sct_fast_detach(this.#ptr);
    this.#ptr = null;
  }
}

/** Every loop's fast path registers alike (the loops' record id counters are shared by slot). */
function same<T>(mine: T, theirs: T): void {
  if (mine !== theirs) {
    throw new Error(`fast reads: the I/O loops registered differently (${mine} / ${theirs})`);
  }
}
