/**
 * geo_keys.ts — PURE. Index keys of `2d` and `2dsphere` indexes (compound with scalar fields).
 *
 * The geo field's key value is a cell id (a number, see `engine/geo/cells.ts`): one leaf cell per
 * point, a small covering of cells for a line or polygon. Several geo values (an array of points)
 * or a covering make the document multikey for the index. Scalar fields expand as in a B-tree index
 * and multiply with the cells.
 *
 * `2dsphere` (version 2/3) holds no entry when the geo field is missing, null or an empty array; any
 * other value must be GeoJSON or a legacy pair on the sphere, else 16755 "Can't extract geo keys".
 * `2d` indexes legacy pairs (arrays or embedded documents) within [min, max] (13026/13027/13067/13068
 * as mongod) and ignores values that are not arrays or documents.
 */
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import { isDocument, isNumeric } from "../bson/values.ts";
import { expandKeys, pathValues } from "./multikey.ts";
import { GeoError, type LngLat, looksLikeGeoJSON, parseGeoJSON, show } from "../engine/geo/geometry.ts";
import { checkPolygonRings } from "../engine/geo/sphere.ts";
import {
  cellAt,
  cellId,
  coverRects,
  geometryRects,
  type Grid,
  grid2d,
  SPHERE_GRID,
} from "../engine/geo/cells.ts";
import type { Document as Doc } from "../bson/document.ts";

export type GeoIndexKind = "2d" | "2dsphere";

export interface GeoIndexShape {
  readonly kind: GeoIndexKind;
  readonly fields: readonly string[];
  readonly dirs: readonly (1 | -1)[];
  /** Position of the geo field in the key pattern. */
  readonly geoPos: number;
  readonly geoField: string;
  readonly grid: Grid;
  /** 2d: the [min, max] domain. */
  readonly min: number;
  readonly max: number;
}

/** Cells a document's non-point geometry is indexed under (at most). */
export const DOC_COVER_CELLS = 8;

function numOf(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  return typeof v === "number" ? v : Number(String(v));
}

/** The geo shape of an index spec, or undefined for a B-tree index. */
export function geoIndexShape(spec: Doc): GeoIndexShape | undefined {
  const key = (spec["key"] ?? {}) as Doc;
  const fields = Object.keys(key);
  const geoPos = fields.findIndex((f) => key[f] === "2d" || key[f] === "2dsphere");
  if (geoPos < 0) return undefined;
  const kind = key[fields[geoPos]!] as GeoIndexKind;
  const min = numOf(spec["min"], -180);
  const max = numOf(spec["max"], 180);
  const bits = Math.trunc(numOf(spec["bits"], 26));
  return {
    kind,
    fields,
    dirs: fields.map((f) => (Number(key[f]) < 0 ? -1 : 1) as 1 | -1),
    geoPos,
    geoField: fields[geoPos]!,
    grid: kind === "2d" ? grid2d(bits, min, max) : SPHERE_GRID,
    min,
    max,
  };
}

/** Values reached by a dotted path, arrays expanded on the way but not at the end. */
export function geoPathValues(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  const parts = path.split(".");
  const walk = (cur: unknown, i: number) => {
    if (i === parts.length) {
      if (cur !== undefined) out.push(cur);
      return;
    }
    if (Array.isArray(cur)) {
      const p = parts[i]!;
      if (/^\d+$/.test(p) && cur[Number(p)] !== undefined) walk(cur[Number(p)], i + 1);
      for (const el of cur) if (isDocument(el)) walk(el, i);
      return;
    }
    if (!isDocument(cur)) return;
    walk(cur[parts[i]!], i + 1);
  };
  walk(doc, 0);
  return out;
}

function cantExtract(doc: Doc, why: string): never {
  throw new CommandError(Location.GeoCannotExtractKeys, `Can't extract geo keys: ${show(doc)}  ${why}`);
}

/** Cell ids of one 2dsphere field value (throws 16755 on a value that is not geometry). */
function sphereCells(doc: Doc, v: unknown, out: Set<number>): void {
  if (v === null || v === undefined) return;
  // an empty array or document is "not geo", like null: no key (geo_s2sparse.js)
  if (Array.isArray(v) ? v.length === 0 : isDocument(v) && Object.keys(v).length === 0) return;
  // (an array at the end of the path is one value, as mongod reads it: a legacy point or an error — an
  // array of points or geometries is not indexed by a 2dsphere index)
  let geom;
  try {
    if (looksLikeGeoJSON(v)) geom = parseGeoJSON(v, checkPolygonRings);
    else {
      const vals = Array.isArray(v) ? v : isDocument(v) ? Object.values(v) : undefined;
      if (!vals) throw new GeoError(`Point must be an array or object, instead got type ${typeof v}`);
      if (vals.length < 2 || !isNumeric(vals[0]) || !isNumeric(vals[1])) {
        if (isDocument(v) && "type" in v === false && "coordinates" in v) {
          throw new GeoError("unknown GeoJSON type: " + show(v));
        }
        throw new GeoError("Point must only contain numeric elements");
      }
      const p: LngLat = [Number(String(vals[0])), Number(String(vals[1]))];
      if (!(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90)) {
        throw new GeoError(`longitude/latitude is out of bounds, lng: ${p[0]} lat: ${p[1]}`);
      }
      geom = { type: "Point" as const, coords: p };
    }
  } catch (e) {
    if (e instanceof GeoError) cantExtract(doc, e.message);
    throw e;
  }
  if (geom.type === "Point") {
    out.add(cellId(SPHERE_GRID, cellAt(SPHERE_GRID, geom.coords[0], geom.coords[1])));
    return;
  }
  for (const c of coverRects(SPHERE_GRID, geometryRects(geom), DOC_COVER_CELLS)) {
    out.add(cellId(SPHERE_GRID, c));
  }
}

