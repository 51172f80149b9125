/**
 * geometry.ts — GeoJSON and legacy coordinate parsing. PURE.
 *
 * `parseGeoJSON` validates a GeoJSON object (Point, LineString, Polygon with holes, MultiPoint,
 * MultiLineString, MultiPolygon, GeometryCollection) the way mongod's geo parser does, and throws a
 * `GeoError` with a mongod-like message; callers turn it into 2 BadValue (queries) or 16755 "Can't
 * extract geo keys" (index keys). `parseLegacyPoint` reads `[x, y]` or an embedded document whose first
 * two values are numbers (`{lng, lat}`). Coordinates are kept as [lng, lat] (or [x, y] for 2d).
 */
import { isDocument, isNumeric } from "../../bson/values.ts";

export type LngLat = readonly [number, number];

export type Geometry =
  | { readonly type: "Point"; readonly coords: LngLat }
  | { readonly type: "LineString"; readonly coords: readonly LngLat[] }
  /** Rings are closed (first vertex repeated last); ring 0 is the shell, the rest are holes. */
  | { readonly type: "Polygon"; readonly rings: readonly (readonly LngLat[])[] }
  | {
    readonly type: "MultiPoint" | "MultiLineString" | "MultiPolygon" | "GeometryCollection";
    readonly parts: readonly Geometry[];
  };

/** A geometry parse failure (message only; the caller picks the code). */
export class GeoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GeoError";
  }
}

const GEOJSON_TYPES = new Set([
  "Point",
  "LineString",
  "Polygon",
  "MultiPoint",
  "MultiLineString",
  "MultiPolygon",
  "GeometryCollection",
]);

/** mongod-ish rendering of a value inside an error message. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[ ${v.map(show).join(", ")} ]`;
  if (isDocument(v)) {
    const parts = Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  }
  if (typeof v === "string") return `"${v}"`;
  if (typeof v === "number" && Number.isInteger(v)) return String(v);
  return String(v);
}

function num(v: unknown): number {
  return typeof v === "number" ? v : Number(String(v));
}

/** Is this value shaped like a GeoJSON object (has a string `type` naming a GeoJSON type)? */
export function looksLikeGeoJSON(v: unknown): v is Record<string, unknown> {
  return isDocument(v) && typeof v["type"] === "string";
}

/** `[x, y]` or `{a: x, b: y}` (first two values numeric); undefined otherwise. */
export function legacyPointOf(v: unknown): LngLat | undefined {
  let vals: unknown[];
  if (Array.isArray(v)) vals = v;
  else if (isDocument(v) && !("type" in v)) vals = Object.values(v);
  else return undefined;
  if (vals.length < 2 || !isNumeric(vals[0]) || !isNumeric(vals[1])) return undefined;
  const x = num(vals[0]);
  const y = num(vals[1]);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  return [x, y];
}

/** Legacy point, strict: throws GeoError with mongod's messages. */
export function parseLegacyPoint(v: unknown): LngLat {
  if (!Array.isArray(v) && !isDocument(v)) {
    throw new GeoError(`Point must be an array or object, instead got type ${typeName(v)}`);
  }
  const vals = Array.isArray(v) ? v : Object.values(v);
  if (vals.length < 2) throw new GeoError(`Point must only contain numeric elements`);
  if (!isNumeric(vals[0]) || !isNumeric(vals[1])) {
    throw new GeoError(`Point must only contain numeric elements`);
  }
  if (Array.isArray(v) && vals.length > 2) throw new GeoError(`Point must only contain two numeric elements`);
  const p: LngLat = [num(vals[0]), num(vals[1])];
  if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
    throw new GeoError(`Point coordinates must be finite numbers`);
  }
  return p;
}

function typeName(v: unknown): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return "double";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  return "object";
}

function checkLngLat(p: LngLat): void {
  if (!(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90)) {
    throw new GeoError(`longitude/latitude is out of bounds, lng: ${p[0]} lat: ${p[1]}`);
  }
}

function position(v: unknown): LngLat {
  if (!Array.isArray(v)) {
    throw new GeoError(`Point must be an array or object, instead got type ${typeName(v)}`);
  }
  if (v.length < 2 || !isNumeric(v[0]) || !isNumeric(v[1])) {
    throw new GeoError("Point must only contain numeric elements");
  }
  if (v.length > 3) throw new GeoError("Point must only contain numeric elements");
  const p: LngLat = [num(v[0]), num(v[1])];
  checkLngLat(p);
  return p;
}

function coordsArray(obj: Record<string, unknown>, what: string): unknown[] {
  const c = obj["coordinates"];
  if (!Array.isArray(c)) throw new GeoError(`${what} coordinates must be an array`);
  return c;
}

function samePoint(a: LngLat, b: LngLat): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function dedupeAdjacent(pts: LngLat[]): LngLat[] {
  const out: LngLat[] = [];
  for (const p of pts) if (out.length === 0 || !samePoint(out[out.length - 1]!, p)) out.push(p);
  return out;
}

function parseLine(c: unknown[]): LngLat[] {
  const pts = c.map(position);
  if (pts.length < 2) throw new GeoError(`GeoJSON LineString must have at least 2 vertices: ${show(c)}`);
  const d = dedupeAdjacent(pts);
  if (d.length < 2) throw new GeoError(`Invalid LineString must have at least 2 distinct vertices`);
  return d;
}

