/**
 * GEO_NEAR: runs a `GeoNearPath` over storage, emitting documents in increasing distance. It scans
 * growing caps around the point (radius × 4 each ring, from `initialRadius` up to `maxDistance` or the
 * whole index): a ring reads the index intervals covering its cap, FETCHes each record once, computes
 * the exact distance and keeps the documents with prev < distance ≤ radius that pass the filter;
 * sorted, they are handed out before the next ring runs. Everything within a radius has a geometry
 * point inside that cap, so its cell lies in the ring's covering: no document is missed or repeated.
 *
 * Each ring runs inside one storage read (the caller's); the cursor keeps its ring state and pending
 * documents between batches. A filter whose JavaScript (`$where`, `$expr` calling `$function`) has no
 * answer yet for a document (`js`: an async caller's rounds) does not hold the ring: the document
 * waits aside, the ring completes, and `hits` throws the deferral before handing out any of the ring;
 * once the caller has run the calls (awaited), the next `hits` matches the waiting documents again
 * and hands out the ring. Cost: inner rings are re-read by outer ones (geometric, ≤ 4/3 of the
 * final ring), and a query without limit ends up reading the whole index once.
 */
import type { CollectionEntry, IndexScanOptions, ReadTxn } from "../storage/api.ts";
import type { GeoNearPath } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import { Row } from "./rows.ts";

export interface NearHit {
  readonly row: Row;
  readonly distance: number;
  readonly loc: unknown;
}

/** An async caller's JavaScript rounds (executor/query.ts `JsRounds`), as the cursor needs them. */
export interface NearJs {
  /** The filter stopped at a call with no answer yet. */
  isDeferred(e: unknown): boolean;
  /** The waiting documents were matched with their answers. */
  consumed(): void;
}

export interface NearStats {
  keysExamined: number;
  docsExamined: number;
}

export class GeoNearCursor {
  #prev = -1;
  #radius: number;
  #done = false;
  #buffer: NearHit[] = [];
  #pos = 0;
  /** A ring's matching hits, held while `#waiting` documents wait for their JavaScript answers. */
  #held: NearHit[] | undefined;
  #waiting: NearHit[] = [];
  #deferral: unknown;

  constructor(private readonly a: GeoNearPath) {
    this.#radius = a.initialRadius > 0 ? a.initialRadius : Math.min(a.maxDistance, a.maxRadius);
  }

  get exhausted(): boolean {
    return this.#done && this.#pos >= this.#buffer.length && this.#held === undefined;
  }

  /** Documents of the last ring waiting for their filter's JavaScript answers. */
  get waiting(): boolean {
    return this.#held !== undefined;
  }

  /**
   * Hits in distance order, reading at most `maxRings` further rings in `txn`. With `js`, throws its
   * deferral when a ring's documents wait for JavaScript answers (call again once they are settled).
   */
  *hits(
    txn: ReadTxn,
    coll: CollectionEntry,
    match: ((doc: Doc) => boolean) | null,
    stats: NearStats,
    maxRings = Infinity,
    js?: NearJs,
  ): Generator<NearHit> {
    let rings = 0;
    for (;;) {
      if (this.#held) this.#rematch(match, js);
      while (this.#pos < this.#buffer.length) yield this.#buffer[this.#pos++]!;
      if (this.#done || rings++ >= maxRings) return;
      this.#ring(txn, coll, match, stats, js);
      if (this.#held) throw this.#deferral;
    }
  }

  /** Matches the waiting documents again (their answers are in); throws the deferral if some still wait. */
  #rematch(match: ((doc: Doc) => boolean) | null, js: NearJs | undefined): void {
    const held = this.#held!;
    const still: NearHit[] = [];
    for (const h of this.#waiting) {
      try {
        if (!match || match(h.row.doc)) held.push(h);
      } catch (e) {
        if (!js?.isDeferred(e)) throw e;
        still.push(h);
        this.#deferral = e;
      }
    }
    this.#waiting = still;
    if (still.length > 0) throw this.#deferral;
    js?.consumed();
    this.#hand(held);
  }

  /** The ring's hits, sorted, are what `hits` hands out next. */
  #hand(out: NearHit[]): void {
    out.sort((x, y) => x.distance - y.distance || (x.row.rid < y.row.rid ? -1 : 1));
    this.#buffer = out;
    this.#pos = 0;
    this.#held = undefined;
    this.#deferral = undefined;
  }

  #ring(
    txn: ReadTxn,
    coll: CollectionEntry,
    match: ((doc: Doc) => boolean) | null,
    stats: NearStats,
    js: NearJs | undefined,
  ): void {
    const a = this.a;
    const r = this.#radius;
    const last = r >= a.maxDistance || r >= a.maxRadius;
    const seen = new Set<bigint>();
    const out: NearHit[] = [];
    const waiting: NearHit[] = [];
    for (const iv of a.ringIntervals(r)) {
      const opts: { -readonly [K in keyof IndexScanOptions]: IndexScanOptions[K] } = {};
      if (iv.lower) opts.lower = iv.lower;
      if (iv.upper) {
        opts.upper = iv.upper;
        opts.upperExclusive = iv.upperExclusive === true;
      }
      const it = txn.scanIndex(coll, a.indexName, opts);
      try {
        for (const hit of it) {
          stats.keysExamined++;
          if (seen.has(hit.rid)) continue;
          seen.add(hit.rid);
          const bytes = txn.get(coll, hit.rid);
          if (!bytes) continue;
          stats.docsExamined++;
          const row = new Row(hit.rid, bytes);
          const d = a.distanceOf(row.doc);
          if (!d || d.distance <= this.#prev) continue;
          if (!last && d.distance > r) continue;
          if (d.distance < a.minDistance || d.distance > a.maxDistance) continue;
          const near: NearHit = { row, distance: d.distance, loc: d.loc };
          try {
            if (match && !match(row.doc)) continue;
          } catch (e) {
            if (!js?.isDeferred(e)) throw e;
            waiting.push(near); // its JavaScript runs (awaited) before the ring is handed out
            this.#deferral = e;
            continue;
          }
          out.push(near);
        }
      } finally {
        it.return?.();
      }
    }
    if (waiting.length > 0) {
      this.#held = out;
      this.#waiting = waiting;
      this.#buffer = [];
      this.#pos = 0;
    } else this.#hand(out);
    this.#prev = last ? Infinity : r;
    if (last) this.#done = true;
    else this.#radius = Math.min(r * 4, a.maxDistance, a.maxRadius);
  }
}
