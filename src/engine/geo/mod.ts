/**
 * engine/geo — PURE geometry for geo indexes and queries. Imports only src/errors and src/bson, so it
 * is a leaf (scripts/check_layers.ts): index key generation (`keys/geo_keys.ts`), the planner
 * (`planner/geo_plan.ts`), the executor's near search and the filter compiler all use it.
 *
 * - geometry.ts: GeoJSON (Point, LineString, Polygon with holes, Multi*, GeometryCollection) and
 *   legacy coordinate pairs, validated with mongod-like messages (`GeoError`).
 * - sphere.ts: unit-sphere math — haversine distance (mongod's 6378.1 km radius), geodesic edge
 *   crossings, point-in-polygon by gnomonic projection, within / intersects / distance-to-geometry.
 * - flat.ts: 2d shapes ($box, $polygon, $center).
 * - cells.ts: S2-style hierarchical cell ids over a lat/lng (2dsphere) or [min, max] (2d) grid,
 *   bounding rects (antimeridian, poles, geodesic bulge) and coverings → id intervals.
 * - query.ts: $geoWithin / $geoIntersects / $near / $nearSphere parsing (2 BadValue) and per-value
 *   tests for the matcher; near distances in mongod's units.
 *
 * Guarantees: coverings are supersets (callers re-check exact geometry); cell ids are integers
 * below 2^53; nothing here touches Deno, storage or FFI.
 */
export * from "./geometry.ts";
export * from "./sphere.ts";
export * from "./flat.ts";
export * from "./cells.ts";
export * from "./query.ts";
