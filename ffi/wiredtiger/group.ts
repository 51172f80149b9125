/**
 * `GroupTable`: a simple `$group` folded in C inside a record scan (shim/wt_group.c, issue 18). The
 * table (groups in first-seen order, their first `_id` value's raw BSON and running numeric sums)
 * lives in C memory until `free()` (idempotent; a finalizer frees a table that was dropped unfreed).
 *
 * `scan` folds at most `max` records of a record cursor after a record id, so callers yield between
 * slices; it answers UNSUPPORTED (for good) when a record has something the C side does not fold
 * exactly (a key of another type, a Decimal128 summand, a malformed document, too many groups): the
 * caller then runs its pipeline in JS instead. `results` reads the groups out as raw parts: the `_id`
 * element's type and bytes, and per accumulator what JS `NumericSum` needs to build the typed sum, or
 * the value a `$min`/`$max`/`$first`/`$last` kept (type and bytes).
 *
 * With a `filter` (a leading `$match`'s terms, shim/wt_match.h) only matching records are folded; a
 * record the shim cannot judge exactly ends its slice with status FOR_JS: `pendingDoc()` gives its
 * bytes, and `foldDoc` folds it when the JS matcher matches it.
 */
import type { ScalarMatchTerm, ScalarOperand } from "../../src/bson/scalar_match_term.ts";
import { check, ENOMEM } from "./errors.ts";
import { packMatchFilter } from "./match_filter.ts";
import { shim } from "./load.ts";
import type { Cursor } from "./cursor.ts";

/** One accumulator's input: a top-level field (summed unless `op` says otherwise), or a numeric constant (BSON type and value). */
export type GroupAccInput =
  | { readonly field: string; readonly op?: "sum" | "min" | "max" | "first" | "last" }
  | { readonly type: 0x10 | 0x12 | 0x01; readonly value: number | bigint };

/** One operand of a filter term (wt_match.h's classes). */
export type GroupMatchValue = ScalarOperand;

/** One condition of a filter (a conjunction): `in` = equality with any value. */
export type GroupMatchTerm = ScalarMatchTerm;

export interface GroupTableSpec {
  /** The key's top-level field, or null for a constant null key (one group). */
  readonly key: string | null;
  readonly accs: readonly GroupAccInput[];
  /** Only records matching every term are folded (absent: all). */
  readonly filter?: readonly GroupMatchTerm[];
  /** More groups than this make the table unsupported. */
  readonly maxGroups: number;
}

/** What `NumericSum` keeps, as the C side folded it. */
export interface SumParts {
  /** Exact total of the int32/int64 summands. */
  readonly intTotal: bigint;
  /** Compensated sum of the double summands and its compensation. */
  readonly dbl: number;
  readonly comp: number;
  /** Numeric summands. */
  readonly count: number;
  /** Widest kind seen: 0 int, 1 long, 2 double. */
  readonly kind: 0 | 1 | 2;
}

/** The value a `$min`/`$max`/`$first`/`$last` kept (0x0a null when none). */
export interface KeptValue {
  readonly type: number;
  readonly bytes: Uint8Array;
}

export interface GroupRow {
  /** BSON type of the first-seen `_id` value (0x0a null for a missing key). */
  readonly idType: number;
  /** Its value bytes. */
  readonly idBytes: Uint8Array;
  readonly sums: readonly (SumParts | KeptValue)[];
}

export const GroupScanStatus = { MORE: 0, DONE: 1, FOR_JS: 2, UNSUPPORTED: 3 } as const;
export type GroupScanStatus = typeof GroupScanStatus[keyof typeof GroupScanStatus];

export interface GroupSlice {
  readonly examined: number;
  /** The last record id examined (the `after` of the next slice). */
  readonly lastRid: bigint;
  readonly status: GroupScanStatus;
  readonly groups: number;
  /** Bytes of the groups' `_id` values and kept values. */
  readonly idBytes: number;
}

const ACC_OPS = { sum: 0n, min: 1n, max: 2n, first: 3n, last: 4n } as const;
/** Most accumulators and distinct field names (key included) of one table (wt_group.c). */
export const GROUP_ACCS_MAX = 16;
export const GROUP_NAMES_MAX = 17;

const finalizer = new FinalizationRegistry<Deno.PointerObject>((p) => shim().sct_group_free(p));
const meta = new BigInt64Array(5);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const enc = new TextEncoder();

function sliceOf(m: BigInt64Array): GroupSlice {
  return {
    examined: Number(m[0]),
    lastRid: m[1]!,
    status: Number(m[2]) as GroupScanStatus,
    groups: Number(m[3]),
    idBytes: Number(m[4]),
  };
}

