/**
 * GEO_NEAR: runs a `GeoNearPath` over storage, emitting documents in increasing distance. It scans
 * growing caps around the point (radius × 4 each ring, from `initialRadius` up to `maxDistance` or the
 * whole index): a ring reads the index intervals covering its cap, FETCHes each record once, computes
 * the exact distance and keeps the documents with prev < distance ≤ radius that pass the filter;
 * sorted, they are handed out before the next ring runs. Everything within a radius has a geometry
 * point inside that cap, so its cell lies in the ring's covering: no document is missed or repeated.
 *
 * Each ring runs inside one storage read (the caller's); the cursor keeps its ring state and pending
 * documents between batches. Cost: inner rings are re-read by outer ones (geometric, ≤ 4/3 of the
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

  constructor(private readonly a: GeoNearPath) {
    this.#radius = a.initialRadius > 0 ? a.initialRadius : Math.min(a.maxDistance, a.maxRadius);
  }

  get exhausted(): boolean {
    return this.#done && this.#pos >= this.#buffer.length;
  }

  /** Hits in distance order, reading at most `maxRings` further rings in `txn`. */
  *hits(
    txn: ReadTxn,
    coll: CollectionEntry,
    match: ((doc: Doc) => boolean) | null,
    stats: NearStats,
    maxRings = Infinity,
  ): Generator<NearHit> {
    let rings = 0;
    for (;;) {
      while (this.#pos < this.#buffer.length) yield this.#buffer[this.#pos++]!;
      if (this.#done || rings++ >= maxRings) return;
      this.#ring(txn, coll, match, stats);
    }
  }

  #ring(txn: ReadTxn, coll: CollectionEntry, match: ((doc: Doc) => boolean) | null, stats: NearStats): void {
    const a = this.a;
    const r = this.#radius;
    const last = r >= a.maxDistance || r >= a.maxRadius;
    const seen = new Set<bigint>();
    const out: NearHit[] = [];
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
          if (match && !match(row.doc)) continue;
          out.push({ row, distance: d.distance, loc: d.loc });
        }
      } finally {
        it.return?.();
      }
    }
    out.sort((x, y) => x.distance - y.distance || (x.row.rid < y.row.rid ? -1 : 1));
    this.#buffer = out;
    this.#pos = 0;
    this.#prev = last ? Infinity : r;
    if (last) this.#done = true;
    else this.#radius = Math.min(r * 4, a.maxDistance, a.maxRadius);
  }
}
