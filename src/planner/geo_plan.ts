/**
 * Geo access paths. PURE.
 *
 * - `$geoWithin` / `$geoIntersects` on the geo field of a `2d` / `2dsphere` index: the query region's
 *   bounding rects are covered by cells (`engine/geo/cells.ts`); each covering cell becomes an id range
 *   (plus its ancestors' ids for 2dsphere, where lines and polygons are indexed under coarser cells).
 *   The result is an ordinary IXSCAN plan (`dedup`, bounds shown as cell-id intervals); the executor
 *   re-checks the exact geometry after FETCH, as it re-checks every filter.
 * - `$near` / `$nearSphere` must use a geo index (291 NoQueryExecutionPlans otherwise) and must be a
 *   top-level conjunct ("geo $near must be top-level expr"), once. The plan is a `GeoNearPath`: the
 *   executor (`executor/geo_near.ts`) scans growing caps (`ringIntervals(r)`), computes exact distances
 *   (`distanceOf`) and emits documents ring by ring in distance order.
 */
import { CommandError } from "../errors/command_error.ts";
import { isDocument } from "../bson/values.ts";
import { encodeValue } from "../keys/key_string.ts";
import { type GeoIndexShape, geoIndexShape, geoPathValues } from "../keys/geo_keys.ts";
import {
  type GeoNearQuery,
  type GeoQuery,
  isGeoOperatorDoc,
  nearDistance,
  nearIsSpherical,
  parseGeoOperators,
} from "../engine/geo/query.ts";
import { capRects, coveringIntervals, coverRects, type IdInterval, type Rect } from "../engine/geo/cells.ts";
import { legacyPointOf, type LngLat, looksLikeGeoJSON } from "../engine/geo/geometry.ts";
import { EARTH_RADIUS_M } from "../engine/geo/sphere.ts";
import { extractPredicates, fieldIntervals, type FieldPred, type ValueInterval } from "./bounds.ts";
import { buildBounds } from "./key_bounds.ts";
import type { FindPlanInput, GeoNearPath, IndexInfo, IxScanPath, KeyInterval } from "./plan.ts";
import { impliesPartial } from "./index_plan.ts";
import type { Document as Doc } from "../bson/document.ts";

// Re-exported for the layers above, which have always imported it from here.
export type { GeoNearPath } from "./plan.ts";

/** Cells a query covering may use. */
export const QUERY_COVER_CELLS = 24;

export interface GeoPred {
  readonly path: string;
  readonly query: GeoQuery;
}

function isNearOp(k: string): boolean {
  return k === "$near" || k === "$nearSphere" || k === "$geoNear";
}

function countNear(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countNear(x), 0);
  if (!isDocument(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v)) n += (isNearOp(k) ? 1 : 0) + countNear(x);
  return n;
}

/**
 * The geo predicates of the filter's top-level conjunction (`$and` flattened), with mongod's checks
 * on `$near` placement and count.
 */
export function geoPredicates(filter: Doc): GeoPred[] {
  const out: GeoPred[] = [];
  let nested = 0;
  const walk = (f: Doc) => {
    for (const [k, v] of Object.entries(f)) {
      // (an $or of one clause is that clause: mongod's optimizer collapses it before planning)
      if ((k === "$and" || (k === "$or" && Array.isArray(v) && v.length === 1)) && Array.isArray(v)) {
        for (const sub of v) if (isDocument(sub)) walk(sub);
        continue;
      }
      if (k.startsWith("$")) {
        nested += countNear(v);
        continue;
      }
      if (isDocument(v) && isGeoOperatorDoc(v)) {
        out.push({ path: k, query: parseGeoOperators(v) });
        for (const x of Object.values(v)) nested += countNear(x);
        continue;
      }
      nested += countNear(v);
    }
  };
  walk(filter);
  const top = out.filter((p) => p.query.kind === "near").length;
  if (top + nested > 1) throw new CommandError("BadValue", "Too many geoNear expressions");
  if (nested > 0) throw new CommandError("BadValue", "geo $near must be top-level expr");
  return out;
}

/** Does the filter use $near / $nearSphere anywhere? */
export function hasNear(filter: Doc): boolean {
  return countNear(filter) > 0;
}

export function isGeoIndex(ix: IndexInfo): boolean {
  return Object.values(ix.key).some((v) => v === "2d" || v === "2dsphere");
}