function parseRing(v: unknown): LngLat[] {
  if (!Array.isArray(v)) throw new GeoError("Polygon coordinates must be an array");
  const pts = v.map(position);
  if (pts.length < 4) {
    throw new GeoError(`Loop must have at least 3 different vertices: ${show(v)}`);
  }
  if (!samePoint(pts[0]!, pts[pts.length - 1]!)) {
    throw new GeoError(`Loop is not closed, first vertex does not equal last vertex: ${show(v)}`);
  }
  const ring = dedupeAdjacent(pts);
  const distinct = new Set(ring.slice(0, -1).map((p) => `${p[0]},${p[1]}`));
  if (distinct.size < 3) throw new GeoError(`Loop must have at least 3 different vertices: ${show(v)}`);
  if (distinct.size !== ring.length - 1) {
    throw new GeoError(`Loop is not valid: ${show(v)} Duplicate vertices`);
  }
  return ring;
}

export type RingCheck = (rings: readonly (readonly LngLat[])[], raw: unknown) => void;

function parsePolygon(c: unknown[], check: RingCheck | undefined): LngLat[][] {
  if (c.length === 0) throw new GeoError("Polygon has no loops.");
  const rings = c.map(parseRing);
  check?.(rings, c);
  return rings;
}

/**
 * Parses a GeoJSON object. `checkPolygon` validates ring topology (self-intersection, holes inside
 * the shell); it lives with the spherical math (`sphere.ts`) and is injected to keep this file small.
 */
export function parseGeoJSON(v: unknown, checkPolygon?: RingCheck): Geometry {
  if (!isDocument(v)) throw new GeoError(`geometry must be an object, instead got type ${typeName(v)}`);
  const type = v["type"];
  if (typeof type !== "string" || !GEOJSON_TYPES.has(type)) {
    throw new GeoError(`unknown GeoJSON type: ${show(v)}`);
  }
  const crs = v["crs"];
  if (crs !== undefined) {
    const name = isDocument(crs) && isDocument(crs["properties"]) ? crs["properties"]["name"] : undefined;
    if (name !== "EPSG:4326" && name !== "urn:ogc:def:crs:OGC:1.3:CRS84") {
      if (name === "urn:x-mongodb:crs:strictwinding:EPSG:4326") {
        throw new GeoError("strict winding order (big polygon) CRS is not supported by SecantusDB");
      }
      throw new GeoError(`Unknown CRS name: ${show(name)}`);
    }
  }
  switch (type) {
    case "Point":
      return { type, coords: position(v["coordinates"]) };
    case "LineString":
      return { type, coords: parseLine(coordsArray(v, "LineString")) };
    case "Polygon":
      return { type, rings: parsePolygon(coordsArray(v, "Polygon"), checkPolygon) };
    case "MultiPoint": {
      const c = coordsArray(v, "MultiPoint");
      if (c.length === 0) throw new GeoError("MultiPoint coordinates must have at least 1 element");
      return { type, parts: c.map((p) => ({ type: "Point" as const, coords: position(p) })) };
    }
    case "MultiLineString": {
      const c = coordsArray(v, "MultiLineString");
      if (c.length === 0) throw new GeoError("MultiLineString coordinates must have at least 1 element");
      return {
        type,
        parts: c.map((l) => {
          if (!Array.isArray(l)) throw new GeoError("LineString coordinates must be an array");
          return { type: "LineString" as const, coords: parseLine(l) };
        }),
      };
    }
    case "MultiPolygon": {
      const c = coordsArray(v, "MultiPolygon");
      if (c.length === 0) throw new GeoError("MultiPolygon coordinates must have at least 1 element");
      return {
        type,
        parts: c.map((p) => {
          if (!Array.isArray(p)) throw new GeoError("Polygon coordinates must be an array");
          return { type: "Polygon" as const, rings: parsePolygon(p, checkPolygon) };
        }),
      };
    }
    default: {
      const g = v["geometries"];
      if (!Array.isArray(g)) throw new GeoError("GeometryCollection geometries must be an array");
      if (g.length === 0) throw new GeoError("GeometryCollection geometries must have at least 1 element");
      return { type: "GeometryCollection", parts: g.map((x) => parseGeoJSON(x, checkPolygon)) };
    }
  }
}

/** Every vertex of a geometry (rings include their closing vertex). */
export function verticesOf(g: Geometry, out: LngLat[] = []): LngLat[] {
  switch (g.type) {
    case "Point":
      out.push(g.coords);
      break;
    case "LineString":
      out.push(...g.coords);
      break;
    case "Polygon":
      for (const r of g.rings) out.push(...r);
      break;
    default:
      for (const p of g.parts) verticesOf(p, out);
  }
  return out;
}

/** The leaf components (Point, LineString, Polygon) of a geometry. */
export function simpleParts(g: Geometry, out: Geometry[] = []): Geometry[] {
  if (g.type === "Point" || g.type === "LineString" || g.type === "Polygon") out.push(g);
  else for (const p of g.parts) simpleParts(p, out);
  return out;
}

/** Validates a legacy point as a spherical point (lng/lat bounds). */
export function checkSpherePoint(p: LngLat): LngLat {
  checkLngLat(p);
  return p;
}