/** Blocks until no `scanAsync` runs on the thread pool (before sessions or the connection close). */
export function waitForGroupScans(): void {
  shim().sct_group_wait_idle();
}

/** Packs names as [u32 LE length][bytes]. */
function pack(names: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const b of names) n += 4 + b.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const b of names) {
    dv.setUint32(at, b.length, true);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

export class GroupTable {
  #ptr: Deno.PointerObject | null;
  readonly accs: number;

  constructor(spec: GroupTableSpec) {
    if (spec.accs.length > GROUP_ACCS_MAX) throw new RangeError("too many accumulators for a group table");
    // a NUL byte never occurs in a BSON field name: the constant-null key finds no field
    const names: Uint8Array[] = [spec.key === null ? new Uint8Array([0]) : enc.encode(spec.key)];
    const index = new Map<string, number>();
    if (spec.key !== null) index.set(spec.key, 0);
    const accs = new BigInt64Array(spec.accs.length * 4);
    const kept: boolean[] = [];
    spec.accs.forEach((a, i) => {
      if ("field" in a) {
        let at = index.get(a.field);
        if (at === undefined) {
          at = names.length;
          index.set(a.field, at);
          names.push(enc.encode(a.field));
        }
        accs[i * 4] = BigInt(at);
        accs[i * 4 + 3] = ACC_OPS[a.op ?? "sum"];
        kept.push((a.op ?? "sum") !== "sum");
      } else {
        accs[i * 4] = -1n;
        accs[i * 4 + 1] = BigInt(a.type);
        if (a.type === 0x01) {
          f64[0] = Number(a.value);
          accs[i * 4 + 2] = i64[0]!;
        } else accs[i * 4 + 2] = BigInt(a.value);
        kept.push(false);
      }
    });
    if (names.length > GROUP_NAMES_MAX) throw new RangeError("too many fields for a group table");
    const packed = pack(names);
    const rc = shim().sct_group_new(
      packed,
      packed.length,
      names.length,
      accs,
      spec.accs.length,
      BigInt(Math.max(0, Math.floor(spec.maxGroups))),
      meta,
    );
    check(rc, "group table");
    const p = Deno.UnsafePointer.create(meta[0]!);
    if (p === null) check(ENOMEM, "group table");
    this.#ptr = p;
    this.accs = spec.accs.length;
    this.#kept = kept;
    finalizer.register(this, p!, this);
    if (spec.filter !== undefined && spec.filter.length > 0) {
      const f = packMatchFilter(spec.filter);
      const frc = shim().sct_group_set_filter(p!, f, f.length, spec.filter.length);
      if (frc !== 0) this.free();
      check(frc, "group table filter");
    }
  }

  /** Per accumulator: keeps a value ($min/$max/$first/$last) rather than a sum. */
  #kept: boolean[];

  /** The record a FOR_JS slice stopped at (its stored bytes, copied). */
  pendingDoc(): Uint8Array {
    this.#idle();
    const p = this.#pointer();
    let buf = new Uint8Array(16 * 1024);
    let rc = shim().sct_group_pending_doc(p, buf, BigInt(buf.length), meta);
    if (rc !== 0) {
      buf = new Uint8Array(Number(meta[0]));
      rc = shim().sct_group_pending_doc(p, buf, BigInt(buf.length), meta);
    }
    check(rc, "group pending record");
    return buf.slice(0, Number(meta[0]));
  }

  /** Folds one stored document (no filter): status DONE, or UNSUPPORTED for good; groups; value bytes. */
  foldDoc(doc: Uint8Array): { status: 1 | 3; groups: number; idBytes: number } {
    this.#idle();
    const rc = shim().sct_group_fold_doc(this.#pointer(), doc, BigInt(doc.length), meta);
    check(rc, "group fold");
    return { status: Number(meta[0]) as 1 | 3, groups: Number(meta[1]), idBytes: Number(meta[2]) };
  }

  /**
   * Makes this table fold one part of a scan split in two (`merge`): `"first"` stops its scans before
   * the first record past `until` (greater, or smaller in a reverse scan); `"second"` gives up
   * (UNSUPPORTED) at a double summand, which would not merge exactly; `"whole"` is a plain table again.
   */
  setPart(part: "first" | "second" | "whole", until = 0n): void {
    this.#idle();
    shim().sct_group_set_part(this.#pointer(), part === "first" ? 1 : part === "second" ? 2 : 0, until);
  }

  /**
   * Merges `second` (the second part of a split scan) into this table (the first part) as if this one
   * had folded its records after its own. status DONE: merged; MORE: `second` gave up (a double
   * summand or anything else it could not fold), nothing merged — fold its records into this table
   * instead; UNSUPPORTED: for good (this table was, or too many groups).
   */
  merge(second: GroupTable): { status: 0 | 1 | 3; groups: number; idBytes: number } {
    this.#idle();
    second.#idle();
    const rc = shim().sct_group_merge(this.#pointer(), second.#pointer(), meta);
    check(rc, "group merge");
    const st = Number(meta[0]);
    return { status: st === 4 ? 0 : st as 1 | 3, groups: Number(meta[1]), idBytes: Number(meta[2]) };
  }

  #pointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error("group table is freed");
    return this.#ptr;
  }

  /** Folds at most `max` records of `cursor` (a record cursor), after `after` when given. */
  scan(cursor: Cursor, after: bigint | undefined, reverse: boolean, max: number): GroupSlice {
    this.#idle();
    const flags = (reverse ? 1 : 0) | (after !== undefined ? 4 : 0);
    const rc = shim().sct_group_scan(
      cursor.unsafePointer,
      this.#pointer(),
      flags,
      after ?? 0n,
      BigInt(Math.max(1, Math.floor(max))),
      meta,
    );
    check(rc, `group scan(${cursor.uri})`);
    return sliceOf(meta);
  }

  /**
   * `scan` on Deno's blocking thread pool: the JS thread is free meanwhile. Nothing may use the
   * cursor (its session) or this table until the promise settles; `free()` meanwhile is done when it
   * settles, and a connection close waits for it (`waitForGroupScans`).
   */
  async scanAsync(
    cursor: Cursor,
    after: bigint | undefined,
    reverse: boolean,
    max: number,
  ): Promise<GroupSlice> {
    this.#idle();
    const flags = (reverse ? 1 : 0) | (after !== undefined ? 4 : 0);
    const m = new BigInt64Array(5);
    const c = cursor.unsafePointer;
    const p = this.#pointer();
    shim().sct_group_pending();
    this.#busy = true;
    let rc: number;
    try {
      rc = await shim().sct_group_scan_tracked(
        c,
        p,
        flags,
        after ?? 0n,
        BigInt(Math.max(1, Math.floor(max))),
        m,
      );
    } finally {
      this.#busy = false;
      if (this.#freeWhenIdle) this.free();
    }
    check(rc, `group scan(${cursor.uri})`);
    return sliceOf(m);
  }

  #busy = false;
  #freeWhenIdle = false;

  #idle(): void {
    if (this.#busy) throw new Error("group table is in use by a scan on the thread pool");
  }

  /** The groups in first-seen order. */
  results(): GroupRow[] {
    this.#idle();
    const p = this.#pointer();
    let buf = new Uint8Array(64 * 1024);
    let rc = shim().sct_group_result(p, buf, BigInt(buf.length), meta);
    if (rc !== 0) {
      buf = new Uint8Array(Number(meta[0]));
      rc = shim().sct_group_result(p, buf, BigInt(buf.length), meta);
    }
    check(rc, "group results");
    const used = Number(meta[0]);
    const dv = new DataView(buf.buffer);
    const rows: GroupRow[] = [];
    let at = 0;
    while (at < used) {
      const idType = buf[at]!;
      const len = dv.getUint32(at + 1, true);
      const idBytes = buf.subarray(at + 5, at + 5 + len);
      at += 5 + len;
      const sums: (SumParts | KeptValue)[] = [];
      for (let k = 0; k < this.accs; k++) {
        if (this.#kept[k]) {
          const type = buf[at]!;
          const n = dv.getUint32(at + 1, true);
          sums.push({ type, bytes: buf.subarray(at + 5, at + 5 + n) });
          at += 5 + n;
          continue;
        }
        const lo = dv.getBigUint64(at, true);
        const hi = dv.getBigInt64(at + 8, true);
        sums.push({
          intTotal: (hi << 64n) | lo,
          dbl: dv.getFloat64(at + 16, true),
          comp: dv.getFloat64(at + 24, true),
          count: Number(dv.getBigInt64(at + 32, true)),
          kind: dv.getInt32(at + 40, true) as 0 | 1 | 2,
        });
        at += 44;
      }
      rows.push({ idType, idBytes, sums });
    }
    return rows;
  }

  /** Releases the C table (idempotent). */
  free(): void {
    if (this.#ptr === null) return;
    if (this.#busy) {
      this.#freeWhenIdle = true;
      return;
    }
    finalizer.unregister(this);
    shim().sct_group_free(this.#ptr);
    this.#ptr = null;
  }

  [Symbol.dispose](): void {
    this.free();
  }
}
