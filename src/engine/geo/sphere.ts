/**
 * sphere.ts — spherical geometry on the unit sphere. PURE.
 *
 * Edges are geodesics (great-circle arcs), as in mongod's S2 geometry. Point-in-polygon projects the
 * polygon gnomonically around its centroid, which maps geodesics to straight lines exactly, so the
 * test is a planar crossing count (valid for polygons within a hemisphere — mongod's non-"big"
 * polygons — with a ray-crossing fallback otherwise). Distances are haversine angles; meters use
 * mongod's earth radius (6378.1 km).
 */
import { GeoError, type Geometry, type LngLat, simpleParts, verticesOf } from "./geometry.ts";

export type Vec = readonly [number, number, number];

/** mongod's kRadiusOfEarthInMeters. */
export const EARTH_RADIUS_M = 6378.1 * 1000;
const D2R = Math.PI / 180;
const EPS = 1e-12;

export function toVec(p: LngLat): Vec {
  const lng = p[0] * D2R;
  const lat = p[1] * D2R;
  const c = Math.cos(lat);
  return [c * Math.cos(lng), c * Math.sin(lng), Math.sin(lat)];
}

export function toLngLat(v: Vec): LngLat {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [Math.atan2(v[1], v[0]) / D2R, Math.asin(Math.max(-1, Math.min(1, v[2] / n))) / D2R];
}

function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function norm(a: Vec): Vec {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n === 0 ? a : [a[0] / n, a[1] / n, a[2] / n];
}
function neg(a: Vec): Vec {
  return [-a[0], -a[1], -a[2]];
}

/** Central angle between two [lng, lat] points, radians (haversine). */
export function angularDistance(a: LngLat, b: LngLat): number {
  const lat1 = a[1] * D2R;
  const lat2 = b[1] * D2R;
  const dLat = lat2 - lat1;
  const dLng = (b[0] - a[0]) * D2R;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function angleOf(a: Vec, b: Vec): number {
  return Math.atan2(Math.hypot(...cross(a, b)), dot(a, b));
}

/** Is x on the minor arc a→b (n = a×b)? */
function onArc(x: Vec, a: Vec, b: Vec, n: Vec): boolean {
  return dot(cross(a, x), n) >= -EPS && dot(cross(x, b), n) >= -EPS && dot(x, a) + dot(x, b) > -EPS;
}

/** Do the minor arcs ab and cd share a point? */
export function arcsIntersect(a: Vec, b: Vec, c: Vec, d: Vec): boolean {
  const n1 = cross(a, b);
  const n2 = cross(c, d);
  const x = cross(n1, n2);
  if (Math.hypot(x[0], x[1], x[2]) < 1e-15) {
    // Same great circle (or a degenerate arc): overlap iff an endpoint lies on the other arc.
    if (Math.abs(dot(n1, c)) > 1e-12 || Math.abs(dot(n1, d)) > 1e-12) return false;
    return onArc(c, a, b, n1) || onArc(d, a, b, n1) || onArc(a, c, d, n2) || onArc(b, c, d, n2);
  }
  const xn = norm(x);
  return (onArc(xn, a, b, n1) && onArc(xn, c, d, n2)) ||
    (onArc(neg(xn), a, b, n1) && onArc(neg(xn), c, d, n2));
}

/** Angle from p to the arc ab. */
export function distanceToArc(p: Vec, a: Vec, b: Vec): number {
  const n = norm(cross(a, b));
  const s = dot(p, n);
  const q: Vec = [p[0] - s * n[0], p[1] - s * n[1], p[2] - s * n[2]];
  if (Math.hypot(...q) > EPS && onArc(norm(q), a, b, cross(a, b))) {
    return Math.atan2(Math.abs(s), Math.hypot(...q));
  }
  return Math.min(angleOf(p, a), angleOf(p, b));
}

// ------------------------------------------------------------------ prepared rings and polygons

interface PreparedRing {
  readonly vecs: readonly Vec[];
  /** Gnomonic coordinates around `center` (undefined when the ring leaves the hemisphere). */
  readonly flat: readonly (readonly [number, number])[] | undefined;
}

export interface PreparedPolygon {
  readonly center: Vec;
  readonly e: Vec;
  readonly n: Vec;
  readonly rings: readonly PreparedRing[];
}

function basis(c: Vec): [Vec, Vec] {
  const up: Vec = Math.abs(c[2]) > 0.9 ? [1, 0, 0] : [0, 0, 1];
  const e = norm(cross(up, c));
  return [e, cross(c, e)];
}

function project(pp: { center: Vec; e: Vec; n: Vec }, v: Vec): [number, number] | undefined {
  const d = dot(v, pp.center);
  if (d <= 1e-9) return undefined;
  return [dot(v, pp.e) / d, dot(v, pp.n) / d];
}

export function preparePolygon(rings: readonly (readonly LngLat[])[]): PreparedPolygon {
  const shell = rings[0]!;
  let sum: Vec = [0, 0, 0];
  for (const p of shell.slice(0, -1)) {
    const v = toVec(p);
    sum = [sum[0] + v[0], sum[1] + v[1], sum[2] + v[2]];
  }
  const center = norm(sum);
  const [e, n] = basis(center);
  const base = { center, e, n };
  const prepared = rings.map((r) => {
    const vecs = r.map(toVec);
    const flat: [number, number][] = [];
    for (const v of vecs) {
      const f = project(base, v);
      if (!f) return { vecs, flat: undefined };
      flat.push(f);
    }
    return { vecs, flat };
  });
  return { ...base, rings: prepared };
}

function onSegment(
  x: number,
  y: number,
  a: readonly [number, number],
  b: readonly [number, number],
): boolean {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const cr = dx * (y - a[1]) - dy * (x - a[0]);
  if (cr * cr > 1e-24 * Math.max(1, dx * dx + dy * dy)) return false;
  return x >= Math.min(a[0], b[0]) - 1e-12 && x <= Math.max(a[0], b[0]) + 1e-12 &&
    y >= Math.min(a[1], b[1]) - 1e-12 && y <= Math.max(a[1], b[1]) + 1e-12;
}

/** Planar crossing test; boundary points count as inside. */
export function pointInFlatRing(x: number, y: number, ring: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (onSegment(x, y, a, b)) return true;
    if ((a[1] > y) !== (b[1] > y) && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) {
      inside = !inside;
    }
  }
  return inside;
}

