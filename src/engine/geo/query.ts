/**
 * query.ts — the geo query operators: `$geoWithin` (alias `$within`) with `$geometry`, `$box`,
 * `$polygon`, `$center`, `$centerSphere`; `$geoIntersects` with `$geometry`; `$near` / `$nearSphere`
 * with `$maxDistance` / `$minDistance`. PURE.
 *
 * `parseGeoOperators` validates an operator document (`{$near: …, $maxDistance: …}` is one document)
 * into a `GeoQuery`; `geoValueTest` is its per-value test for the filter matcher. A near query matches
 * every geo value in the matcher (mongod's GEO_NEAR also does): distance bounds and order come from the
 * near executor, which a $near query requires. Units: a GeoJSON point measures meters on the sphere; a
 * legacy pair measures radians for `$nearSphere` (and for `$near` over a 2dsphere index) and flat
 * units for `$near` over a 2d index.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import {
  GeoError,
  type Geometry,
  legacyPointOf,
  type LngLat,
  looksLikeGeoJSON,
  parseGeoJSON,
  parseLegacyPoint,
  show,
} from "./geometry.ts";
import {
  angularDistance,
  checkPolygonRings,
  distanceToGeometry,
  EARTH_RADIUS_M,
  geometriesIntersect,
  geometryWithin,
  polygonContainsVec,
  type PreparedGeometry,
  prepareGeometry,
  preparePolygon,
  type SphereRegion,
  toVec,
} from "./sphere.ts";
import { flatBounds, flatContains, flatDistance, type FlatShape } from "./flat.ts";
import { capRects, geometryRects, type Rect } from "./cells.ts";

export const GEO_OPERATORS: ReadonlySet<string> = new Set([
  "$geoWithin",
  "$within",
  "$geoIntersects",
  "$near",
  "$nearSphere",
  "$geoNear", // a query-operator alias of $near
]);

const NEAR_OPERATORS = new Set(["$near", "$nearSphere", "$geoNear"]);

/** Does a filter use $near / $nearSphere / $geoNear anywhere (a $match may not)? */
export function containsNear(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsNear);
  if (!isDocument(v)) return false;
  for (const [k, x] of Object.entries(v)) if (NEAR_OPERATORS.has(k) || containsNear(x)) return true;
  return false;
}

export interface GeoNearQuery {
  readonly kind: "near";
  readonly op: "$near" | "$nearSphere";
  readonly point: LngLat;
  /** The point was GeoJSON: distances in meters, 2dsphere only. */
  readonly geoJSON: boolean;
  readonly minDistance: number;
  readonly maxDistance: number;
}

export type GeoRegionQuery =
  | {
    readonly kind: "within";
    readonly shape: "sphere";
    readonly region: SphereRegion;
    readonly rects: Rect[];
  }
  | { readonly kind: "within"; readonly shape: "flat"; readonly flat: FlatShape; readonly rects: Rect[] }
  | { readonly kind: "intersects"; readonly geometry: PreparedGeometry; readonly rects: Rect[] };

export type GeoQuery = GeoNearQuery | GeoRegionQuery;

function bad(msg: string): never {
  throw new CommandError("BadValue", msg);
}

function num(v: unknown): number {
  return typeof v === "number" ? v : Number(String(v));
}

/** Does this operator document hold a geo operator? */
export function isGeoOperatorDoc(ops: Record<string, unknown>): boolean {
  for (const k of Object.keys(ops)) if (GEO_OPERATORS.has(k)) return true;
  return false;
}

/** Parses a GeoJSON value from a query (2 BadValue with the parser's message). */
export function parseQueryGeometry(v: unknown): Geometry {
  try {
    // mongod's GeometryContainer::parseFromGeom: an array, or a document led by a number, is a legacy point
    if (Array.isArray(v) || (isDocument(v) && isNumeric(Object.values(v)[0]))) {
      const p = parseLegacyPoint(v);
      if (!(Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90)) {
        bad(`legacy point is not in valid lng/lat range: ${show(v)}`);
      }
      return { type: "Point", coords: p };
    }
    return parseGeoJSON(v, checkPolygonRings);
  } catch (e) {
    if (e instanceof GeoError) bad(e.message);
    throw e;
  }
}

function legacy(v: unknown, what: string): LngLat {
  try {
    return parseLegacyPoint(v);
  } catch (e) {
    if (e instanceof GeoError) bad(`${what}: ${e.message}`);
    throw e;
  }
}