function shapeOf(ix: IndexInfo): GeoIndexShape {
  return geoIndexShape({ key: ix.key, ...(ix.geoOptions ?? {}) })!;
}

function idIntervals(list: readonly IdInterval[]): ValueInterval[] {
  return list.map(([lo, hi]) => {
    const l = { bytes: encodeValue(lo).slice(), incl: true, display: String(lo) };
    const h = lo === hi ? l : { bytes: encodeValue(hi).slice(), incl: true, display: String(hi) };
    return { lo: l, hi: h, point: lo === hi };
  });
}

/** Key intervals of a geo index for cell-id intervals on its geo field and the scalar predicates. */
function geoBounds(
  shape: GeoIndexShape,
  ix: IndexInfo,
  preds: ReadonlyMap<string, readonly FieldPred[]>,
  cells: readonly IdInterval[],
) {
  const perField = shape.fields.map((f, i) => {
    if (i === shape.geoPos) return idIntervals(cells);
    // a 2d index keeps a field's several values as one array (keys/geo_keys.ts): no bounds on it
    if (shape.kind === "2d") return undefined;
    // (an `$expr` range bounds no multikey index: index_plan.ts usableOn)
    const list = preds.get(f)?.filter((p) => !(ix.multikey && p.kind === "range" && p.expr));
    return list && list.length > 0 ? fieldIntervals(list, ix.multikey) : undefined;
  });
  return buildBounds(shape.fields, shape.dirs, perField);
}

function coverFor(shape: GeoIndexShape, rects: readonly Rect[]): IdInterval[] {
  const cells = coverRects(shape.grid, rects, QUERY_COVER_CELLS);
  return coveringIntervals(shape.grid, cells, shape.kind === "2dsphere");
}

function usable(ix: IndexInfo, preds: ReadonlyMap<string, readonly FieldPred[]>, hinted: boolean): boolean {
  if (ix.hidden && !hinted) return false;
  if (ix.partialFilterExpression && !impliesPartial(preds, ix.partialFilterExpression)) return false;
  return true;
}

/** IXSCAN plans over geo indexes for $geoWithin / $geoIntersects predicates. */
function regionScans(
  input: FindPlanInput,
  geo: readonly GeoPred[],
  hintName: string | undefined,
): IxScanPath[] {
  const preds = extractPredicates(input.filter, input.collated === true);
  const out: IxScanPath[] = [];
  for (const ix of input.indexes ?? []) {
    if (!isGeoIndex(ix) || !usable(ix, preds, hintName === ix.name)) continue;
    if (hintName !== undefined && hintName !== ix.name) continue;
    const shape = shapeOf(ix);
    const p = geo.find((g) => g.path === shape.geoField && g.query.kind !== "near");
    if (!p || p.query.kind === "near") continue;
    const b = geoBounds(shape, ix, preds, coverFor(shape, p.query.rects));
    out.push({
      kind: "ixScan",
      indexName: ix.name,
      keyPattern: ix.key,
      unique: ix.unique,
      multikey: ix.multikey,
      sparse: ix.sparse,
      partial: ix.partialFilterExpression !== undefined,
      intervals: b.intervals,
      reverse: false,
      indexBounds: b.display,
      providesSort: false,
      dedup: true,
      score: 6 + b.pointPrefix * 10 - shape.fields.length * 0.01,
    });
  }
  return out;
}

function nearIndex(input: FindPlanInput, q: GeoNearQuery, path: string, hintName: string | undefined) {
  const preds = extractPredicates(input.filter, input.collated === true);
  const candidates = (input.indexes ?? []).filter((ix) => {
    if (!isGeoIndex(ix) || !usable(ix, preds, hintName === ix.name)) return false;
    if (hintName !== undefined && hintName !== ix.name) return false;
    const s = shapeOf(ix);
    if (s.geoField !== path) return false;
    return !(q.geoJSON && s.kind === "2d");
  });
  // A legacy point prefers a 2d index; a GeoJSON point needs 2dsphere.
  candidates.sort((a, b) => (shapeOf(a).kind === "2d" ? 0 : 1) - (shapeOf(b).kind === "2d" ? 0 : 1));
  const ix = candidates[0];
  if (!ix) {
    throw new CommandError(
      "NoQueryExecutionPlans",
      "error processing query: unable to find index for $geoNear query",
    );
  }
  return { ix, preds };
}

