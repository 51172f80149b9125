import assert from "node:assert/strict";
import { geoCellsOf, geoIndexShape, geoKeyTuples } from "./geo_keys.ts";
import { CommandError } from "../errors/command_error.ts";

const sphere = geoIndexShape({ key: { loc: "2dsphere" } })!;
const flat = geoIndexShape({ key: { pos: "2d", a: 1 }, bits: 8, min: 0, max: 16 })!;

Deno.test("2dsphere keys: one leaf cell per point, coverings for shapes, missing/null not indexed", () => {
  assert.equal(geoCellsOf(sphere, { loc: { type: "Point", coordinates: [1, 2] } }).length, 1);
  assert.equal(geoCellsOf(sphere, { loc: [1, 2] }).length, 1);
  assert.equal(geoCellsOf(sphere, { loc: { lng: 1, lat: 2 } }).length, 1);
  assert.equal(geoKeyTuples(sphere, {}), null);
  assert.equal(geoKeyTuples(sphere, { loc: null }), null);
  // an array at the end of the path is one value (an array of points is not indexed: 16755, as mongod);
  // documents in an array along the path each give their own
  assert.throws(() => geoKeyTuples(sphere, { loc: [{ type: "Point", coordinates: [1, 2] }, [50, 50]] }));
  const nested = { loc: [{ type: "Point", coordinates: [1, 2] }, { type: "Point", coordinates: [50, 50] }] };
  assert.throws(() => geoKeyTuples(sphere, nested));
  const many = geoKeyTuples(geoIndexShape({ key: { "p.loc": "2dsphere" } })!, {
    p: [{ loc: { type: "Point", coordinates: [1, 2] } }, { loc: [50, 50] }],
  })!;
  assert.equal(many.tuples.length, 2);
  assert.ok(many.multikey);
  const poly = geoCellsOf(sphere, {
    loc: { type: "Polygon", coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] },
  });
  assert.ok(poly.length >= 1 && poly.length <= 8);
});

Deno.test("2dsphere keys: invalid geometry is 16755", () => {
  for (
    const loc of ["x", { type: "Point", coordinates: [0, 91] }, {
      type: "Polygon",
      coordinates: [[[0, 0], [1, 1]]],
    }]
  ) {
    assert.throws(
      () => geoCellsOf(sphere, { _id: 1, loc }),
      (e: unknown) =>
        e instanceof CommandError && e.code === 16755 && /Can't extract geo keys/.test(e.message),
    );
  }
});

Deno.test("2d keys: compound with a scalar, bounds and pair errors", () => {
  // a 2d index keeps the other field's several values as one array (mongod's get2DKeys)
  const t = geoKeyTuples(flat, { pos: [3, 4], a: [1, 2] })!;
  assert.equal(t.tuples.length, 1);
  assert.equal(typeof t.tuples[0]![0], "number");
  assert.deepEqual(t.tuples[0]![1], [1, 2]);
  assert.deepEqual(geoKeyTuples(flat, { pos: [3, 4], a: [7] })!.tuples[0]![1], 7);
  assert.equal(geoKeyTuples(flat, { pos: [3, 4] })!.tuples[0]![1], null);
  const code = (doc: Record<string, unknown>) => {
    try {
      geoCellsOf(flat, doc);
      return 0;
    } catch (e) {
      return (e as CommandError).code;
    }
  };
  assert.equal(code({ pos: [17, 0] }), 13027);
  // a first value that is not a number makes the value a list of locations (mongod's get2DKeys)
  assert.equal(code({ pos: ["a", 0] }), 16804);
  assert.equal(code({ pos: [1, "a"] }), 13026);
  assert.equal(code({ pos: { x: 1, y: "a" } }), 13026);
  assert.equal(code({ pos: [1] }), 13068);
  assert.equal(code({ pos: [[1]] }), 13068);
  // empty locations index nothing, alone or in a list
  assert.equal(code({ pos: [] }), 0);
  assert.equal(code({ pos: {} }), 0);
  assert.equal(geoCellsOf(flat, { pos: [] }).length, 0);
  assert.equal(geoCellsOf(flat, { pos: [[], [1, 1], {}] }).length, 1);
  assert.equal(code({ pos: "ignored" }), 0);
  assert.equal(geoCellsOf(flat, { pos: [[1, 1], [2, 2]] }).length, 2);
});