function flatPoint(shape: GeoIndexShape, doc: Doc, v: unknown): LngLat {
  const vals = Array.isArray(v) ? v : Object.values(v as Doc);
  // (the document is shown only in an error: formatting it for every point of a long list was quadratic)
  const src = (): string => ` :: caused by :: ${show(doc)}`;
  if (vals.length === 0) throw new CommandError(Location.Geo2dFieldEmpty, `geo field is empty${src()}`);
  if (vals.length === 1) {
    throw new CommandError(Location.Geo2dFieldOneElement, `geo field only has 1 element${src()}`);
  }
  if (!isNumeric(vals[0]) || !isNumeric(vals[1])) {
    throw new CommandError(
      Location.Geo2dNotLegacyPair,
      `geo values must be 'legacy coordinate pairs' for 2d indexes${src()}`,
    );
  }
  const x = Number(String(vals[0]));
  const y = Number(String(vals[1]));
  if (!(x <= shape.max && x >= shape.min && y <= shape.max && y >= shape.min)) {
    throw new CommandError(
      Location.Geo2dPointOutOfRange,
      `point not in interval of [ ${shape.min}, ${shape.max} ]${src()}`,
    );
  }
  return [x, y];
}

/**
 * Cell ids of one 2d field value, as mongod's get2DKeys reads it: a location (`[x, y]` or `{a: x, b: y}`,
 * its first value a number) or a list of them (each an array or a document; empty ones skipped; anything
 * else 16804). An empty value indexes nothing.
 */
function flatCells(shape: GeoIndexShape, doc: Doc, v: unknown, out: Set<number>): void {
  if (!Array.isArray(v) && !isDocument(v)) return;
  const vals = Array.isArray(v) ? v : Object.values(v);
  if (vals.length === 0) return;
  const add = (loc: unknown) => {
    const p = flatPoint(shape, doc, loc);
    out.add(cellId(shape.grid, cellAt(shape.grid, p[0], p[1])));
  };
  if (isNumeric(vals[0])) return add(v);
  for (const el of vals) {
    if (!Array.isArray(el) && !isDocument(el)) {
      throw new CommandError(
        Location.Geo2dLocationFormat,
        "location object expected, location array not in correct format",
      );
    }
    if ((Array.isArray(el) ? el.length : Object.keys(el).length) > 0) add(el);
  }
}

/** Cell ids of a document for the index's geo field (empty: the document is not indexed). */
export function geoCellsOf(shape: GeoIndexShape, doc: Doc): number[] {
  const cells = new Set<number>();
  for (const v of geoPathValues(doc, shape.geoField)) {
    if (shape.kind === "2dsphere") sphereCells(doc, v, cells);
    else flatCells(shape, doc, v, cells);
  }
  return [...cells];
}

/**
 * Key tuples of a document for a geo index (null: no entry). The geo position of each tuple holds a
 * cell id; the other positions hold the scalar values as `expandKeys` produces them (2dsphere), or each
 * field's values as one value (2d).
 */
export function geoKeyTuples(
  shape: GeoIndexShape,
  doc: Doc,
): { tuples: unknown[][]; multikey: boolean } | null {
  const cells = geoCellsOf(shape, doc);
  if (cells.length === 0) return null;
  const scalarFields = shape.fields.filter((_, i) => i !== shape.geoPos);
  let scalarTuples: unknown[][] = [[]];
  let multikey = cells.length > 1;
  if (scalarFields.length > 0 && shape.kind === "2d") {
    // mongod's get2DKeys: the other fields are not expanded — no value is null, one is itself, several
    // are kept as one array (so no parallel arrays either)
    scalarTuples = [scalarFields.map((f) => {
      const vals = pathValues(doc, f).values;
      return vals.length === 0 ? null : vals.length === 1 ? vals[0] : vals;
    })];
  } else if (scalarFields.length > 0) {
    const exp = expandKeys(doc, scalarFields);
    if (exp.parallel) {
      throw new CommandError(
        "CannotIndexParallelArrays",
        `cannot index parallel arrays [${exp.parallel[0]}] [${exp.parallel[1]}]`,
      );
    }
    scalarTuples = exp.tuples;
    multikey ||= exp.multikey;
  }
  const tuples: unknown[][] = [];
  for (const cell of cells) {
    for (const s of scalarTuples) {
      const t = [...s];
      t.splice(shape.geoPos, 0, cell);
      tuples.push(t);
    }
  }
  return { tuples, multikey };
}