function pointInRing(pp: PreparedPolygon, ring: PreparedRing, v: Vec): boolean {
  if (ring.flat) {
    const f = project(pp, v);
    if (!f) return false;
    return pointInFlatRing(f[0], f[1], ring.flat);
  }
  // Fallback for rings beyond a hemisphere: count crossings of the arc v → −center.
  const far = neg(pp.center);
  let inside = false;
  for (let i = 0; i + 1 < ring.vecs.length; i++) {
    if (arcsIntersect(v, far, ring.vecs[i]!, ring.vecs[i + 1]!)) inside = !inside;
  }
  return inside;
}

/** Is the point in the polygon (shell minus holes; boundaries inside)? */
export function polygonContainsVec(pp: PreparedPolygon, v: Vec): boolean {
  if (!pointInRing(pp, pp.rings[0]!, v)) return false;
  for (let h = 1; h < pp.rings.length; h++) {
    const ring = pp.rings[h]!;
    if (pointInRing(pp, ring, v) && !onRingBoundary(ring, v)) return false;
  }
  return true;
}

function onRingBoundary(ring: PreparedRing, v: Vec): boolean {
  for (let i = 0; i + 1 < ring.vecs.length; i++) {
    if (distanceToArc(v, ring.vecs[i]!, ring.vecs[i + 1]!) < 1e-12) return true;
  }
  return false;
}

/** Ring topology check for parseGeoJSON: no self-crossing edges, holes inside the shell. */
export function checkPolygonRings(rings: readonly (readonly LngLat[])[], raw: unknown): void {
  for (const r of rings) {
    const vs = r.map(toVec);
    const m = vs.length - 1;
    if (m > 2000) continue; // quadratic check skipped for very large rings
    for (let i = 0; i < m; i++) {
      for (let j = i + 2; j < m; j++) {
        if (i === 0 && j === m - 1) continue;
        if (arcsIntersect(vs[i]!, vs[i + 1]!, vs[j]!, vs[j + 1]!)) {
          throw new GeoError(`Loop is not valid: ${JSON.stringify(raw)} Edges ${i} and ${j} cross`);
        }
      }
    }
  }
  if (rings.length > 1) {
    // S2Polygon::IsValid: no edge in two loops, no two loops crossing; GeoJSON: no hole inside a hole
    checkLoopsApart(rings, raw);
    for (let i = 1; i < rings.length; i++) {
      const hole = preparePolygon([rings[i]!]);
      for (let j = 1; j < rings.length; j++) {
        if (j !== i && rings[j]!.every((p) => polygonContainsVec(hole, toVec(p)))) {
          throw new GeoError(
            `Polygon isn't valid: only one nesting is allowed by GeoJSON: ${JSON.stringify(raw)}`,
          );
        }
      }
    }
    const shell = preparePolygon([rings[0]!]);
    for (const hole of rings.slice(1)) {
      for (const p of hole) {
        if (!polygonContainsVec(shell, toVec(p))) {
          throw new GeoError(
            "Secondary loops not contained by first exterior loop - secondary loops must be holes: " +
              JSON.stringify(raw),
          );
        }
      }
    }
  }
}

