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

export function flatDistance(a: LngLat, b: LngLat): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

export function flatContains(s: FlatShape, p: LngLat): boolean {
  switch (s.kind) {
    case "box":
      return p[0] >= s.lo[0] && p[0] <= s.hi[0] && p[1] >= s.lo[1] && p[1] <= s.hi[1];
    case "center":
      return flatDistance(s.center, p) <= s.radius;
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