function parseWithin(arg: unknown): GeoRegionQuery {
  if (!isDocument(arg)) bad(`$geoWithin must be an object, got ${show(arg)}`);
  const keys = Object.keys(arg).filter((k) => k !== "$uniqueDocs"); // deprecated, ignored as mongod does
  if (keys.length !== 1) bad(`$geoWithin must have exactly one geo specifier: ${show(arg)}`);
  const k = keys[0]!;
  const v = arg[k];
  switch (k) {
    case "$geometry": {
      const g = parseQueryGeometry(v);
      if (g.type !== "Polygon" && g.type !== "MultiPolygon") {
        bad(`$geoWithin not supported with provided geometry: ${show(arg)}`);
      }
      const polys = g.type === "Polygon" ? [g] : g.parts as Extract<Geometry, { type: "Polygon" }>[];
      return {
        kind: "within",
        shape: "sphere",
        region: { kind: "polygons", polygons: polys.map((p) => preparePolygon(p.rings)) },
        rects: geometryRects(g),
      };
    }
    case "$centerSphere": {
      if (!Array.isArray(v) || v.length !== 2) bad(`Malformed $centerSphere: ${show(v)}`);
      const c = legacy(v[0], "$centerSphere center");
      if (!isNumeric(v[1]) || !(num(v[1]) >= 0)) bad("radius must be a non-negative number");
      const r = num(v[1]);
      if (!(c[0] >= -180 && c[0] <= 180 && c[1] >= -90 && c[1] <= 90)) {
        bad(`longitude/latitude is out of bounds, lng: ${c[0]} lat: ${c[1]}`);
      }
      return {
        kind: "within",
        shape: "sphere",
        region: { kind: "cap", center: c, radius: r },
        rects: capRects(c, r),
      };
    }
    case "$box": {
      if (!Array.isArray(v) || v.length !== 2) bad(`Point must only contain numeric elements`);
      const a = legacy(v[0], "$box");
      const b = legacy(v[1], "$box");
      const flat: FlatShape = {
        kind: "box",
        lo: [Math.min(a[0], b[0]), Math.min(a[1], b[1])],
        hi: [Math.max(a[0], b[0]), Math.max(a[1], b[1])],
      };
      return { kind: "within", shape: "flat", flat, rects: [flatBounds(flat)] };
    }
    case "$polygon": {
      // (the points may also be a document's values: {a: [x, y], b: …})
      if (!Array.isArray(v) && !isDocument(v)) bad("$polygon must be an array");
      const pts = (Array.isArray(v) ? v : Object.values(v)).map((p) => legacy(p, "$polygon"));
      if (pts.length < 3) bad("Polygon must have at least 3 points");
      const flat: FlatShape = { kind: "polygon", points: pts };
      return { kind: "within", shape: "flat", flat, rects: [flatBounds(flat)] };
    }
    case "$center": {
      if (!Array.isArray(v) || v.length !== 2) bad(`Malformed $center: ${show(v)}`);
      const c = legacy(v[0], "$center");
      if (!isNumeric(v[1]) || !(num(v[1]) >= 0)) bad("radius must be a non-negative number");
      const flat: FlatShape = { kind: "center", center: c, radius: num(v[1]) };
      return { kind: "within", shape: "flat", flat, rects: [flatBounds(flat)] };
    }
    default:
      bad(`unknown geo specifier: ${k}: ${show(v)}`);
  }
}

function parseIntersects(arg: unknown): GeoRegionQuery {
  if (!isDocument(arg) || !("$geometry" in arg)) {
    bad(`$geoIntersects not supported with provided geometry: ${show(arg)}`);
  }
  const g = parseQueryGeometry(arg["$geometry"]);
  return { kind: "intersects", geometry: prepareGeometry(g), rects: geometryRects(g) };
}

function distanceArg(name: string, v: unknown): number {
  if (!isNumeric(v)) bad(`${name} must be a number`);
  const d = num(v);
  if (!(d >= 0)) bad(`${name} must be non-negative`);
  return d;
}

function parseNear(op: "$near" | "$nearSphere", ops: Record<string, unknown>): GeoNearQuery {
  const arg = ops[op];
  let minDistance = 0;
  let maxDistance = Infinity;
  let point: LngLat;
  let geoJSON = false;
  if (isDocument(arg) && "$geometry" in arg) {
    const g = parseQueryGeometry(arg["$geometry"]);
    if (g.type !== "Point") {
      bad(`invalid point in geo near query $geometry argument: ${show(arg["$geometry"])}`);
    }
    point = g.coords;
    geoJSON = true;
    for (const [k, v] of Object.entries(arg)) {
      if (k === "$geometry") continue;
      if (k === "$maxDistance") maxDistance = distanceArg(k, v);
      else if (k === "$minDistance") minDistance = distanceArg(k, v);
      else bad(`invalid argument in geo near query: ${k}`);
    }
    for (const k of Object.keys(ops)) {
      if (k !== op) {
        bad(`geo near accepts just one argument when querying for a GeoJSON point. Extra field found: ${k}`);
      }
    }
  } else {
    if (looksLikeGeoJSON(arg)) {
      const g = parseQueryGeometry(arg);
      if (g.type !== "Point") bad(`$near requires a point, given ${show(arg)}`);
      point = g.coords;
      geoJSON = true;
    } else {
      // a legacy point may carry the maximum distance as a third value: `$near: [x, y, maxDistance]`
      const third = Array.isArray(arg) && arg.length === 3 && isNumeric(arg[2]) ? num(arg[2]) : undefined;
      const pointArg = third === undefined ? arg : (arg as unknown[]).slice(0, 2);
      if (legacyPointOf(pointArg) === undefined) bad(`$near requires a point, given ${show(arg)}`);
      point = legacy(pointArg, op);
      if (third !== undefined) maxDistance = third;
    }
    for (const [k, v] of Object.entries(ops)) {
      if (k === op) continue;
      if (k === "$maxDistance") maxDistance = distanceArg(k, v);
      else if (k === "$minDistance") minDistance = distanceArg(k, v);
      else bad(`invalid argument in geo near query: ${k}`);
    }
  }
  return { kind: "near", op, point, geoJSON, minDistance, maxDistance };
}

