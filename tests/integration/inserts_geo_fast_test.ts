/**
 * Inserts into a collection with a 2dsphere index answered by the frame I/O thread
 * (ffi/wiredtiger/shim/io_fast_geo.c: a plain GeoJSON point's cell made there): the same random inserts
 * (points, legacy pairs, other geometries, missing and null values, invalid GeoJSON), finds and deletes
 * sent to a server with the I/O thread's writes and one without get the same replies (16755 errors
 * included) and leave the same documents, the same index entries (validate recomputes every entry with
 * the command layer's key generator and compares the bytes; the keys seen through a hinted `returnKey`
 * scan), and the same `$geoWithin` / `$near` / `$geoIntersects` answers; the I/O thread made most of the
 * inserts. Also the Node driver's insertOne.
 */
import assert from "node:assert/strict";
import { BSON, Double, Int32 } from "bson";
import { driverTest, found, rng, sameReplies, type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const ioInserts = (status: Doc) => Number(((status["secantus"] as Doc)["ioThread"] as Doc)["inserts"]);

/** A coordinate: mostly doubles, some int32s, some edges (±180, ±90, -0). */
function coordinate(r: () => number, bound: number): unknown {
  const k = r();
  if (k < 0.05) return bound;
  if (k < 0.1) return -bound;
  if (k < 0.13) return -0.0;
  if (k < 0.25) return new Int32(Math.floor(r() * 2 * bound) - bound);
  if (k < 0.3) return new Double(Math.floor(r() * 2 * bound) - bound);
  return (r() * 2 - 1) * bound;
}

/** A value of the 2dsphere field: mostly points the I/O thread keys, some the command layer's. */
function locValue(r: () => number): unknown {
  const k = r();
  const lng = coordinate(r, 180);
  const lat = coordinate(r, 90);
  if (k < 0.7) return { type: "Point", coordinates: [lng, lat] };
  if (k < 0.74) return { coordinates: [lng, lat], type: "Point" };
  if (k < 0.76) return [lng, lat]; // a legacy pair
  if (k < 0.78) return { type: "Point", coordinates: [lng, lat, 10] }; // an altitude
  if (k < 0.8) return { type: "Point", coordinates: [200, 10] }; // out of bounds: 16755
  if (k < 0.81) return { type: "Point", coordinates: ["a", 1] }; // 16755
  if (k < 0.82) return { type: "Pointy", coordinates: [1, 1] }; // 16755
  if (k < 0.84) {
    return { type: "LineString", coordinates: [[0, 0], [Math.floor(r() * 10) + 1, 1]] };
  }
  if (k < 0.85) {
    return {
      type: "Point",
      coordinates: [1, 2],
      crs: { type: "name", properties: { name: "EPSG:4326" } },
    };
  }
  if (k < 0.87) return null;
  if (k < 0.88) return {};
  return undefined; // missing
}

function insertOf(i: number, r: () => number): Doc {
  const doc: Doc = { _id: r() < 0.9 ? i : Math.floor(r() * i), a: Math.floor(r() * 20) };
  const loc = locValue(r);
  if (loc !== undefined) doc["loc"] = loc;
  if (r() < 0.5) doc["s"] = `s${i}`;
  return { insert: "g", documents: [doc], $db: "x" };
}

const QUERIES: Doc[] = [
  { loc: { $geoWithin: { $box: [[-20, -20], [40, 30]] } } },
  { loc: { $geoWithin: { $centerSphere: [[10, 10], 0.3] } } },
  {
    loc: {
      $geoWithin: {
        $geometry: {
          type: "Polygon",
          coordinates: [[[-100, -40], [100, -40], [100, 40], [-100, 40], [-100, -40]]],
        },
      },
    },
  },
  { loc: { $geoIntersects: { $geometry: { type: "Point", coordinates: [0, 0] } } } },
];

async function geoAnswers(s: WriteSide): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const filter of QUERIES) {
    const docs = await found(s, { find: "g", filter, sort: { _id: 1 }, $db: "x" });
    out.push(docs.map((d) => Buffer.from(d).toString("hex")));
  }
  for (const center of [[0, 0], [120, -45], [-179, 89]]) {
    const near = await found(s, {
      find: "g",
      filter: {
        loc: { $near: { $geometry: { type: "Point", coordinates: center }, $maxDistance: 3_000_000 } },
      },
      limit: 50,
      $db: "x",
    });
    out.push(near.map((d) => Buffer.from(d).toString("hex")));
  }
  const keys = await found(s, {
    find: "g",
    filter: { loc: { $geoWithin: { $box: [[-180, -90], [180, 90]] } } },
    hint: { loc: "2dsphere" },
    returnKey: true,
    $db: "x",
  });
  out.push(keys.map((d) => Buffer.from(d).toString("hex")).sort());
  return out;
}

