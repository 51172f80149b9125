/**
 * DISTINCT_SCAN: walks an index plan (planner/distinct_plan.ts says when that is exact) visiting one
 * entry per value of the index's first field. Each visited entry's document is fetched and, when it
 * matches the filter, every value it holds at the distinct key goes to the caller; the walk then seeks
 * past that value's entries once one of those values, encoded as the index encodes it, is the entry's
 * leading field (a document missing the key is indexed under null, so it does not confirm null: the
 * walk goes on through the null entries until a document holding null, or their end).
 *
 * With `first` hooks it hands out instead the first matching document of each value, in index order.
 *
 * Resumable across storage transactions in steps of a bounded number of entries (the caller yields
 * between steps, as an IXSCAN's caller does): the state is the current interval and where to start —
 * the next value's first entry, or the entry after the last one examined.
 */
import type { CollectionEntry, ReadTxn } from "../storage/api.ts";
import type { IxScanPath, KeyInterval } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decodeDocument } from "../bson/decode.ts";
import { compareKeys, encodeValue } from "../keys/key_string.ts";

export interface DistinctScanStats {
  keysExamined: number;
  docsExamined: number;
  /** Values the walk confirmed (explain's nReturned of the DISTINCT_SCAN stage). */
  valuesFound: number;
}

/** What the walk needs from the command: the filter and the values a document holds at the key. */
export interface DistinctScanHooks {
  /** null: every document matches. */
  readonly match: ((doc: Doc) => boolean) | null;
  /** The values `doc` holds at the distinct key (distinct's unwinding), appended to `out`. */
  readonly values: (doc: Doc, out: ValueSink) => void;
  /**
   * Instead of values, the first matching document of each leading value, in index order (a `$group`
   * taking `$first`s after a `$sort` the index gives; the index is never multikey there): `valueOf`
   * is the document's value at the key (undefined when missing: indexed as null), `take` receives
   * the document.
   */
  readonly first?: { valueOf(doc: Doc): unknown; take(doc: Doc): void };
}

/** Where values go (an array, or distinct's de-duplicating collector). */
export interface ValueSink {
  push(v: unknown): void;
}

export class DistinctScan {
  readonly stats: DistinctScanStats = { keysExamined: 0, docsExamined: 0, valuesFound: 0 };
  readonly #coll: CollectionEntry;
  readonly #path: IxScanPath;
  readonly #hooks: DistinctScanHooks;
  /** The intervals in key order (a distinct needs no order: always a forward walk). */
  readonly #intervals: readonly KeyInterval[];
  readonly #invert: boolean;
  #interval = 0;
  /** Where the current interval's walk goes on: a value's first entry, or after an examined entry. */
  #from: { key: Uint8Array; rid?: bigint } | undefined;
  #done = false;

  constructor(coll: CollectionEntry, path: IxScanPath, leading: 1 | -1, hooks: DistinctScanHooks) {
    this.#coll = coll;
    this.#path = path;
    this.#hooks = hooks;
    this.#intervals = path.reverse ? [...path.intervals].reverse() : path.intervals;
    this.#invert = leading === -1;
  }

  get done(): boolean {
    return this.#done;
  }

  /**
   * Walks at most about `budget` entries in `txn`, appending the values of the matching documents it
   * fetched to `out`. Returns `done`.
   */
  step(txn: ReadTxn, budget: number, out: ValueSink): boolean {
    let examined = 0;
    while (!this.#done && examined < budget) {
      const iv = this.#intervals[this.#interval];
      if (!iv) {
        this.#done = true;
        break;
      }
      const from = this.#from;
      const lower = from ? from.key : iv.lower;
      // a unique index has one entry per key: resume after it; otherwise after the record id
      const lowerExclusive = from?.rid !== undefined && this.#path.unique;
      const it = txn.scanIndex(this.#coll, this.#path.indexName, {
        ...(lower ? { lower, lowerExclusive } : {}),
        ...(iv.upper ? { upper: iv.upper, upperExclusive: iv.upperExclusive === true } : {}),
        fetch: true,
        expect: 1,
      });
      let seek: Uint8Array | undefined;
      let ended = true;
      try {
        for (const hit of it) {
          if (from?.rid !== undefined && !this.#path.unique && compareKeys(hit.key, from.key) === 0) {
            if (hit.rid <= from.rid) continue;
          }
          this.stats.keysExamined++;
          examined++;
          this.#from = { key: hit.key.slice(), rid: hit.rid };
          const prefix = hit.bytes ? this.#visit(hit.key, hit.bytes, out) : undefined; // (null: no such record)
          if (prefix) {
            this.stats.valuesFound++;
            seek = after(prefix);
            ended = false;
            break;
          }
          if (examined >= budget) {
            ended = false; // go on after this entry in the next step
            break;
          }
        }
      } finally {
        it.return?.();
      }
      if (seek !== undefined) {
        this.#from = seek.length > 0 ? { key: seek } : undefined;
        if (seek.length === 0) this.#nextInterval(); // (all-0xFF prefix: nothing sorts after it)
      } else if (ended) {
        this.#nextInterval();
      }
    }
    return this.#done;
  }

  /**
   * Fetches one entry's document: when it matches, its values go to `out`, and the leading-field
   * encoding among them the entry's key starts with (this value is done), if any, is returned.
   */
  #visit(key: Uint8Array, bytes: Uint8Array, out: ValueSink): Uint8Array | undefined {
    this.stats.docsExamined++;
    const doc = decodeDocument(bytes);
    if (this.#hooks.match && !this.#hooks.match(doc)) return undefined;
    const first = this.#hooks.first;
    if (first) {
      const v = first.valueOf(doc);
      const prefix = this.#confirmed(key, [v === undefined ? null : v]);
      if (prefix) first.take(doc);
      return prefix;
    }
    const values: unknown[] = [];
    this.#hooks.values(doc, values);
    for (const v of values) out.push(v);
    return this.#confirmed(key, values);
  }

  #nextInterval(): void {
    this.#interval++;
    this.#from = undefined;
  }

  /** The leading-field encoding of one of `values` that `key` starts with, if any. */
  #confirmed(key: Uint8Array, values: readonly unknown[]): Uint8Array | undefined {
    for (const v of values) {
      const enc = encodeValue(v);
      if (enc.length > key.length) continue;
      let same = true;
      for (let i = 0; i < enc.length; i++) {
        const b = this.#invert ? 255 - enc[i]! : enc[i]!;
        if (key[i] !== b) {
          same = false;
          break;
        }
      }
      if (same) return key.slice(0, enc.length);
    }
    return undefined;
  }
}

/**
 * The smallest key after every key starting with `prefix` (empty: none — every byte was 0xFF). The
 * encodings are prefix-free, so this is the first entry of the next value.
 */
function after(prefix: Uint8Array): Uint8Array {
  const k = prefix.slice();
  for (let i = k.length - 1; i >= 0; i--) {
    if (k[i]! < 255) {
      k[i]!++;
      return k.subarray(0, i + 1);
    }
  }
  return new Uint8Array(0);
}
