/**
 * DISTINCT_SCAN: walks an index plan (planner/distinct_plan.ts says when that is exact) visiting one
 * entry per value of one of the index's fields — the first, or a later one when every interval pins
 * the fields before it to one value each (`distinct("b", {a: 5})` over `{a: 1, b: 1}`). Each visited
 * entry's document is fetched and, when it matches the filter, every value it holds at the distinct
 * key goes to the caller; the walk then leaves that value's entries once one of those values, encoded
 * as the index encodes it after the document's own values of the fields before it, is the start of
 * the entry's key (a document missing the key is indexed under null, so it does not confirm null: the
 * walk goes on through the null entries until a document holding null, or their end). It leaves them
 * by reading on over at most `SKIP_BEFORE_SEEK` of them without decoding their documents, then
 * seeking past the rest: a nearly unique key costs one scan, as an IXSCAN, not a seek per value. Once
 * reading on meets more entries of the value, it seeks at once, trying again every `READ_ON_EVERY`.
 *
 * With `first` hooks it hands out instead the first matching document of each value, in walk order;
 * a backward walk visits each value's last entry first (a `$group` taking `$last`s).
 *
 * Resumable across storage transactions in steps of a bounded number of entries (the caller yields
 * between steps, as an IXSCAN's caller does): the state is the current interval and where to start —
 * the next value's first entry, or the entry after the last one examined.
 */
import type { CollectionEntry, IndexScanOptions, ReadTxn } from "../storage/api.ts";
import type { IxScanPath, KeyInterval } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import { decodeDocument } from "../bson/decode.ts";
import { decodeFields } from "../bson/partial_decode.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { isPlainDoc } from "../bson/type_name.ts";

export interface DistinctScanStats {
  keysExamined: number;
  docsExamined: number;
  /** Values the walk confirmed (explain's nReturned of the DISTINCT_SCAN stage). */
  valuesFound: number;
}

/** Which field of the index the walk takes one entry of per value, and in which direction. */
export interface DistinctWalk {
  /** The field's position in the key pattern (0: the first; later ones need the fields before pinned). */
  readonly fieldNo: number;
  /** From the index's end: each value's last entry is the one visited (a `$group` of `$last`s). */
  readonly backward?: boolean;
}

/** What the walk needs from the command: the filter and the values a document holds at the key. */
export interface DistinctScanHooks {
  /** null: every document matches. */
  readonly match: ((doc: Doc) => boolean) | null;
  /** The values `doc` holds at the distinct key (distinct's unwinding), appended to `out`. */
  readonly values: (doc: Doc, out: ValueSink) => void;
  /**
   * Instead of values, the first matching document of each value, in walk order (a `$group` taking
   * `$first`s after a `$sort` the index gives, or `$last`s walking backward; the index is never
   * multikey there): `valueOf` is the document's value at the key (undefined when missing: indexed
   * as null), `take` receives the document.
   */
  readonly first?: { valueOf(doc: Doc): unknown; take(doc: Doc): void };
  /**
   * The top-level fields `match` and `values` read, the index's fields up to the walked one among them:
   * each visited document is decoded that far (absent: whole; never with `first`).
   */
  readonly fields?: ReadonlySet<string> | undefined;
}

/** Where values go (an array, or distinct's de-duplicating collector). */
export interface ValueSink {
  push(v: unknown): void;
}

/** The value at a dotted path through plain documents (undefined when missing or under an array). */
export function plainValueAt(doc: Doc, parts: readonly string[]): unknown {
  let v: unknown = doc;
  for (const p of parts) {
    if (!isPlainDoc(v)) return undefined;
    v = (v as Doc)[p];
  }
  return v;
}

/**
 * Entries of a confirmed value read on in the same scan before seeking past the rest: a value with
 * one entry (a nearly unique key) then costs no new scan (each seek opens a storage scan, dearer than
 * reading on), one with many costs this many entries more than a seek alone.
 */
export const SKIP_BEFORE_SEEK = 1;

/**
 * Once reading on has met more entries of the same value, the walk seeks at once after each value,
 * trying to read on again only every this many values (runs can get shorter further on).
 */
export const READ_ON_EVERY = 8;

export class DistinctScan {
  readonly stats: DistinctScanStats = { keysExamined: 0, docsExamined: 0, valuesFound: 0 };
  readonly #coll: CollectionEntry;
  readonly #path: IxScanPath;
  readonly #hooks: DistinctScanHooks;
  /** The intervals in walk order (ascending keys, or descending for a backward walk). */
  readonly #intervals: readonly KeyInterval[];
  readonly #backward: boolean;
  /** The directions of the fields up to and including the walked one. */
  readonly #dirs: readonly (1 | -1)[];
  /** The dotted paths of the fields before the walked one (their values start every key). */
  readonly #prefixPaths: readonly (readonly string[])[];
  #interval = 0;
  /**
   * Where the current interval's walk goes on: with `rid`, after (before, backward) that examined
   * entry; without, from that key on (forward: the next value's first entry) or below it (backward).
   */
  #from: { key: Uint8Array; rid?: bigint } | undefined;
  /** The key prefix of the value last confirmed, while the scan is still among its entries. */
  #run: Uint8Array | undefined;
  /** Entries of `#run` passed over so far. */
  #runSkipped = 0;
  /** Whether reading on past a confirmed value last met a new value (or has not been tried). */
  #readOn = true;
  /** Values confirmed since reading on was last tried. */
  #sinceReadOn = 0;
  #done = false;