Deno.test({
  name:
    "inserts with a 2dsphere index: the I/O thread's replies, documents, index entries and geo answers are " +
    "the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await writeSide(true), await writeSide(false)];
    try {
      for (const s of sides) {
        await s.ask({
          createIndexes: "g",
          indexes: [{ key: { loc: "2dsphere" }, name: "loc_2dsphere" }, { key: { a: 1 }, name: "a_1" }],
          $db: "x",
        });
      }
      const r = rng(42);
      for (let i = 0; i < 2500; i++) {
        const k = r();
        let q: Doc;
        if (k < 0.85) q = insertOf(i, r);
        else if (k < 0.92) q = { find: "g", filter: { _id: Math.floor(r() * i) }, $db: "x" };
        else q = { delete: "g", deletes: [{ q: { _id: Math.floor(r() * i) }, limit: 1 }], $db: "x" };
        await sameReplies(sides, q, `request ${i}`, r() < 0.3);
      }
      for (const scan of [{}, { hint: { a: 1 } }]) {
        const docs = await Promise.all(sides.map((s) => found(s, { find: "g", ...scan, $db: "x" })));
        assert.deepEqual(docs[0], docs[1], JSON.stringify(scan));
      }
      const validated = [];
      for (const s of sides) {
        const v = await s.ask({ validate: "g", full: true, $db: "x" });
        assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
        validated.push(BSON.EJSON.serialize(v["keysPerIndex"]));
      }
      assert.deepEqual(validated[0], validated[1]);
      const [ga, gb] = await Promise.all(sides.map(geoAnswers));
      assert.deepEqual(ga, gb);
      assert.ok((ga![0] as unknown[]).length > 20, "the box holds some points");
      const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
      assert.equal(ioInserts(sb!), 0);
      const served = ioInserts(sa!);
      assert.ok(served > 1000, `the I/O thread answered ${served} inserts`);
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

driverTest(
  "inserts with a 2dsphere index through the Node driver: made on the I/O thread, found by $near, " +
    "invalid GeoJSON refused with 16755",
  async (client, s) => {
    const coll = client.db("x").collection<Doc>("drv");
    await coll.createIndex({ loc: "2dsphere" });
    const io = async () => ioInserts(await s.ask({ serverStatus: 1, $db: "admin" }));
    const before = await io();
    for (let i = 0; i < 200; i++) {
      await coll.insertOne({ _id: i, loc: { type: "Point", coordinates: [i % 90, (i * 7) % 80] } } as Doc);
    }
    assert.ok(await io() - before > 150, "the driver's inserts were made there");
    const near = await coll.find({
      loc: { $near: { $geometry: { type: "Point", coordinates: [0, 0] }, $maxDistance: 200_000 } },
    }).toArray();
    assert.deepEqual(near.map((d) => d._id), [0]);
    const bad = await coll.insertOne({ _id: "bad", loc: { type: "Point", coordinates: [181, 0] } } as Doc)
      .catch((e) => e);
    assert.equal(bad.code, 16755);
    assert.match(bad.message, /Can't extract geo keys/);
    await coll.deleteOne({ _id: 0 } as Doc);
    assert.equal(await coll.countDocuments({ loc: { $geoWithin: { $box: [[-1, -1], [1, 1]] } } }), 0);
    const v = await s.ask({ validate: "drv", full: true, $db: "x" });
    assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
  },
);
