/**
 * Geo through the Node driver: 2dsphere and 2d indexes (options, key errors 16755/13026/13027),
 * $geoWithin ($geometry, $box, $polygon, $center, $centerSphere) and $geoIntersects with and without
 * an index (same answers; IXSCAN when indexed), $near/$nearSphere (units per form, min/max distance,
 * order, 291 without an index, placement errors), the $geoNear stage (key, query, includeLocs,
 * distanceMultiplier, errors), and compound geo + scalar indexes.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";

const R = 6378.1 * 1000;

function hav(a: number[], b: number[]): number {
  const d2r = Math.PI / 180;
  const dLat = (b[1]! - a[1]!) * d2r;
  const dLng = (b[0]! - a[0]!) * d2r;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1]! * d2r) * Math.cos(b[1]! * d2r) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const code = (c: number) => (e: MongoServerError) => e.code === c;

Deno.test({
  name: "geo queries and indexes through the Node driver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("geotest");
    try {
      // A 21×21 grid of points around (0, 0) plus a few shapes and legacy pairs.
      const plain = db.collection<AnyDoc>("plain");
      const indexed = db.collection<AnyDoc>("indexed");
      const docs: AnyDoc[] = [];
      let id = 0;
      for (let x = -10; x <= 10; x++) {
        for (let y = -10; y <= 10; y++) {
          docs.push({
            _id: id++,
            cat: (x + y) & 1 ? "odd" : "even",
            loc: { type: "Point", coordinates: [x, y] },
          });
        }
      }
      docs.push({ _id: 1000, loc: [3.5, 3.5], cat: "legacy" });
      docs.push({ _id: 1001, loc: { lng: -3.5, lat: 2.5 }, cat: "legacy" });
      docs.push({ _id: 1002, loc: { type: "LineString", coordinates: [[20, 0], [30, 0]] }, cat: "line" });
      docs.push({
        _id: 1003,
        loc: { type: "Polygon", coordinates: [[[40, 40], [42, 40], [42, 42], [40, 42], [40, 40]]] },
        cat: "poly",
      });
      docs.push({ _id: 1004, cat: "nogeo" });
      await plain.insertMany(docs);
      await indexed.insertMany(docs);

      await t.step("createIndexes: 2dsphere spec, option errors, key errors", async () => {
        assert.equal(await indexed.createIndex({ loc: "2dsphere" }), "loc_2dsphere");
        const list = await indexed.listIndexes().toArray();
        assert.equal(list[1]["2dsphereIndexVersion"], 3);
        await assert.rejects(
          indexed.insertOne({ _id: -1, loc: { type: "Point", coordinates: [200, 0] } }),
          (e: MongoServerError) => e.code === 16755 && /Can't extract geo keys/.test(e.message),
        );
        await assert.rejects(
          indexed.insertOne({ _id: -2, loc: { type: "Polygon", coordinates: [[[0, 0], [1, 1], [1, 0]]] } }),
          code(16755),
        );
        await assert.rejects(indexed.insertOne({ _id: -3, loc: "here" }), code(16755));
        await indexed.insertOne({ _id: -4, loc: null }); // null / missing: not indexed, accepted
        await indexed.deleteOne({ _id: -4 });
        await assert.rejects(plain.createIndex({ loc: "2d" }, { bits: 0 }), code(13028));
        await assert.rejects(plain.createIndex({ loc: "2d" }, { min: 5, max: 5 }), code(13022));
        await assert.rejects(plain.createIndex({ a: 1, loc: "2d" }), code(16801));
        await assert.rejects(plain.createIndex({ loc: "2dsphere" }, { "2dsphereIndexVersion": 9 }), code(67));
        // A bad document fails the index build with the same error.
        const bad = db.collection<AnyDoc>("bad");
        await bad.insertOne({ loc: { type: "Point", coordinates: [0, 100] } });
        await assert.rejects(bad.createIndex({ loc: "2dsphere" }), code(16755));
      });

      const same = async (filter: AnyDoc, expectIxscan = true) => {
        const a = (await plain.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
        const b = (await indexed.find(filter).sort({ _id: 1 }).toArray()).map((d) => d._id);
        assert.deepEqual(b, a, JSON.stringify(filter));
        if (expectIxscan) {
          const ex = await indexed.find(filter).explain("executionStats");
          assert.match(JSON.stringify(ex.queryPlanner.winningPlan), /IXSCAN/);
          assert.ok(ex.executionStats.totalDocsExamined < docs.length);
        }
        return a;
      };

      await t.step(
        "$geoWithin $geometry / $centerSphere / legacy shapes, with and without an index",
        async () => {
          const square = {
            type: "Polygon",
            coordinates: [[[-1.5, -1.5], [1.5, -1.5], [1.5, 1.5], [-1.5, 1.5], [-1.5, -1.5]]],
          };
          assert.equal((await same({ loc: { $geoWithin: { $geometry: square } } })).length, 9);
          const withHole = {
            type: "Polygon",
            coordinates: [
              [[-2.5, -2.5], [2.5, -2.5], [2.5, 2.5], [-2.5, 2.5], [-2.5, -2.5]],
              [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]],
            ],
          };
          assert.equal((await same({ loc: { $geoWithin: { $geometry: withHole } } })).length, 24);
          const multi = {
            type: "MultiPolygon",
            coordinates: [
              [[[3, 3], [4, 3], [4, 4], [3, 4], [3, 3]]],
              [[[39, 39], [43, 39], [43, 43], [39, 43], [39, 39]]],
            ],
          };
          assert.deepEqual(
            await same({ loc: { $geoWithin: { $geometry: multi } } }),
            [
              ...docs.filter((d) => {
                const c = d.loc?.coordinates;
                return d.loc?.type === "Point" && c[0] >= 3 && c[0] <= 4 && c[1] >= 3 && c[1] <= 4;
              }).map((d) => d._id),
              1000,
              1003,
            ].sort((a, b) => a - b),
          );
          // 1° ≈ 111.3 km on mongod's sphere: 150 km around (0,0) holds the 5 points at distance ≤ 1°.
          const cs = await same({ loc: { $geoWithin: { $centerSphere: [[0, 0], 150_000 / R] } } });
          assert.equal(cs.length, 5);
          assert.equal((await same({ loc: { $geoWithin: { $box: [[3, 3], [4, 4]] } } })).length, 5);
          assert.deepEqual(await same({ loc: { $geoWithin: { $center: [[-3.5, 2.5], 0.5] } } }), [1001]);
          assert.equal(
            (await same({ loc: { $geoWithin: { $polygon: [[0, 0], [2, 0], [0, 2]] } } })).length,
            6,
          );
          assert.equal(
            (await same({ loc: { $geoWithin: { $box: [[0, 0], [2, 2]] } }, cat: "even" })).length,
            5,
          );
        },
      );

      await t.step("$geoIntersects", async () => {
        const line = { type: "LineString", coordinates: [[25, -1], [25, 1]] };
        assert.deepEqual(await same({ loc: { $geoIntersects: { $geometry: line } } }), [1002]);
        const pt = { type: "Point", coordinates: [41, 41] };
        assert.deepEqual(await same({ loc: { $geoIntersects: { $geometry: pt } } }), [1003]);
        const box = {
          type: "Polygon",
          coordinates: [[[9.5, 9.5], [45, 9.5], [45, 45], [9.5, 45], [9.5, 9.5]]],
        };
        assert.deepEqual(await same({ loc: { $geoIntersects: { $geometry: box } } }), [
          docs.find((d) => d.loc?.coordinates?.[0] === 10 && d.loc.coordinates[1] === 10)._id,
          1003,
        ]);
        await assert.rejects(
          plain.find({ loc: { $geoIntersects: { $geometry: { type: "Polygon", coordinates: [[[0, 0]]] } } } })
            .toArray(),
          code(2),
        );
      });

      await t.step("$near / $nearSphere: order, units, bounds, index required", async () => {
        const near = await indexed.find({
          loc: { $near: { $geometry: { type: "Point", coordinates: [0.2, 0.1] }, $maxDistance: 200_000 } },
        }).toArray();
        const expect = docs.filter((d) =>
          d.loc?.type === "Point" || Array.isArray(d.loc) || d.loc?.lng !== undefined
        )
          .map((d) => {
            const c = d.loc.coordinates ?? (Array.isArray(d.loc) ? d.loc : [d.loc.lng, d.loc.lat]);
            return { id: d._id, m: hav([0.2, 0.1], c) * R };
          }).filter((x) => x.m <= 200_000).sort((a, b) => a.m - b.m);
        assert.deepEqual(near.map((d) => d._id), expect.map((x) => x.id));
        assert.equal(
          near[0]._id,
          docs.find((d) => d.loc?.coordinates?.[0] === 0 && d.loc.coordinates[1] === 0)._id,
        );
        // minDistance, limit
        const ring = await indexed.find({
          loc: {
            $nearSphere: {
              $geometry: { type: "Point", coordinates: [0, 0] },
              $minDistance: 120_000,
              $maxDistance: 160_000,
            },
          },
        }).toArray();
        assert.equal(ring.length, 4); // the four diagonal neighbours at √2°
        // legacy $nearSphere: radians
        const leg = await indexed.find({ loc: { $nearSphere: [3.5, 3.5], $maxDistance: 0.01 } }).toArray();
        assert.deepEqual(leg.map((d) => d._id), [1000]);
        const lim = await indexed.find({
          loc: { $near: { $geometry: { type: "Point", coordinates: [41, 41] } } },
        })
          .limit(3).toArray();
        assert.equal(lim[0]._id, 1003); // inside the polygon: distance 0
        // with another filter and a count
        const n = await db.command({
          count: "indexed",
          query: {
            loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] }, $maxDistance: 120_000 } },
            cat: "even",
          },
        });
        assert.equal(n.n, 1);
        // countDocuments is an aggregation ($match): mongod refuses $near there.
        await assert.rejects(
          indexed.countDocuments({ loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } } }),
          code(5626500),
        );
        const ex = await indexed.find({
          loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } },
        })
          .explain();
        assert.equal(ex.queryPlanner.winningPlan.stage, "GEO_NEAR_2DSPHERE");
        await assert.rejects(
          plain.find({ loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } } }).toArray(),
          (e: MongoServerError) =>
            e.code === 291 && /unable to find index for \$geoNear query/.test(e.message),
        );
        await assert.rejects(
          indexed.find({ $or: [{ loc: { $near: [0, 0] } }, { cat: "odd" }] }).toArray(),
          (e: MongoServerError) => e.code === 2 && /geo \$near must be top-level expr/.test(e.message),
        );
        await assert.rejects(
          indexed.find({ $and: [{ loc: { $near: [0, 0] } }, { loc: { $nearSphere: [0, 0] } }] }).toArray(),
          (e: MongoServerError) => e.code === 2 && /Too many geoNear expressions/.test(e.message),
        );
        await assert.rejects(
          indexed.find({
            loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] }, $maxDistance: -1 } },
          })
            .toArray(),
          code(2),
        );
      });

      await t.step("2d index: legacy pairs, flat $near units, bits/min/max, key errors", async () => {
        const flat = db.collection<AnyDoc>("flat");
        await flat.createIndex({ pos: "2d" }, { min: 0, max: 100, bits: 20 });
        const pts: AnyDoc[] = [];
        for (let i = 0; i < 100; i++) {
          pts.push({ _id: i, pos: [i % 10 * 10 + 5, Math.floor(i / 10) * 10 + 5] });
        }
        pts.push({ _id: 100, pos: { x: 1, y: 1 } });
        pts.push({ _id: 101, pos: [[99, 99], [50, 50]] });
        await flat.insertMany(pts);
        await assert.rejects(flat.insertOne({ pos: [101, 5] }), code(13027));
        await assert.rejects(flat.insertOne({ pos: [5, "a"] }), code(13026));
        await assert.rejects(flat.insertOne({ pos: ["a", 5] }), code(16804)); // a list of locations: "a" is none
        const near = await flat.find({ pos: { $near: [0, 0], $maxDistance: 15 } }).toArray();
        assert.deepEqual(near.map((d) => d._id), [100, 0]); // flat distances 1.41, 7.07 (then 15.8)
        const box = await flat.find({ pos: { $geoWithin: { $box: [[40, 40], [60, 60]] } } }).sort({ _id: 1 })
          .toArray();
        assert.deepEqual(box.map((d) => d._id), [44, 45, 54, 55, 101]);
        const ex = await flat.find({ pos: { $geoWithin: { $box: [[40, 40], [60, 60]] } } }).explain();
        assert.match(JSON.stringify(ex.queryPlanner.winningPlan), /IXSCAN/);
        const agg: AnyDoc[] = await flat.aggregate([
          {
            $geoNear: {
              near: [50, 50],
              distanceField: "dist",
              includeLocs: "where",
              query: { _id: { $lt: 200 } },
            },
          },
          { $limit: 2 },
        ]).toArray();
        assert.equal(agg[0]!._id, 101);
        assert.equal(agg[0]!.dist, 0);
        assert.deepEqual(agg[0]!.where, [50, 50]);
      });

      await t.step("$geoNear stage: distances, key, query, errors", async () => {
        const out = await indexed.aggregate([
          {
            $geoNear: {
              near: { type: "Point", coordinates: [0, 0] },
              distanceField: "calc.m",
              maxDistance: 120_000,
              query: { cat: "odd" },
              includeLocs: "calc.loc",
              distanceMultiplier: 0.001,
            },
          },
          { $project: { _id: 1, calc: 1 } },
        ]).toArray();
        assert.equal(out.length, 4);
        for (const d of out) {
          assert.ok(Math.abs(d.calc.m - hav([0, 0], d.calc.loc.coordinates) * R / 1000) < 1e-6);
          assert.ok(d.calc.m > 110 && d.calc.m < 112);
        }
        await indexed.createIndex({ other: "2dsphere" });
        await assert.rejects(
          indexed.aggregate([{ $geoNear: { near: [0, 0], distanceField: "d", spherical: true } }]).toArray(),
          (e: MongoServerError) => e.code === 27 && /more than one 2dsphere index/.test(e.message),
        );
        const byKey: AnyDoc[] = await indexed.aggregate([
          { $geoNear: { near: [0, 0], distanceField: "d", spherical: true, key: "loc" } },
          { $limit: 1 },
        ]).toArray();
        assert.equal(byKey[0]!.d, 0);
        await assert.rejects(
          plain.aggregate([{ $geoNear: { near: [0, 0], distanceField: "d" } }]).toArray(),
          code(27),
        );
        await assert.rejects(
          indexed.aggregate([{ $match: {} }, { $geoNear: { near: [0, 0], distanceField: "d" } }]).toArray(),
          code(40602),
        );
        await assert.rejects(
          indexed.aggregate([{ $geoNear: { distanceField: "d" } }]).toArray(),
          code(16605),
        );
        await assert.rejects(indexed.aggregate([{ $geoNear: { near: [0, 0] } }]).toArray(), code(16606));
      });

      await t.step("compound 2dsphere + scalar", async () => {
        const shops = db.collection<AnyDoc>("shops");
        await shops.createIndex({ kind: 1, loc: "2dsphere" });
        const s: AnyDoc[] = [];
        for (let i = 0; i < 200; i++) {
          s.push({
            _id: i,
            kind: i % 4 === 0 ? "cafe" : "bar",
            loc: { type: "Point", coordinates: [i / 100, i / 200] },
          });
        }
        await shops.insertMany(s);
        const f = {
          kind: "cafe",
          loc: { $geoWithin: { $centerSphere: [[0.5, 0.25], 30_000 / R] } },
        };
        const got = (await shops.find(f).sort({ _id: 1 }).toArray()).map((d) => d._id);
        const want = s.filter((d) => d.kind === "cafe" && hav([0.5, 0.25], d.loc.coordinates) <= 30_000 / R)
          .map((d) => d._id);
        assert.deepEqual(got, want);
        const ex = await shops.find(f).explain("executionStats");
        assert.match(JSON.stringify(ex.queryPlanner.winningPlan), /kind_1_loc_2dsphere/);
        const near = await shops.find({
          kind: "bar",
          loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] } } },
        }).limit(3).toArray();
        assert.deepEqual(near.map((d) => d._id), [1, 2, 3]);
      });
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