/** Distance (query units) from `point` to the geo values of `doc` at `path`. */
function docDistance(
  doc: Doc,
  path: string,
  point: LngLat,
  spherical: boolean,
  meters: boolean,
): { distance: number; loc: unknown } | undefined {
  let best: { distance: number; loc: unknown } | undefined;
  const consider = (v: unknown) => {
    const d = nearDistance(point, spherical, meters, v);
    if (d !== undefined && (!best || d < best.distance)) best = { distance: d, loc: v };
    else if (d === undefined && Array.isArray(v) && legacyPointOf(v) === undefined) {
      for (const el of v) consider(el);
    } else if (d === undefined && isDocument(v) && !looksLikeGeoJSON(v)) {
      for (const el of Object.values(v)) if (Array.isArray(el) || isDocument(el)) consider(el);
    }
  };
  for (const v of geoPathValues(doc, path)) consider(v);
  return best;
}

/** The near access path for a $near / $nearSphere (or $geoNear stage) query. */
export function planNear(
  input: FindPlanInput,
  path: string,
  q: GeoNearQuery,
  hintName?: string,
): GeoNearPath {
  const { ix, preds } = nearIndex(input, q, path, hintName);
  const shape = shapeOf(ix);
  const spherical = nearIsSpherical(q, shape.kind);
  const meters = q.geoJSON;
  const scale = meters ? EARTH_RADIUS_M : 1;
  const point = q.point;
  const maxRadius = spherical ? Math.PI * scale : Math.hypot(shape.max - shape.min, shape.max - shape.min);
  const ringIntervals = (radius: number): readonly KeyInterval[] => {
    const rects: Rect[] = spherical
      ? capRects(point, Math.min(Math.PI, radius / scale))
      : [[point[0] - radius, point[1] - radius, point[0] + radius, point[1] + radius]];
    return geoBounds(shape, ix, preds, coverFor(shape, rects)).intervals;
  };
  const initial = spherical ? 1e-3 * scale : (shape.max - shape.min) / 1024;
  const first = geoBounds(
    shape,
    ix,
    preds,
    coverFor(
      shape,
      spherical ? capRects(point, Math.min(Math.PI, Math.min(initial, q.maxDistance) / scale)) : [[
        point[0] - initial,
        point[1] - initial,
        point[0] + initial,
        point[1] + initial,
      ]],
    ),
  );
  // A scalar prefix without bounds leaves the geo field unbounded: every ring would read the whole
  // index, so read it once.
  const geoBounded = !(first.display[shape.geoField]?.[0] ?? "").includes("MinKey");
  return {
    kind: "geoNear",
    indexName: ix.name,
    keyPattern: ix.key,
    indexKind: shape.kind,
    field: path,
    point,
    spherical,
    meters,
    minDistance: q.minDistance,
    maxDistance: q.maxDistance,
    maxRadius,
    initialRadius: geoBounded ? Math.min(initial, q.maxDistance) : Math.min(maxRadius, q.maxDistance),
    multikey: ix.multikey,
    ringIntervals,
    distanceOf: (doc) => docDistance(doc, path, point, spherical, meters),
    indexBounds: first.display,
  };
}

export interface GeoPlans {
  readonly near?: GeoNearPath;
  readonly scans: IxScanPath[];
}

/** Geo access paths for a find-like query (none when the filter has no geo predicate). */
export function planGeo(input: FindPlanInput): GeoPlans {
  const geo = geoPredicates(input.filter);
  if (geo.length === 0) return { scans: [] };
  const hint = input.hint;
  const hintName = typeof hint === "string"
    ? hint
    : isDocument(hint) && !("$natural" in hint)
    ? (input.indexes ?? []).find((i) => sameKeys(i.key, hint))?.name
    : undefined;
  const near = geo.find((g) => g.query.kind === "near");
  if (near && near.query.kind === "near") {
    if (isDocument(hint) && "$natural" in hint) {
      throw new CommandError(
        "NoQueryExecutionPlans",
        "error processing query: unable to find index for $geoNear query",
      );
    }
    return { near: planNear(input, near.path, near.query, hintName), scans: [] };
  }
  return { scans: regionScans(input, geo, hintName) };
}

function sameKeys(a: Doc, b: Doc): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && String(a[k]) === String(b[k]));
}
