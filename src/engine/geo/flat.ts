/**
 * flat.ts — planar shapes for legacy 2d queries: `$box`, `$polygon`, `$center`. PURE. Boundaries
 * count as inside (mongod's 2d within tests are inclusive).
 */
import type { LngLat } from "./geometry.ts";
import { pointInFlatRing } from "./sphere.ts";

export type FlatShape =
  | { readonly kind: "box"; readonly lo: LngLat; readonly hi: LngLat }
  | { readonly kind: "polygon"; readonly points: readonly LngLat[] }
  | { readonly kind: "center"; readonly center: LngLat; readonly radius: number };

/** mongod's planar `distance`: an axis-aligned pair is measured along that axis exactly. */
export function flatDistance(a: LngLat, b: LngLat): number {
  const dx = a[0] - b[0], dy = a[1] - b[1];
  if (dx === 0) return Math.abs(dy);
  if (dy === 0) return Math.abs(dx);
  return Math.sqrt(dx * dx + dy * dy);
}

/**
 * mongod's `distanceCompare` (> 0 beyond the radius, <= 0 within): for an axis-aligned pair the far point
 * is compared with the near one plus the radius, so a point at exactly center ± radius counts as inside
 * despite the rounding of the subtraction (52.0001 − 52 > 0.0001 in doubles, 52 + 0.0001 <= 52.0001).
 */
export function flatDistanceCompare(center: LngLat, p: LngLat, radius: number): number {
  const a = p[0] - center[0], b = p[1] - center[1];
  if (a === 0) return p[1] > center[1] ? p[1] - (center[1] + radius) : center[1] - (p[1] + radius);
  if (b === 0) return p[0] > center[0] ? p[0] - (center[0] + radius) : center[0] - (p[0] + radius);
  return Math.sqrt(a * a + b * b) - radius;
}

export function flatContains(s: FlatShape, p: LngLat): boolean {
  switch (s.kind) {
    case "box":
      return p[0] >= s.lo[0] && p[0] <= s.hi[0] && p[1] >= s.lo[1] && p[1] <= s.hi[1];
    case "center":
      return flatDistanceCompare(s.center, p, s.radius) <= 0;
    case "polygon":
      return pointInFlatRing(p[0], p[1], s.points);
  }
}

/** Bounding rectangle [xlo, ylo, xhi, yhi]. */
export function flatBounds(s: FlatShape): [number, number, number, number] {
  switch (s.kind) {
    case "box":
      return [s.lo[0], s.lo[1], s.hi[0], s.hi[1]];
    case "center":
      return [s.center[0] - s.radius, s.center[1] - s.radius, s.center[0] + s.radius, s.center[1] + s.radius];
    case "polygon": {
      const xs = s.points.map((p) => p[0]);
      const ys = s.points.map((p) => p[1]);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }
  }
}