/** No two loops of a polygon share an edge (either way round) or cross (mongod: "Polygon isn't valid"). */
function checkLoopsApart(rings: readonly (readonly LngLat[])[], raw: unknown): void {
  const invalid = () => new GeoError(`Polygon isn't valid: ${JSON.stringify(raw)}`);
  const key = (p: LngLat, q: LngLat) => `${p[0]},${p[1]}|${q[0]},${q[1]}`;
  const owner = new Map<string, number>();
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    for (let i = 0; i + 1 < ring.length; i++) {
      for (const k of [key(ring[i]!, ring[i + 1]!), key(ring[i + 1]!, ring[i]!)]) {
        const o = owner.get(k);
        if (o !== undefined && o !== r) throw invalid();
        owner.set(k, r);
      }
    }
  }
  // loops may touch at one vertex, not more (geo_s2polywithholes.js)
  const vertexSets = rings.map((ring) => new Set(ring.map((p) => `${p[0]},${p[1]}`)));
  for (let r = 0; r < rings.length; r++) {
    for (let t = r + 1; t < rings.length; t++) {
      let shared = 0;
      for (const v of vertexSets[t]!) if (vertexSets[r]!.has(v)) shared++;
      if (shared > 1) throw invalid();
    }
  }
  const vecs = rings.map((ring) => ring.map(toVec));
  if (vecs.reduce((n, v) => n + v.length, 0) > 4000) return; // quadratic check skipped for very large polygons
  for (let r = 0; r < vecs.length; r++) {
    for (let t = r + 1; t < vecs.length; t++) {
      const a = vecs[r]!, b = vecs[t]!;
      for (let i = 0; i + 1 < a.length; i++) {
        for (let j = 0; j + 1 < b.length; j++) {
          if (arcsCrossProperly(a[i]!, a[i + 1]!, b[j]!, b[j + 1]!)) throw invalid();
        }
      }
    }
  }
}

/** The arcs cross at a point inside both (touching at a vertex, or running along each other, is not crossing). */
function arcsCrossProperly(a: Vec, b: Vec, c: Vec, d: Vec): boolean {
  const n1 = cross(a, b);
  const n2 = cross(c, d);
  const x = cross(n1, n2);
  if (Math.hypot(x[0], x[1], x[2]) < 1e-15) return false;
  const near = (p: Vec) =>
    angleOf(p, a) < 1e-12 || angleOf(p, b) < 1e-12 || angleOf(p, c) < 1e-12 || angleOf(p, d) < 1e-12;
  for (const p of [norm(x), neg(norm(x))]) {
    if (onArc(p, a, b, n1) && onArc(p, c, d, n2) && !near(p)) return true;
  }
  return false;
}

// ------------------------------------------------------------------ geometry predicates

/** A query region: a polygon set (Polygon / MultiPolygon) or a spherical cap. */
export type SphereRegion =
  | { readonly kind: "polygons"; readonly polygons: readonly PreparedPolygon[] }
  | { readonly kind: "cap"; readonly center: LngLat; readonly radius: number };

function edgesOf(g: Geometry): [Vec, Vec][] {
  const out: [Vec, Vec][] = [];
  const add = (pts: readonly LngLat[]) => {
    const vs = pts.map(toVec);
    for (let i = 0; i + 1 < vs.length; i++) out.push([vs[i]!, vs[i + 1]!]);
  };
  for (const p of simpleParts(g)) {
    if (p.type === "LineString") add(p.coords);
    else if (p.type === "Polygon") { for (const r of p.rings) add(r); }
  }
  return out;
}

function polygonEdges(pp: PreparedPolygon): [Vec, Vec][] {
  const out: [Vec, Vec][] = [];
  for (const r of pp.rings) {
    for (let i = 0; i + 1 < r.vecs.length; i++) out.push([r.vecs[i]!, r.vecs[i + 1]!]);
  }
  return out;
}