  constructor(coll: CollectionEntry, path: IxScanPath, walk: DistinctWalk, hooks: DistinctScanHooks) {
    this.#coll = coll;
    this.#path = path;
    this.#hooks = hooks;
    this.#backward = walk.backward === true;
    const ascending = path.reverse ? [...path.intervals].reverse() : [...path.intervals];
    this.#intervals = this.#backward ? ascending.reverse() : ascending;
    const fields = Object.entries(path.keyPattern).slice(0, walk.fieldNo + 1);
    this.#dirs = fields.map(([, d]) => (typeof d === "number" && d < 0 ? -1 : 1));
    this.#prefixPaths = fields.slice(0, walk.fieldNo).map(([f]) => f.split("."));
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
    const unique = this.#path.unique;
    const back = this.#backward;
    while (!this.#done && examined < budget) {
      const iv = this.#intervals[this.#interval];
      if (!iv) {
        this.#done = true;
        break;
      }
      const from = this.#from;
      const it = txn.scanIndex(this.#coll, this.#path.indexName, this.#bounds(iv, from));
      let seek: Uint8Array | undefined;
      let ended = true;
      try {
        for (const hit of it) {
          // (a unique index has one entry per key: the bounds already start after it)
          if (from?.rid !== undefined && !unique && compareKeys(hit.key, from.key) === 0) {
            if (back ? hit.rid >= from.rid : hit.rid <= from.rid) continue;
          }
          this.stats.keysExamined++;
          examined++;
          this.#from = { key: hit.key.slice(), rid: hit.rid };
          const run = this.#run;
          if (run !== undefined && startsWith(hit.key, run)) {
            // more entries of a confirmed value: a few are passed over in this scan, then a seek
            if (++this.#runSkipped >= SKIP_BEFORE_SEEK) {
              this.#readOn = false;
              seek = back ? run : after(run);
              ended = false;
              break;
            }
          } else {
            if (run !== undefined) this.#readOn = true; // reading on met the next value
            this.#run = undefined;
            const prefix = hit.bytes ? this.#visit(hit.key, hit.bytes, out) : undefined; // (null: no such record)
            if (prefix) {
              this.stats.valuesFound++;
              if (this.#readOn || ++this.#sinceReadOn >= READ_ON_EVERY) {
                this.#sinceReadOn = 0;
                this.#run = prefix;
                this.#runSkipped = 0;
              } else {
                seek = back ? prefix : after(prefix);
                ended = false;
                break;
              }
            }
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
        this.#run = undefined;
        this.#from = seek.length > 0 ? { key: seek } : undefined;
        if (seek.length === 0) this.#nextInterval(); // (all-0xFF prefix: nothing sorts after it)
      } else if (ended) {
        this.#nextInterval();
      }
    }
    return this.#done;
  }

  /** The storage bounds of the rest of interval `iv` from `from`, in walk direction. */
  #bounds(iv: KeyInterval, from: { key: Uint8Array; rid?: bigint } | undefined): IndexScanOptions {
    const unique = this.#path.unique;
    if (!this.#backward) {
      const lower = from ? from.key : iv.lower;
      return {
        ...(lower ? { lower, lowerExclusive: from?.rid !== undefined && unique } : {}),
        ...(iv.upper ? { upper: iv.upper, upperExclusive: iv.upperExclusive === true } : {}),
        fetch: true,
        expect: 1,
      };
    }
    // backward: below a confirmed value's entries (exclusive), or from an examined entry on
    const upper = from ? from.key : iv.upper;
    const upperExclusive = from ? (from.rid === undefined || unique) : iv.upperExclusive === true;
    return {
      ...(iv.lower ? { lower: iv.lower } : {}),
      ...(upper ? { upper, upperExclusive } : {}),
      reverse: true,
      fetch: true,
      expect: 1,
    };
  }

  /**
   * Fetches one entry's document: when it matches, its values go to `out`, and the key prefix (the
   * fields before the walked one, then one of its values) the entry's key starts with, if any, is
   * returned: that value is done.
   */
  #visit(key: Uint8Array, bytes: Uint8Array, out: ValueSink): Uint8Array | undefined {
    this.stats.docsExamined++;
    const fields = this.#hooks.fields;
    const doc = fields ? decodeFields(bytes, fields) : decodeDocument(bytes);
    if (this.#hooks.match && !this.#hooks.match(doc)) return undefined;
    const first = this.#hooks.first;
    if (first) {
      const v = first.valueOf(doc);
      const prefix = this.#confirmed(key, doc, [v === undefined ? null : v]);
      if (prefix) first.take(doc);
      return prefix;
    }
    const values: unknown[] = [];
    this.#hooks.values(doc, values);
    for (const v of values) out.push(v);
    return this.#confirmed(key, doc, values);
  }

  #nextInterval(): void {
    this.#interval++;
    this.#from = undefined;
    this.#run = undefined;
  }

  /**
   * The key prefix — `doc`'s values of the fields before the walked one (missing: null, as indexed),
   * then one of `values` — that `key` starts with, if any.
   */
  #confirmed(key: Uint8Array, doc: Doc, values: readonly unknown[]): Uint8Array | undefined {
    if (values.length === 0) return undefined;
    const tuple: unknown[] = this.#prefixPaths.map((p) => plainValueAt(doc, p) ?? null);
    const at = tuple.length;
    for (const v of values) {
      tuple[at] = v;
      const enc = encodeIndexKey(tuple, this.#dirs);
      if (enc.length > key.length) continue;
      let same = true;
      for (let i = 0; i < enc.length; i++) {
        if (key[i] !== enc[i]) {
          same = false;
          break;
        }
      }
      if (same) return key.slice(0, enc.length);
    }
    return undefined;
  }
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
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
