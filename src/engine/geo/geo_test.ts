import assert from "node:assert/strict";
import { parseGeoJSON } from "./geometry.ts";
import {
  angularDistance,
  checkPolygonRings,
  EARTH_RADIUS_M,
  geometriesIntersect,
  polygonContainsVec,
  prepareGeometry,
  preparePolygon,
  toVec,
} from "./sphere.ts";
import {
  capRects,
  cellAt,
  cellId,
  cellRange,
  coveringIntervals,
  coverRects,
  geometryRects,
  grid2d,
  SPHERE_GRID,
} from "./cells.ts";
import { geoValueTest, parseGeoOperators } from "./query.ts";
import { CommandError } from "../../errors/command_error.ts";

const km = (a: [number, number], b: [number, number]) => (angularDistance(a, b) * EARTH_RADIUS_M) / 1000;

Deno.test("haversine distances against known values (mongod's 6378.1 km radius)", () => {
  // London – Paris: 343.56 km on a 6371 km sphere.
  assert.ok(Math.abs(km([-0.1278, 51.5074], [2.3522, 48.8566]) - 343.56 * 6378.1 / 6371) < 0.5);
  // New York – Los Angeles: 3935.7 km on a 6371 km sphere.
  assert.ok(Math.abs(km([-74.006, 40.7128], [-118.2437, 34.0522]) - 3935.7 * 6378.1 / 6371) < 2);
  assert.ok(Math.abs(angularDistance([0, 0], [180, 0]) - Math.PI) < 1e-12);
  assert.ok(Math.abs(angularDistance([0, 90], [123, -90]) - Math.PI) < 1e-12);
  assert.equal(angularDistance([10, 10], [10, 10]), 0);
});

function poly(coords: number[][][]) {
  const g = parseGeoJSON({ type: "Polygon", coordinates: coords }, checkPolygonRings);
  if (g.type !== "Polygon") throw new Error("not a polygon");
  return preparePolygon(g.rings);
}