/** Parses an operator document that holds a geo operator (2 BadValue on bad input). */
export function parseGeoOperators(ops: Record<string, unknown>): GeoQuery {
  if ("$geoNear" in ops) {
    const { $geoNear: arg, ...rest } = ops;
    return parseNear("$near", { $near: arg, ...rest });
  }
  if ("$near" in ops) return parseNear("$near", ops);
  if ("$nearSphere" in ops) return parseNear("$nearSphere", ops);
  if ("$maxDistance" in ops || "$minDistance" in ops) {
    bad("$maxDistance/$minDistance are only valid with $near or $nearSphere");
  }
  const keys = Object.keys(ops);
  if (keys.length !== 1) {
    bad(`can't have multiple geo operators or mix them with other operators: ${show(ops)}`);
  }
  const k = keys[0]!;
  if (k === "$geoWithin" || k === "$within") return parseWithin(ops[k]);
  return parseIntersects(ops[k]);
}

/** A stored value read as geometry (GeoJSON or a legacy pair); undefined when it is neither. */
export function geometryOfValue(v: unknown): Geometry | undefined {
  if (looksLikeGeoJSON(v)) {
    // Fast path for the common GeoJSON point.
    const c = v["coordinates"];
    if (
      v["type"] === "Point" && Array.isArray(c) && c.length === 2 && typeof c[0] === "number" &&
      typeof c[1] === "number" && v["crs"] === undefined
    ) {
      return c[0] >= -180 && c[0] <= 180 && c[1] >= -90 && c[1] <= 90
        ? { type: "Point", coords: c as unknown as LngLat }
        : undefined;
    }
    try {
      return parseGeoJSON(v);
    } catch {
      return undefined;
    }
  }
  const p = legacyPointOf(v);
  return p ? { type: "Point", coords: p } : undefined;
}

function onSphere(g: Geometry): boolean {
  if (g.type !== "Point") return true;
  const [x, y] = g.coords;
  return x >= -180 && x <= 180 && y >= -90 && y <= 90;
}

/**
 * Cheap pre-check of a point against the query's bounding rects (conservative: the antimeridian's two
 * spellings and the poles always pass on to the exact test).
 */
function inRects(rects: readonly Rect[], p: LngLat): boolean {
  const [x, y] = p;
  if (y <= -90 || y >= 90 || x <= -180 || x >= 180) return true;
  for (const r of rects) if (x >= r[0] && x <= r[2] && y >= r[1] && y <= r[3]) return true;
  return false;
}

/** The filter matcher's test of one value at the path. */
export function geoValueTest(q: GeoQuery): (v: unknown) => boolean {
  if (q.kind === "near") return () => true;
  const exact = exactValueTest(q);
  const rects = q.rects;
  return (v) => {
    const g = geometryOfValue(v);
    if (!g) return false;
    if (g.type === "Point" && !inRects(rects, g.coords)) return false;
    return exact(g);
  };
}

function exactValueTest(q: GeoRegionQuery): (g: Geometry) => boolean {
  if (q.kind === "intersects") {
    const pointPolys = q.geometry.polygons;
    return (g) => {
      if (!onSphere(g)) return false;
      if (g.type === "Point" && q.geometry.edges.length === 0 && q.geometry.points.length === 0) {
        const pv = toVec(g.coords);
        return pointPolys.some((pp) => polygonContainsVec(pp, pv));
      }
      return geometriesIntersect(prepareGeometry(g), q.geometry);
    };
  }
  if (q.shape === "flat") {
    const flat = q.flat;
    return (g) => g.type === "Point" && flatContains(flat, g.coords);
  }
  const region = q.region;
  return (g) => onSphere(g) && geometryWithin(g, region);
}

/** Is the near query measured on the sphere (true) or in flat 2d units? */
export function nearIsSpherical(q: GeoNearQuery, indexKind: "2d" | "2dsphere"): boolean {
  return q.geoJSON || q.op === "$nearSphere" || indexKind === "2dsphere";
}

/**
 * Distance from the near point to a stored value, in the query's units (meters for GeoJSON, radians
 * for legacy spherical, flat units for 2d); undefined when the value is not geometry.
 */
export function nearDistance(
  point: LngLat,
  spherical: boolean,
  meters: boolean,
  v: unknown,
): number | undefined {
  const g = geometryOfValue(v);
  if (!g) return undefined;
  if (!spherical) return g.type === "Point" ? flatDistance(point, g.coords) : undefined;
  if (!onSphere(g)) return undefined;
  const rad = g.type === "Point" ? angularDistance(point, g.coords) : distanceToGeometry(point, g);
  return meters ? rad * EARTH_RADIUS_M : rad;
}