/** Is every part of `g` inside the region? */
export function geometryWithin(g: Geometry, region: SphereRegion): boolean {
  if (g.type === "Point") {
    if (region.kind === "cap") return angularDistance(g.coords, region.center) <= region.radius + 1e-12;
    const v = toVec(g.coords);
    return region.polygons.some((pp) => polygonContainsVec(pp, v));
  }
  if (region.kind === "cap") {
    if (!verticesOf(g).every((p) => angularDistance(p, region.center) <= region.radius + 1e-12)) return false;
    // An edge's farthest point from the center is an end or the point nearest the antipode: a cap wider
    // than a hemisphere holds both ends of an edge that leaves it (geo_s2within_line_polygon_sphere.js).
    const anti = neg(toVec(region.center));
    for (const [a, b] of edgesOf(g)) {
      if (Math.PI - distanceToArc(anti, a, b) > region.radius + 1e-12) return false;
    }
    // and a polygon around the antipode is not within, whatever its boundary
    return !simpleParts(g).some((part) =>
      part.type === "Polygon" && polygonContainsVec(preparePolygon(part.rings), anti)
    );
  }
  return simpleParts(g).every((part) =>
    region.polygons.some((pp) => {
      const verts = verticesOf(part);
      if (!verts.every((p) => polygonContainsVec(pp, toVec(p)))) return false;
      if (part.type === "Point") return true;
      // No edge may properly cross the region's boundary (shared boundary points are allowed).
      const edges = edgesOf(part);
      for (const [a, b] of edges) {
        for (const [c, d] of polygonEdges(pp)) {
          if (arcsIntersect(a, b, c, d) && properCross(a, b, c, d)) return false;
        }
      }
      if (part.type === "Polygon") {
        // the region's holes may not reach into the part (on its boundary, a hole of its own included, is fine)
        const inner = preparePolygon(part.rings);
        for (const hole of pp.rings.slice(1)) {
          for (
            const v of hole.vecs
          ) if (polygonContainsVec(inner, v) && !inner.rings.some((r) => onRingBoundary(r, v))) return false;
        }
      }
      return true;
    })
  );
}

/** Crossing that is not just a touch at an endpoint. */
function properCross(a: Vec, b: Vec, c: Vec, d: Vec): boolean {
  const n1 = cross(a, b);
  const n2 = cross(c, d);
  const sc = dot(n1, c);
  const sd = dot(n1, d);
  const sa = dot(n2, a);
  const sb = dot(n2, b);
  const tol = 1e-12;
  return ((sc > tol && sd < -tol) || (sc < -tol && sd > tol)) &&
    ((sa > tol && sb < -tol) || (sa < -tol && sb > tol));
}

/** A prepared query geometry for $geoIntersects. */
export interface PreparedGeometry {
  readonly geometry: Geometry;
  readonly points: readonly Vec[];
  readonly edges: readonly [Vec, Vec][];
  readonly polygons: readonly PreparedPolygon[];
}

export function prepareGeometry(g: Geometry): PreparedGeometry {
  const parts = simpleParts(g);
  return {
    geometry: g,
    points: parts.filter((p) => p.type === "Point").map((p) => toVec((p as { coords: LngLat }).coords)),
    edges: edgesOf(g),
    polygons: parts.filter((p) => p.type === "Polygon").map((p) =>
      preparePolygon((p as { rings: readonly (readonly LngLat[])[] }).rings)
    ),
  };
}

/** Do two geometries share a point? */
export function geometriesIntersect(a: PreparedGeometry, b: PreparedGeometry): boolean {
  const aVerts = verticesOf(a.geometry).map(toVec);
  const bVerts = verticesOf(b.geometry).map(toVec);
  for (const v of aVerts) if (b.polygons.some((pp) => polygonContainsVec(pp, v))) return true;
  for (const v of bVerts) if (a.polygons.some((pp) => polygonContainsVec(pp, v))) return true;
  for (const [p, q] of a.edges) {
    for (const [r, s] of b.edges) if (arcsIntersect(p, q, r, s)) return true;
    for (const v of b.points) if (distanceToArc(v, p, q) < 1e-12) return true;
  }
  for (const [r, s] of b.edges) for (const v of a.points) if (distanceToArc(v, r, s) < 1e-12) return true;
  for (const v of a.points) for (const w of b.points) if (angleOf(v, w) < 1e-12) return true;
  return false;
}

/** Smallest angle from `p` to any point of `g` (0 when inside one of its polygons). */
export function distanceToGeometry(p: LngLat, g: Geometry): number {
  if (g.type === "Point") return angularDistance(p, g.coords);
  const v = toVec(p);
  let best = Infinity;
  for (const part of simpleParts(g)) {
    if (part.type === "Point") best = Math.min(best, angularDistance(p, part.coords));
    else if (part.type === "Polygon" && polygonContainsVec(preparePolygon(part.rings), v)) return 0;
  }
  for (const [a, b] of edgesOf(g)) best = Math.min(best, distanceToArc(v, a, b));
  return best;
}