Deno.test("point in polygon with a hole", () => {
  const pp = poly([
    [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
    [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
  ]);
  assert.ok(polygonContainsVec(pp, toVec([1, 1])));
  assert.ok(polygonContainsVec(pp, toVec([0, 5]))); // shell boundary counts
  assert.ok(!polygonContainsVec(pp, toVec([5, 5]))); // in the hole
  assert.ok(polygonContainsVec(pp, toVec([4, 5]))); // hole boundary belongs to the polygon
  assert.ok(!polygonContainsVec(pp, toVec([11, 5])));
  assert.ok(!polygonContainsVec(pp, toVec([-175, -5]))); // far side of the globe
});

Deno.test("polygon across the antimeridian", () => {
  const pp = poly([[[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]]);
  assert.ok(polygonContainsVec(pp, toVec([180, 0])));
  assert.ok(polygonContainsVec(pp, toVec([-180, 5])));
  assert.ok(polygonContainsVec(pp, toVec([175, 5])));
  assert.ok(polygonContainsVec(pp, toVec([-175, -5])));
  assert.ok(!polygonContainsVec(pp, toVec([0, 0])));
  assert.ok(!polygonContainsVec(pp, toVec([160, 0])));
  const rects = geometryRects({
    type: "Polygon",
    rings: [[[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]],
  });
  assert.equal(rects.length, 2);
  assert.ok(rects.some((r) => r[0] === 170 && r[2] === 180));
  assert.ok(rects.some((r) => r[0] === -180 && r[2] === -170));
});

Deno.test("polygon around the north pole; geodesic edges bulge poleward", () => {
  const pp = poly([[[0, 80], [90, 80], [180, 80], [-90, 80], [0, 80]]]);
  assert.ok(polygonContainsVec(pp, toVec([45, 89])));
  assert.ok(polygonContainsVec(pp, toVec([-120, 90])));
  assert.ok(!polygonContainsVec(pp, toVec([0, 70])));
  const rects = geometryRects({
    type: "Polygon",
    rings: [[[0, 80], [90, 80], [180, 80], [-90, 80], [0, 80]]],
  });
  assert.deepEqual(rects.map((r) => [r[0], r[2], r[3]]), [[-180, 180, 90]]);
  const line = geometryRects({ type: "LineString", coords: [[-45, 60], [45, 60]] });
  assert.ok(line[0]![3] > 67 && line[0]![3] < 68.5, `bulge ${line[0]![3]}`);
});

Deno.test("cap rects near the pole and across the antimeridian", () => {
  assert.deepEqual(capRects([0, 89], 0.1).length, 1);
  assert.equal(capRects([0, 89], 0.1)[0]![0], -180);
  const r = capRects([179, 0], 0.05);
  assert.equal(r.length, 2);
});

Deno.test("cell ids: exact doubles, ranges nest", () => {
  const leaf = cellAt(SPHERE_GRID, 179.999999, 89.999999);
  const id = cellId(SPHERE_GRID, leaf);
  assert.ok(Number.isSafeInteger(id) && id < 2 ** 53 && id % 2 === 1);
  for (let level = 0; level < 26; level++) {
    const c = cellAt(SPHERE_GRID, 12.5, -33.3, level);
    const [lo, hi] = cellRange(SPHERE_GRID, c);
    const p = cellId(SPHERE_GRID, cellAt(SPHERE_GRID, 12.5, -33.3));
    assert.ok(p >= lo && p <= hi, `level ${level}`);
  }
  const g = grid2d(32, -180, 180);
  assert.equal(g.maxLevel, 26);
});

Deno.test("coverings contain every point of the region", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (
    const [center, radius] of [[[2, 48], 0.01], [[179.9, 0], 0.02], [[0, 89.9], 0.01], [
      [-70, -30],
      0.5,
    ]] as const
  ) {
    const cells = coverRects(SPHERE_GRID, capRects(center, radius), 24);
    assert.ok(cells.length <= 24);
    const ivs = coveringIntervals(SPHERE_GRID, cells, true);
    for (let k = 0; k < 300; k++) {
      // random point inside the cap
      const lng = center[0] + (rnd() - 0.5) * 40;
      const lat = Math.max(-90, Math.min(90, center[1] + (rnd() - 0.5) * 40));
      const p: [number, number] = [((lng + 540) % 360) - 180, lat];
      if (angularDistance(p, center) > radius) continue;
      const id = cellId(SPHERE_GRID, cellAt(SPHERE_GRID, p[0], p[1]));
      assert.ok(ivs.some(([lo, hi]) => id >= lo && id <= hi), `point ${p} outside covering of ${center}`);
    }
  }
});

Deno.test("geometries intersect: lines and polygons", () => {
  const square = prepareGeometry(parseGeoJSON({
    type: "Polygon",
    coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]],
  }));
  const crossing = prepareGeometry(parseGeoJSON({ type: "LineString", coordinates: [[-1, 2], [5, 2]] }));
  const outside = prepareGeometry(parseGeoJSON({ type: "LineString", coordinates: [[-1, 5], [5, 5]] }));
  const inner = prepareGeometry(parseGeoJSON({ type: "Point", coordinates: [1, 1] }));
  assert.ok(geometriesIntersect(crossing, square));
  assert.ok(!geometriesIntersect(outside, square));
  assert.ok(geometriesIntersect(inner, square));
  assert.ok(geometriesIntersect(square, inner));
});

Deno.test("query operators: parse errors are 2 BadValue; $centerSphere and $box match", () => {
  const err = (ops: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () => parseGeoOperators(ops),
      (e: unknown) => e instanceof CommandError && e.code === 2 && re.test(e.message),
    );
  err({ $geoWithin: { $geometry: { type: "Point", coordinates: [0, 0] } } }, /\$geoWithin not supported/);
  err({ $geoWithin: { $foo: 1 } }, /unknown geo specifier/);
  err(
    { $geoWithin: { $geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 2]]] } } },
    /not closed/,
  );
  err({ $geoIntersects: { $geometry: { type: "Point", coordinates: [200, 0] } } }, /out of bounds/);
  err({ $near: [0, 0], $maxDistance: -1 }, /non-negative/);
  err({
    $geoWithin: {
      $geometry: { type: "Polygon", coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] },
    },
  }, /Edges .* cross/);
  const cs = geoValueTest(parseGeoOperators({ $geoWithin: { $centerSphere: [[0, 0], 100 / 6378.1] } }));
  assert.ok(cs([0.5, 0.5])); // ~78 km
  assert.ok(!cs([1, 1])); // ~157 km
  const box = geoValueTest(parseGeoOperators({ $geoWithin: { $box: [[0, 0], [2, 2]] } }));
  assert.ok(box({ x: 1, y: 2 }));
  assert.ok(!box([3, 1]));
  assert.ok(box({ type: "Point", coordinates: [1, 1] }));
});
