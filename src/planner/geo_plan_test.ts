import assert from "node:assert/strict";
import { type IndexInfo, planQuery } from "./find_plan.ts";
import { CommandError } from "../errors/command_error.ts";

const ix = (name: string, key: Record<string, unknown>): IndexInfo => ({
  name,
  key,
  unique: false,
  sparse: false,
  multikey: false,
  hidden: false,
});
const indexes = [
  ix("_id_", { _id: 1 }),
  ix("loc_2dsphere", { loc: "2dsphere" }),
  ix("pos_2d", { pos: "2d" }),
];
const poly = { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] };

Deno.test("$geoWithin on a geo field plans an IXSCAN over cell ranges", () => {
  const p = planQuery({ filter: { loc: { $geoWithin: { $geometry: poly } } }, indexes });
  assert.equal(p.access.kind, "ixScan");
  if (p.access.kind !== "ixScan") return;
  assert.equal(p.access.indexName, "loc_2dsphere");
  assert.ok(p.access.dedup);
  assert.ok(p.access.indexBounds["loc"]!.length > 0);
  // Not on the indexed field: collection scan.
  assert.equal(
    planQuery({ filter: { other: { $geoWithin: { $geometry: poly } } }, indexes }).access.kind,
    "collScan",
  );
});

Deno.test("$near picks the geo index of its kind, or 291", () => {
  const g = planQuery({
    filter: { loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } } },
    indexes,
  });
  assert.equal(g.access.kind, "geoNear");
  if (g.access.kind === "geoNear") {
    assert.equal(g.access.indexKind, "2dsphere");
    assert.ok(g.access.meters);
  }
  const f = planQuery({ filter: { pos: { $near: [1, 1], $maxDistance: 2 } }, indexes });
  assert.ok(f.access.kind === "geoNear" && !f.access.spherical && f.access.maxDistance === 2);
  assert.throws(
    () =>
      planQuery({
        filter: { pos: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } } },
        indexes,
      }),
    (e: unknown) => e instanceof CommandError && e.code === 291,
  );
  assert.throws(
    () => planQuery({ filter: { $nor: [{ loc: { $near: [0, 0] } }] }, indexes }),
    (e: unknown) => e instanceof CommandError && e.code === 2 && /top-level/.test(e.message),
  );
});
