/**
 * cells.ts — hierarchical cells and coverings for geo index keys. PURE.
 *
 * A `Grid` is a rectangle in (x, y) — lng/lat for 2dsphere, the [min, max) square for 2d — split
 * quadtree-fashion: a cell at level L is (i, j) in a 2^L × 2^L grid. Its id follows S2's trick: the
 * Z-order position (2L bits) followed by a 1 bit and 2(M−L) zero bits (M = grid.maxLevel ≤ 26), so
 * every id is an integer below 2^53 (exact as a double), a cell's descendants are exactly the ids in
 * [id − lsb + 1, id + lsb − 1], and distinct cells intersect iff one contains the other.
 *
 * Index keys store the cells covering a document's geometry (one leaf cell for a point). A query
 * region is covered by a few cells; its candidates are the keys inside each covering cell's range plus
 * the ancestors of the covering cells (documents indexed by a coarser cell). That is a superset of the
 * matches, so the executor always re-checks the exact geometry after FETCH.
 *
 * The 2dsphere grid is the plain lat/lng rectangle (not S2's cube faces): cells are thin near the
 * poles, which only makes those coverings a little looser.
 */
import { type Geometry, type LngLat, simpleParts, verticesOf } from "./geometry.ts";
import { polygonContainsVec, preparePolygon, toVec } from "./sphere.ts";

export interface Grid {
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
  readonly maxLevel: number;
}

export const MAX_CELL_LEVEL = 26;

export const SPHERE_GRID: Grid = { xMin: -180, xMax: 180, yMin: -90, yMax: 90, maxLevel: MAX_CELL_LEVEL };

/** The grid of a 2d index (`bits` above 26 index at 26: coarser keys, same results). */
export function grid2d(bits: number, min: number, max: number): Grid {
  return { xMin: min, xMax: max, yMin: min, yMax: max, maxLevel: Math.min(MAX_CELL_LEVEL, bits) };
}

export interface Cell {
  readonly level: number;
  readonly i: number;
  readonly j: number;
}

/** A rectangle [x0, y0, x1, y1] (inclusive). */
export type Rect = readonly [number, number, number, number];

const POW2: number[] = [];
for (let k = 0; k <= 60; k++) POW2.push(2 ** k);

export function cellAt(grid: Grid, x: number, y: number, level = grid.maxLevel): Cell {
  const n = POW2[level]!;
  const fi = Math.floor(((x - grid.xMin) / (grid.xMax - grid.xMin)) * n);
  const fj = Math.floor(((y - grid.yMin) / (grid.yMax - grid.yMin)) * n);
  return { level, i: Math.min(n - 1, Math.max(0, fi)), j: Math.min(n - 1, Math.max(0, fj)) };
}

/** The cell's id (see the module comment). */
export function cellId(grid: Grid, c: Cell): number {
  let pos = 0;
  for (let b = c.level - 1; b >= 0; b--) pos = pos * 4 + ((c.i >>> b) & 1) * 2 + ((c.j >>> b) & 1);
  const shift = 2 * (grid.maxLevel - c.level);
  return pos * POW2[shift + 1]! + POW2[shift]!;
}

/** Inclusive id range of the cell and all its descendants. */
export function cellRange(grid: Grid, c: Cell): [number, number] {
  const id = cellId(grid, c);
  const lsb = POW2[2 * (grid.maxLevel - c.level)]!;
  return [id - lsb + 1, id + lsb - 1];
}

function cellRect(grid: Grid, c: Cell): Rect {
  const n = POW2[c.level]!;
  const w = (grid.xMax - grid.xMin) / n;
  const h = (grid.yMax - grid.yMin) / n;
  return [grid.xMin + c.i * w, grid.yMin + c.j * h, grid.xMin + (c.i + 1) * w, grid.yMin + (c.j + 1) * h];
}

function intersects(a: Rect, b: Rect): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}
function contains(outer: Rect, inner: Rect): boolean {
  return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

function children(c: Cell): Cell[] {
  const l = c.level + 1;
  const i = c.i * 2;
  const j = c.j * 2;
  return [
    { level: l, i, j },
    { level: l, i, j: j + 1 },
    { level: l, i: i + 1, j },
    { level: l, i: i + 1, j: j + 1 },
  ];
}

/**
 * Cells covering the union of `rects`: refined level by level while the count stays within
 * `maxCells` (cells inside a rect, or at `maxLevel`, stop early).
 */
export function coverRects(
  grid: Grid,
  rects: readonly Rect[],
  maxCells: number,
  maxLevel = grid.maxLevel,
): Cell[] {
  const hit = (c: Cell) => {
    const r = cellRect(grid, c);
    return rects.some((x) => intersects(x, r));
  };
  const inside = (c: Cell) => {
    const r = cellRect(grid, c);
    return rects.some((x) => contains(x, r));
  };
  const done: Cell[] = [];
  let frontier: Cell[] = [{ level: 0, i: 0, j: 0 }];
  if (rects.length === 0) return [];
  while (frontier.length > 0) {
    const open: Cell[] = [];
    for (const c of frontier) {
      if (c.level >= maxLevel || inside(c)) done.push(c);
      else open.push(c);
    }
    if (open.length === 0) break;
    const next = open.flatMap(children).filter(hit);
    if (done.length + next.length > maxCells) {
      done.push(...open);
      break;
    }
    frontier = next;
  }
  return done;
}

/** A numeric interval of cell ids, inclusive. */
export type IdInterval = readonly [number, number];

/**
 * Id intervals to scan for a covering: each cell's descendant range, plus (when `ancestors`) each
 * strict ancestor's id as a point. Sorted and merged.
 */
export function coveringIntervals(grid: Grid, cells: readonly Cell[], ancestors: boolean): IdInterval[] {
  const list: [number, number][] = [];
  for (const c of cells) {
    list.push(cellRange(grid, c));
    if (ancestors) {
      for (let l = c.level - 1; l >= 0; l--) {
        const shift = c.level - l;
        const id = cellId(grid, {
          level: l,
          i: Math.floor(c.i / POW2[shift]!),
          j: Math.floor(c.j / POW2[shift]!),
        });
        list.push([id, id]);
      }
    }
  }
  list.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 2) last[1] = Math.max(last[1], iv[1]); // the gap id is an ancestor
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

// ------------------------------------------------------------------ spherical bounding rects

/** lng/lat rects bounding a spherical cap (center, radius in radians). */
export function capRects(center: LngLat, radius: number): Rect[] {
  const rDeg = (radius * 180) / Math.PI;
  const lat0 = center[1] - rDeg;
  const lat1 = center[1] + rDeg;
  if (radius >= Math.PI || lat0 <= -90 || lat1 >= 90) {
    return [[-180, Math.max(-90, lat0), 180, Math.min(90, lat1)]];
  }
  const s = Math.sin(radius) / Math.cos((center[1] * Math.PI) / 180);
  if (s >= 1) return [[-180, lat0, 180, lat1]];
  const dLng = (Math.asin(s) * 180) / Math.PI;
  return lngSplit(center[0] - dLng, center[0] + dLng, lat0, lat1);
}

function lngSplit(lo: number, hi: number, lat0: number, lat1: number): Rect[] {
  if (hi - lo >= 360) return [[-180, lat0, 180, lat1]];
  if (lo < -180) return [[lo + 360, lat0, 180, lat1], [-180, lat0, hi, lat1]];
  if (hi > 180) return [[lo, lat0, 180, lat1], [-180, lat0, hi - 360, lat1]];
  return [[lo, lat0, hi, lat1]];
}

/** Highest |latitude| reached inside the geodesic a→b (beyond its endpoints), or undefined. */
function arcLatExtreme(a: LngLat, b: LngLat): [number, number] {
  const va = toVec(a);
  const vb = toVec(b);
  const n: [number, number, number] = [
    va[1] * vb[2] - va[2] * vb[1],
    va[2] * vb[0] - va[0] * vb[2],
    va[0] * vb[1] - va[1] * vb[0],
  ];
  const nl = Math.hypot(...n);
  let lo = Math.min(a[1], b[1]);
  let hi = Math.max(a[1], b[1]);
  if (nl < 1e-15) return [lo, hi];
  // The great circle's northernmost point: z-axis projected onto the circle's plane.
  const nz = n[2] / nl;
  const top: [number, number, number] = [-n[0] / nl * nz, -n[1] / nl * nz, 1 - nz * nz];
  const tl = Math.hypot(...top);
  if (tl < 1e-15) return [lo, hi];
  for (const sgn of [1, -1]) {
    const t: [number, number, number] = [sgn * top[0] / tl, sgn * top[1] / tl, sgn * top[2] / tl];
    const c1 = (va[1] * t[2] - va[2] * t[1]) * n[0] + (va[2] * t[0] - va[0] * t[2]) * n[1] +
      (va[0] * t[1] - va[1] * t[0]) * n[2];
    const c2 = (t[1] * vb[2] - t[2] * vb[1]) * n[0] + (t[2] * vb[0] - t[0] * vb[2]) * n[1] +
      (t[0] * vb[1] - t[1] * vb[0]) * n[2];
    if (c1 >= 0 && c2 >= 0) {
      const lat = (Math.asin(Math.max(-1, Math.min(1, t[2]))) * 180) / Math.PI;
      lo = Math.min(lo, lat);
      hi = Math.max(hi, lat);
    }
  }
  return [lo, hi];
}

/** lng/lat rects bounding a geometry (geodesic edges, antimeridian crossings, poles). */
export function geometryRects(g: Geometry): Rect[] {
  const out: Rect[] = [];
  for (const part of simpleParts(g)) {
    if (part.type === "Point") {
      out.push([part.coords[0], part.coords[1], part.coords[0], part.coords[1]]);
      continue;
    }
    const paths = part.type === "LineString" ? [part.coords] : part.type === "Polygon" ? part.rings : [];
    let latLo = Infinity;
    let latHi = -Infinity;
    const lngs: [number, number][] = [];
    for (const path of paths) {
      for (let k = 0; k < path.length; k++) {
        const a = path[k]!;
        latLo = Math.min(latLo, a[1]);
        latHi = Math.max(latHi, a[1]);
        const b = path[k + 1];
        if (!b) {
          lngs.push([a[0], a[0]]);
          continue;
        }
        const [l0, l1] = arcLatExtreme(a, b);
        latLo = Math.min(latLo, l0);
        latHi = Math.max(latHi, l1);
        const lo = Math.min(a[0], b[0]);
        const hi = Math.max(a[0], b[0]);
        if (hi - lo <= 180) lngs.push([lo, hi]);
        else lngs.push([hi, 180], [-180, lo]);
      }
    }
    if (part.type === "Polygon") {
      const pp = preparePolygon(part.rings);
      if (polygonContainsVec(pp, [0, 0, 1])) {
        out.push([-180, latLo, 180, 90]);
        continue;
      }
      if (polygonContainsVec(pp, [0, 0, -1])) {
        out.push([-180, -90, 180, latHi]);
        continue;
      }
    }
    for (const [lo, hi] of mergeIntervals(lngs)) out.push([lo, latLo, hi, latHi]);
  }
  return out;
}

function mergeIntervals(list: [number, number][]): [number, number][] {
  list.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const iv of list) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else out.push([iv[0], iv[1]]);
  }
  return out;
}

/** Leaf cells of every vertex (used to sanity-check coverings in tests). */
export function vertexCells(grid: Grid, g: Geometry): Cell[] {
  return verticesOf(g).map((p) => cellAt(grid, p[0], p[1]));
}
