/**
 * Behaviours mongod's own jstests (jstests/core, run against us through mongosh; docs/driver_suites.md)
 * expect, kept as our tests through the Node driver: count refuses a bad filter on a collection that does
 * not exist (SERVER-8514) and plans a hint even with no filter (a sparse index counts what it holds); update
 * operators and pipeline updates compare strings under the collection's default collation (collation_update.js,
 * collation_find_and_modify.js).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Double, Timestamp } from "bson";
import { serverTest } from "./helpers/embedded_server.ts";

const fail = (p: Promise<unknown>) => p.then(() => assert.fail("expected an error"), (e: AnyDoc) => e);

serverTest(
  "count: a bad filter on a missing collection is refused; a hint is planned without a filter",
  async (client) => {
    const db = client.db("jsf");
    assert.equal((await fail(db.command({ count: "nope", query: { a: { $invalid: 1 } } }))).code, 2);
    assert.equal((await db.command({ count: "nope", query: { a: 1 } })).n, 0);
    await db.collection("c").insertMany([{ i: 1 }, { i: 2 }]);
    await db.collection("c").createIndex({ x: 1 }, { sparse: true });
    // "A hint should be respected, even if it results in the wrong answer" (jstests/core count_hint.js)
    assert.equal((await db.command({ count: "c", hint: "x_1" })).n, 0);
    assert.equal((await db.command({ count: "c", hint: { x: 1 } })).n, 0);
    assert.equal((await db.command({ count: "c", hint: "_id_" })).n, 2);
    assert.equal((await db.command({ count: "c" })).n, 2);
    assert.equal((await db.command({ count: "c", hint: { _id: 1 }, limit: 1 })).n, 1);
    assert.equal((await fail(db.command({ count: "c", hint: "nope_1" }))).code, 2);
    assert.equal(await db.collection("c").countDocuments({}, { hint: "x_1" }), 0);
  },
);

serverTest("update operators and pipeline updates use the collection's default collation", async (client) => {
  const db = client.db("jsf");
  await db.createCollection("num", { collation: { locale: "en_US", numericOrdering: true } });
  const num = db.collection<AnyDoc>("num");
  await num.insertOne({ _id: 1, a: "124" });
  await num.updateOne({ _id: 1 }, { $min: { a: "1234" } });
  assert.equal((await num.findOne({ _id: 1 }))!.a, "124");
  await db.createCollection("ci", { collation: { locale: "en_US", strength: 2 } });
  const ci = db.collection<AnyDoc>("ci");
  await ci.insertOne({ _id: 1, x: [1, 2, "a", "b", "c", "B"], arr: ["a", "B"] });
  const after = await ci.findOneAndUpdate({}, [{ $set: { newField: { $indexOfArray: ["$x", "B"] } } }], {
    returnDocument: "after",
  });
  assert.equal(after!.newField, 3);
  await ci.updateOne({ _id: 1 }, { $addToSet: { arr: "b" } });
  await ci.updateOne({ _id: 1 }, { $pull: { arr: "A" } } as AnyDoc);
  assert.deepEqual((await ci.findOne({ _id: 1 }))!.arr, ["B"]);
  // an explicit collation on the operation wins
  await ci.updateOne({ _id: 1 }, { $pull: { arr: "b" } } as AnyDoc, { collation: { locale: "simple" } });
  assert.deepEqual((await ci.findOne({ _id: 1 }))!.arr, ["B"]);
});

serverTest(
  "create's idIndex and storageEngine, collStats of a missing collection, jsonSchema and API params",
  async (client) => {
    const db = client.db("jsf2");
    const code = async (p: Promise<unknown>) => (await fail(p)).code;
    // idIndex (create_collection.js)
    assert.equal(
      await code(db.command({ create: "a", autoIndexId: false, idIndex: { key: { _id: 1 }, name: "_id_" } })),
      72,
    );
    assert.equal(await code(db.command({ create: "a", idIndex: {} })), 9);
    assert.equal(await code(db.command({ create: "a", idIndex: { key: { a: 1 }, name: "_id_" } })), 2);
    assert.equal(
      await code(db.command({ create: "a", idIndex: { key: { _id: 1 }, name: "_id_", sparse: true } })),
      197,
    );
    await db.command({ create: "v1", idIndex: { key: { _id: 1 }, name: "x", v: 1 } });
    const [id] = await db.collection("v1").listIndexes().toArray();
    assert.equal(id!.name, "_id_");
    assert.equal(id!.v, 1);
    // storageEngine: only wiredTiger, only its configString (apitest_db.js)
    assert.equal(await code(db.command({ create: "s", storageEngine: { unknownStorageEngine: {} } })), 72);
    assert.equal(await code(db.command({ create: "s", storageEngine: { wiredTiger: 1 } })), 2);
    assert.equal(await code(db.command({ create: "s", storageEngine: { wiredTiger: { nope: 1 } } })), 72);
    await db.command({
      create: "s",
      storageEngine: { wiredTiger: { configString: "block_compressor=zlib" } },
    });
    assert.equal(
      await code(
        db.command({
          createIndexes: "s",
          indexes: [{ key: { a: 1 }, name: "a_1", storageEngine: { inMemory: {} } }],
        }),
      ),
      72,
    );
    // collStats of a collection that does not exist: zeros (apitest_dbcollection.js)
    const stats: AnyDoc = await db.command({ collStats: "missing" });
    assert.equal(stats.ok, 1);
    assert.equal(stats.count, 0);
    assert.equal(stats.nindexes, 0);
    assert.equal(stats.ns, "jsf2.missing");
    // a top-level jsonSchema is meant for mongocryptd (command_json_schema_field.js)
    for (
      const cmd of [{ find: "s", jsonSchema: {} }, { count: "s", jsonSchema: {} }, {
        insert: "s",
        documents: [{}],
        jsonSchema: {},
      }]
    ) {
      const e = await fail(db.command(cmd));
      assert.equal(e.code, 4662500);
      assert.match(e.message, /This command may be meant for a mongocryptd process/);
    }
    // apiStrict / apiDeprecationErrors without apiVersion (api_version_parameters.js)
    assert.equal(await code(db.command({ ping: 1, apiStrict: true })), 4886600);
    assert.equal(await code(db.command({ ping: 1, apiDeprecationErrors: false })), 4886600);
  },
);

serverTest(
  "a database whose name differs only in case from an existing one is 13297 DatabaseDifferCase",
  async (client) => {
    await client.db("dbcase_a").collection("foo").insertOne({ x: 1 });
    const b = client.db("dbcase_A");
    for (const p of [b.command({ insert: "foo", documents: [{ x: 1 }] }), b.command({ create: "foo" })]) {
      const e = await fail(p);
      assert.equal(e.code, 13297);
      assert.match(
        e.message,
        /db already exists with different case already have: \[dbcase_a\] trying to create \[dbcase_A\]/,
      );
    }
    const r = await fail(
      client.db("admin").command({ renameCollection: "dbcase_a.foo", to: "dbcase_A.bar" }),
    );
    assert.equal(r.code, 13297);
    const names = (await client.db("admin").command({ listDatabases: 1, nameOnly: true })).databases.map((
      d: AnyDoc,
    ) => d.name);
    assert.equal(names.includes("dbcase_A"), false);
    // the same name is fine, and so is the other case once the first database is gone
    await client.db("dbcase_a").collection("more").insertOne({ x: 1 });
    await client.db("dbcase_a").dropDatabase();
    await b.collection("foo").insertOne({ x: 1 });
  },
);

serverTest(
  "geo: empty 2d locations index nothing; $center includes axis points at the radius; polygon loops apart",
  async (client) => {
    const db = client.db("jsfgeo");
    const flat = db.collection<AnyDoc>("flat");
    await flat.createIndex({ loc: "2d" });
    await flat.insertMany([{ _id: 1, loc: [1, 1] }, { _id: 2, loc: [] }, { _id: 3, loc: {} }, {
      _id: 4,
      loc: [[], [2, 2]],
    }]);
    assert.equal(await flat.countDocuments({}), 4); // geo6.js
    assert.equal((await fail(flat.insertOne({ loc: { type: "Point", coordinates: [0, 0] } }))).code, 16804);
    assert.equal((await fail(flat.insertOne({ loc: [[0, 0], 1] }))).code, 16804);
    // geo_circle4.js: (52.0001 - 52) > 0.0001 in doubles, yet mongod counts these points as on the circle
    const c = db.collection<AnyDoc>("circle");
    const pts = [[4.9999, 52], [5, 52], [5.0001, 52], [5, 52.0001], [5, 51.9999], [4.9999, 52.0001]];
    await c.insertMany(pts.map((p, i) => ({ _id: i + 1, loc: { x: p[0], y: p[1] } })));
    const within = { loc: { $geoWithin: { $center: [[5, 52], 0.0001] } } };
    assert.equal(await c.countDocuments(within), 5);
    await c.createIndex({ loc: "2d" });
    assert.equal(await c.countDocuments(within), 5);
    // a hole that repeats the shell, or holes that cross, are invalid (geo_s2holesameasshell.js, geo_s2polywithholes.js)
    const s = db.collection<AnyDoc>("sphere");
    await s.createIndex({ geo: "2dsphere" });
    const shell = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]];
    const bad = [
      [shell, shell],
      [shell, [[0.2, 0.6], [0.2, 0.9], [0.6, 0.9], [0.6, 0.6], [0.2, 0.6]], [
        [0.5, 0.4],
        [0.5, 0.7],
        [0.8, 0.7],
        [0.8, 0.4],
        [0.5, 0.4],
      ]],
    ];
    for (const coordinates of bad) {
      assert.equal((await fail(s.insertOne({ geo: { type: "Polygon", coordinates } }))).code, 16755);
    }
    await s.insertOne({
      geo: { type: "Polygon", coordinates: [shell, [[0, 0], [0.2, 0.5], [0.5, 0.2], [0, 0]]] },
    });
  },
);

serverTest(
  "geo: 2dsphere values, 2d compound arrays, within containment, polygon rules; create's size needs capped",
  async (client) => {
    const db = client.db("jsfgeo2");
    const s = db.collection<AnyDoc>("s");
    await s.createIndex({ geo: "2dsphere" });
    // an array of points is one (invalid) value; empty arrays and documents are "not geo" (geo_s2sparse.js)
    const pt = { type: "Point", coordinates: [1, 2] };
    assert.equal((await fail(s.insertOne({ geo: [pt, pt] }))).code, 16755);
    await s.insertMany([{ geo: [] }, { geo: {} }, { geo: null }]);
    // a polygon with a hole is within itself (geo_s2multi.js)
    const mp = {
      type: "MultiPolygon",
      coordinates: [
        [[[102, 2], [103, 2], [103, 3], [102, 3], [102, 2]]],
        [[[100, 0], [101, 0], [101, 1], [100, 1], [100, 0]], [[100.2, 0.2], [100.8, 0.2], [100.8, 0.8], [
          100.2,
          0.8,
        ], [100.2, 0.2]]],
      ],
    };
    await s.insertOne({ _id: "mp", geo: mp });
    assert.deepEqual((await s.find({ geo: { $geoWithin: { $geometry: mp } } }).toArray()).map((d) => d._id), [
      "mp",
    ]);
    // a cap wider than a hemisphere holding a line's ends but not the line (geo_s2within_line_polygon_sphere.js)
    await s.insertOne({
      _id: "line",
      geo: {
        type: "LineString",
        coordinates: [[96.328125, 5.61598581915534], [153.984375, -6.315298538330033]],
      },
    });
    const cap = {
      $geoWithin: { $centerSphere: [[-59.80246852929814, -2.3633072488322853], 2.768403272464979] },
    };
    assert.equal(await s.countDocuments({ _id: "line", geo: cap }), 0);
    // a hole inside a hole, a hole sharing two vertices with the shell (geo_s2polywithholes.js)
    const shell = [[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]];
    for (
      const coordinates of [
        [shell, [[0.1, 0.1], [0.1, 0.9], [0.9, 0.9], [0.9, 0.1], [0.1, 0.1]], [
          [0.2, 0.2],
          [0.2, 0.8],
          [0.8, 0.8],
          [0.8, 0.2],
          [0.2, 0.2],
        ]],
        [shell, [[0, 0], [0.1, 0.9], [1, 1], [0.9, 0.1], [0, 0]]],
      ]
    ) {
      assert.equal((await fail(s.insertOne({ geo: { type: "Polygon", coordinates } }))).code, 16755);
    }
    // a legacy point in $geoIntersects' $geometry (geo_allowedcomparisons.js)
    await s.insertOne({ _id: "p", geo: { type: "Point", coordinates: [5, 5] } });
    assert.equal(await s.countDocuments({ geo: { $geoIntersects: { $geometry: [5, 5] } } }), 1);
    // a 2d index keeps another field's several values as one value: no parallel arrays (geo_s2nongeoarray.js)
    const f = db.collection<AnyDoc>("f");
    await f.createIndex({ geo: "2d", nonGeo: 1, otherNonGeo: 1 });
    await f.insertOne({ geo: [40, 5], nonGeo: [123, 456], otherNonGeo: [{ b: [1, 2] }, { b: [3, 4] }] });
    assert.equal(await f.countDocuments({ nonGeo: 123, geo: { $geoWithin: { $center: [[40, 5], 1] } } }), 1);
    assert.equal(
      await f.countDocuments({ "otherNonGeo.b": 1, geo: { $geoWithin: { $center: [[40, 5], 1] } } }),
      1,
    );
    // create_collection.js: size or max without capped: true
    assert.equal((await fail(db.command({ create: "c", size: 256 }))).code, 72);
    assert.equal((await fail(db.command({ create: "c", capped: false, max: 5 }))).code, 72);
  },
);

serverTest(
  "geo: legacy $near [x, y, maxDistance], $polygon as a document, a one-clause $or around $near",
  async (client) => {
    const c = client.db("jsfgeo3").collection<AnyDoc>("c");
    await c.insertMany([{ _id: 1, loc: [50, 50] }, { _id: 2, loc: [51, 51] }, { _id: 3, loc: [60, 60] }]);
    await c.createIndex({ loc: "2d" });
    assert.deepEqual((await c.find({ loc: { $near: [50, 50, 3] } }).toArray()).map((d) => d._id), [1, 2]); // geo2.js
    const poly = { a: [40, 40], b: [40, 55], c: [55, 55], d: [55, 40] };
    assert.equal(await c.countDocuments({ loc: { $geoWithin: { $polygon: poly } } }), 2); // geo_polygon1.js
    assert.equal((await c.find({ $or: [{ loc: { $near: [50, 50] } }] }).toArray()).length, 3); // geo_or.js
    const e = await fail(c.find({ $or: [{ loc: { $near: [50, 50] } }, { _id: 1 }] }).toArray());
    assert.match(e.message, /geo \$near must be top-level expr/);
  },
);

serverTest(
  "geo: {$meta: geoNearDistance / geoNearPoint} in find and after $geoNear; $geoNear's field, spherical 0.0, bits",
  async (client) => {
    const db = client.db("jsfgeo4");
    const f = db.collection<AnyDoc>("flat");
    await f.insertMany([{ _id: 1, loc: [0, 0] }, { _id: 2, loc: [3, 4] }]);
    await f.createIndex({ loc: "2d" });
    const proj = { d: { $meta: "geoNearDistance" }, p: { $meta: "geoNearPoint" } };
    const found = await f.find({ loc: { $near: [0, 0] } }, { projection: proj }).toArray();
    assert.deepEqual(found.map((x) => [x._id, x.d, x.p]), [[1, 0, [0, 0]], [2, 5, [3, 4]]]); // geo_near_random.js
    // spherical: 0.0 (a double) is false: flat distances, as the find (geo_near_random1.js)
    const agg = await f.aggregate([{
      $geoNear: { near: [0, 0], distanceField: "dis", spherical: new Double(0) },
    }]).toArray();
    assert.deepEqual(agg.map((x) => x.dis), [0, 5]);
    // after $geoNear the metadata is there too (unscaled by distanceMultiplier)
    const meta = await f.aggregate([
      { $geoNear: { near: [0, 0], distanceField: "dis", distanceMultiplier: 2 } },
      { $project: { dis: 1, d: { $meta: "geoNearDistance" } } },
    ]).toArray();
    assert.deepEqual(meta.map((x) => [x.dis, x.d]), [[0, 0], [10, 5]]);
    // a 2d and a 2dsphere index on one field: the 2d index names the field, a GeoJSON point is planned on the
    // 2dsphere one (geo_operator_crs.js)
    const both = db.collection<AnyDoc>("both");
    await both.insertOne({ geo: [1, 0] });
    await both.createIndex({ geo: "2d" });
    await both.createIndex({ geo: "2dsphere" });
    const near = await both.aggregate([{
      $geoNear: { near: { type: "Point", coordinates: [0, 0] }, distanceField: "dis" },
    }])
      .toArray();
    assert.ok(Math.abs(near[0]!.dis - 111195) < 200);
    // a fractional bits is read as an int (geo_small_large.js)
    const b = db.collection<AnyDoc>("bits");
    await b.createIndex({ p: "2d" }, { min: -1e13, max: 1e13, bits: 25.2 });
    await b.insertOne({ p: [0, 0] });
    assert.equal((await b.find({ p: { $near: [0, 0], $maxDistance: 5e12 } }).toArray()).length, 1);
  },
);

serverTest(
  "query: $exists reads its argument as mongod's trueValue (a double 0.0 is false); $ne refuses a regex",
  async (client) => {
    const t = client.db("jsfq").collection<AnyDoc>("t");
    await t.insertMany([{}, { a: 1 }, { a: 2 }, { a: 3, b: 3 }, { a: 4, b: 4 }]);
    for (const indexed of [false, true]) {
      if (indexed) await t.createIndex({ b: 1 });
      assert.equal(await t.countDocuments({ b: { $exists: new Double(1) } }), 2); // exists7.js
      assert.equal(await t.countDocuments({ b: { $exists: new Double(0) } }), 3);
      assert.equal((await t.find({ b: { $exists: new Double(0) } }).toArray()).length, 3);
    }
    const e = await fail(t.findOne({ t: { $ne: /a/ } })); // ne3.js
    assert.equal(e.code, 2);
    assert.match(e.message, /Can't have regex as arg to \$ne/);
  },
);

serverTest(
  "updates: padding an array is capped at 1,500,000 nulls (34); an upsert takes equalities from a one-clause $or",
  async (client) => {
    const t = client.db("jsfu").collection<AnyDoc>("t");
    await t.insertOne({ _id: 1, a: [] });
    const e = await fail(t.updateOne({ _id: 1 }, { $set: { "a.1500001": 1 } })); // set7.js
    assert.equal(e.code, 34);
    assert.match(e.message, /can't backfill more than 1500000 elements/);
    assert.deepEqual((await t.findOne({ _id: 1 }))!.a, []);
    await t.updateOne({ _id: 1 }, { $set: { "a.3": 1 } });
    assert.deepEqual((await t.findOne({ _id: 1 }))!.a, [null, null, null, 1]);
    // upsert_and.js
    await t.updateOne({ $and: [{ c: 1 }, { d: 1 }, { $or: [{ x: 1 }] }] }, { $setOnInsert: { _id: 2 } }, {
      upsert: true,
    });
    assert.deepEqual(await t.findOne({ _id: 2 }), { _id: 2, c: 1, d: 1, x: 1 });
  },
);

serverTest("a collection holds at most 64 indexes (67 CannotCreateIndex)", async (client) => {
  const c = client.db("jsfidx").collection<AnyDoc>("c");
  for (let i = 0; i < 62; i++) await c.createIndex({ [`i${i}`]: 1 }, { name: `i${i}` });
  const e = await fail(c.createIndexes([{ key: { i62: 1 }, name: "i62" }, { key: { i63: 1 }, name: "i63" }]));
  assert.equal(e.code, 67); // index_create_too_many.js: nothing of the batch is built
  assert.match(e.message, /add index fails, too many indexes for jsfidx\.c key:\{ i63: 1 \}/);
  assert.equal((await c.indexes()).length, 63);
  await c.createIndex({ i62: 1 }, { name: "i62" });
  assert.equal((await c.indexes()).length, 64);
});

serverTest(
  "inserts store a new cluster time for a top-level Timestamp(0, 0) unless bypassEmptyTsReplacement",
  async (client) => {
    const db = client.db("jsfts");
    const t = db.collection<AnyDoc>("t");
    const zero = new Timestamp({ t: 0, i: 0 });
    // repeated single inserts (the later ones are the frame I/O thread's, which leaves these to JS)
    for (let i = 1; i <= 4; i++) await t.insertOne({ _id: i, x: zero, y: { z: zero } });
    const docs = await t.find().sort({ _id: 1 }).toArray();
    for (const d of docs) {
      assert.ok(d.x.high > 0, JSON.stringify(d)); // ts1.js
      assert.equal(d.y.z.high, 0); // nested: as sent
    }
    assert.equal(new Set(docs.map((d) => d.x.toString())).size, 4); // a new tick each
    await t.insertOne({ _id: zero, x: 1 }); // an _id keeps it (SERVER-43014)
    assert.equal((await t.findOne({ x: 1 }))!._id.high, 0);
    await db.command({ insert: "t", documents: [{ _id: 9, x: zero }], bypassEmptyTsReplacement: true });
    assert.equal((await t.findOne({ _id: 9 }))!.x.high, 0);
    // accepted by the other writes (SERVER-88750)
    await db.command({
      update: "t",
      updates: [{ q: { _id: 9 }, u: { $set: { a: 1 } } }],
      bypassEmptyTsReplacement: true,
    });
    await db.command({
      findAndModify: "t",
      query: { _id: 9 },
      update: { $set: { a: 2 } },
      bypassEmptyTsReplacement: true,
    });
  },
);

serverTest(
  "$natural sort: 1 or -1 alone, not with an index hint; create takes temp; a negative TTL's message",
  async (client) => {
    const db = client.db("jsfnat");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany([{ _id: 1, a: 3 }, { _id: 2, a: 2 }, { _id: 3, a: 1 }]);
    await c.createIndex({ a: 1 });
    const code = async (p: Promise<unknown>) => (await fail(p)).code;
    assert.equal(await code(db.command({ find: "c", hint: { a: 1 }, sort: { $natural: 1 } })), 2); // natural.js
    assert.equal(await code(db.command({ find: "c", sort: { $natural: 5 } })), 2);
    assert.equal(await code(db.command({ find: "c", sort: { $natural: 1, a: 1 } })), 2);
    assert.deepEqual((await c.find().hint({ $natural: 1 }).sort({ a: 1 }).toArray()).map((d) => d._id), [
      3,
      2,
      1,
    ]);
    assert.deepEqual((await c.find().sort({ $natural: -1 }).toArray()).map((d) => d._id), [3, 2, 1]);
    // list_collections1.js: mongod's internal temp flag is taken and listed
    await db.command({ create: "tmp", temp: true });
    const [tmp] = await db.listCollections({ name: "tmp" }).toArray();
    assert.equal((tmp as AnyDoc).options.temp, true);
    const ttl = await fail(c.createIndex({ x: 1 }, { expireAfterSeconds: -1 }));
    assert.equal(ttl.code, 67);
    assert.match(ttl.message, /cannot be less than 0/);
  },
);

serverTest(
  "collMod changes the TTL of an index whose expireAfterSeconds was sent as a double",
  async (client) => {
    const db = client.db("jsfttl");
    await db.command({
      createIndexes: "c",
      indexes: [{ key: { a: 1 }, name: "a_1", expireAfterSeconds: new Double(50) }],
    });
    const r: AnyDoc = await db.command({
      collMod: "c",
      index: { keyPattern: { a: 1 }, expireAfterSeconds: new Double(100) },
    });
    assert.equal(r.expireAfterSeconds_old, 50); // collmod.js
    assert.equal(r.expireAfterSeconds_new, 100);
    const ix = (await db.collection("c").indexes()).find((i) => i.name === "a_1")!;
    assert.equal(ix.expireAfterSeconds, 100);
  },
);

serverTest(
  "a projection sent with doubles (1.0 / 0.0) is covered by an index as with ints",
  async (client) => {
    const db = client.db("jsfcov");
    await db.collection("c").insertMany([{ foo: "a" }, { foo: "b" }, { bar: 1 }]);
    await db.collection("c").createIndex({ foo: 1 });
    const e: AnyDoc = await db.command({
      explain: {
        find: "c",
        filter: { foo: "a" },
        projection: { foo: new Double(1), _id: new Double(0) },
        hint: { foo: 1 },
      },
      verbosity: "executionStats",
    });
    assert.equal(e.queryPlanner.winningPlan.stage, "PROJECTION_COVERED"); // covered_index_*.js
    assert.equal(e.executionStats.totalDocsExamined, 0);
  },
);

serverTest(
  "a 2d index over one document of 10,001 points builds at once (it held the server for ~70 s)",
  async (client) => {
    const c = client.db("jsfgeo5").collection<AnyDoc>("c");
    const loc: unknown[] = Array.from({ length: 10_000 }, () => [new Double(10), new Double(10)]);
    loc.push([new Double(100), new Double(100)]);
    await c.insertOne({ loc });
    const started = performance.now();
    await c.createIndex({ loc: "2d" }); // geo_uniqueDocs2.js
    assert.ok(performance.now() - started < 5_000);
    assert.equal(await c.countDocuments({ loc: { $geoWithin: { $center: [[99, 99], 5] } } }), 1);
    // an in-memory server's oplog has a byte cap within the storage cache (a quarter of it)
    const stats: AnyDoc = await client.db("local").command({ collStats: "oplog.rs" });
    assert.ok(stats.maxSize <= 256 * 1024 * 1024, String(stats.maxSize));
  },
);

serverTest(
  "an aggregation result document past 16 MB is 10334 BSONObjectTooLarge, not an internal error",
  async (client) => {
    const c = client.db("jsfbig").collection<AnyDoc>("c");
    const doc = { str: "x".repeat(1024 * 1024 - 100) };
    await c.insertMany([{ ...doc }, { ...doc }]);
    let p: AnyDoc[] = [];
    for (let i = 0; i < 5; ++i) {
      p = p.concat([
        { $lookup: { from: "c", pipeline: [{ $match: {} }], as: "join" } },
        { $unwind: "$join" },
        {
          $project: { str: 1 },
        },
      ]);
    }
    const e = await fail(c.aggregate([{ $facet: { product: p } }]).toArray()); // facet_memory_consumption.js
    assert.equal(e.code, 10334);
    assert.equal(await c.countDocuments({}), 2); // and the server serves on
  },
);

serverTest(
  "aggregation details (jstests/aggregation): 0.0 excludes, {aggregate: 1.0}, $const, $let of CURRENT, $split/$ln edges; createIndex({_id: 1})",
  async (client) => {
    const db = client.db("jsfagg");
    const c = db.collection<AnyDoc>("c");
    await c.insertOne({ _id: 1, a: 1, b: 2, c: { d: 1, e: 2 } });
    // a $project of 0.0 on a collection (the fields it reads were taken as an inclusion list)
    assert.deepEqual(await c.aggregate([{ $project: { a: new Double(0) } }]).toArray(), [{
      _id: 1,
      b: 2,
      c: { d: 1, e: 2 },
    }]);
    const one: AnyDoc = await db.command({
      aggregate: new Double(1),
      pipeline: [{ $documents: [{ x: 1 }] }],
      cursor: {},
    });
    assert.deepEqual(one.cursor.firstBatch, [{ x: 1 }]);
    const [r] = await c.aggregate([{
      $project: {
        k: { $const: 5 },
        cur: { $let: { vars: { CURRENT: "$c" }, in: "$d" } },
        split: { $split: ["a,b", null] },
        ln: { $ln: NaN },
      },
    }]).toArray();
    assert.equal(r!.k, 5);
    assert.equal(r!.cur, 1);
    assert.equal(r!.split, null);
    assert.ok(Number.isNaN(r!.ln));
    // {_id: 1} names the _id index: asking for it is a no-op
    await c.createIndex({ _id: 1 });
    assert.deepEqual((await c.indexes()).map((i) => i.name), ["_id_"]);
  },
);

serverTest(
  "find: singleBatch returns one batch of batchSize and closes; a projection of _id.a keeps only that part",
  async (client) => {
    const db = client.db("jsffind");
    await db.collection("c").insertMany(
      [{ _id: { a: 1, b: 1 } }, { _id: 3 }, { _id: { a: 2, b: 2 }, x: 1 }, { _id: 5 }] as AnyDoc[],
    );
    const r: AnyDoc = await db.command({ find: "c", batchSize: 2, singleBatch: true });
    assert.equal(r.cursor.firstBatch.length, 2); // batch_size.js
    assert.equal(Number(r.cursor.id), 0);
    const p: AnyDoc = await db.command({ find: "c", projection: { "_id.a": 1 } });
    assert.deepEqual(p.cursor.firstBatch, [{ _id: { a: 1 } }, {}, { _id: { a: 2 } }, {}]); // id_partial_projection.js
  },
);

serverTest(
  "createIndexes refuses a key field starting with '.', a name with NUL and a regex in a partial filter (67)",
  async (client) => {
    const c = client.db("jsfidx").collection("c");
    const refused = async (spec: AnyDoc, opts: AnyDoc = {}) => {
      await assert.rejects(() => c.createIndex(spec, opts), (e: AnyDoc) => e.code === 67);
    };
    await refused({ ".a": 1 }); // index_check1.js
    await refused({ a: 1 }, { name: "a\0b" }); // index_create_too_many / embedded null
    await refused({ a: 1 }, { partialFilterExpression: { b: /x/ } }); // index_partial_create_drop.js
    assert.deepEqual((await c.indexes().catch(() => [])).map((i: AnyDoc) => i.name), []);
  },
);

serverTest(
  "explain of a 700,000-value $in answers, the plan past 10 MB replaced by mongod's size warning (was internal error)",
  async (client) => {
    const c = client.db("jsfexplain").collection("c");
    await c.createIndex({ a: 1 });
    const values = Array.from({ length: 700_000 }, (_, i) => i);
    const e: AnyDoc = await c.find({ a: { $in: values } }).explain("queryPlanner"); // explain_large_bounds.js
    assert.equal(e.ok, 1);
    // (the stage tree past 10 MB, or the bounds that would cross it, is a warning)
    const plan = JSON.stringify(e.queryPlanner.winningPlan);
    assert.match(plan, /(stats tree exceeded|index bounds omitted due to) BSON size limit for explain/);
    assert.doesNotMatch(plan, /indexBounds/);
  },
);

serverTest(
  "write hints that are neither a name nor a key pattern are 9; a hinted $** index refuses min/max (51174) and unanswerable queries (291)",
  async (client) => {
    const db = client.db("jsfhint");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany([{ _id: 1, a: 1, c: { d: 1 } }]);
    for (const hint of [1, true]) {
      const cmds: AnyDoc[] = [
        { delete: "c", deletes: [{ q: { _id: 1 }, limit: 1, hint }] }, // delete_hint.js
        { update: "c", updates: [{ q: { _id: 1 }, u: { $set: { x: 1 } }, hint }] }, // update_hint.js
      ];
      for (const cmd of cmds) {
        await assert.rejects(() => db.command(cmd), (e: AnyDoc) => e.code === 9);
      }
    }
    assert.equal(await c.countDocuments({ x: 1 }), 0);
    await c.createIndex({ "c.$**": 1 });
    await assert.rejects( // wildcard_index_minmax.js
      () => db.command({ find: "c", min: { a: 1 }, hint: { "c.$**": 1 } }),
      (e: AnyDoc) => e.code === 51174,
    );
    await assert.rejects( // wildcard_index_hint.js
      () => db.command({ find: "c", filter: { a: 1 }, hint: { "c.$**": 1 } }),
      (e: AnyDoc) => e.code === 291,
    );
    assert.equal((await c.find({ "c.d": 1 }).hint({ "c.$**": 1 }).toArray()).length, 1);
  },
);

serverTest(
  "find: {$meta: 'sortKey'} gives the sort key values (also beside returnKey); refused without a sort and in findAndModify",
  async (client) => {
    const db = client.db("jsfsortkey");
    const c = db.collection<AnyDoc>("c");
    await c.insertMany([{ _id: 1, a: 2, b: [5, 3] }, { _id: 2, a: 1 }]);
    await c.createIndex({ a: 1 });
    const rows = await c.find({}, { projection: { k: { $meta: "sortKey" } } }).sort({ a: 1, b: -1 })
      .toArray();
    assert.deepEqual(rows, [{ _id: 2, a: 1, k: [1, null] }, { _id: 1, a: 2, b: [5, 3], k: [2, 5] }]); // sortl.js
    const keys = await c.find({}, { projection: { "x.y": { $meta: "sortKey" } } }).hint({ a: 1 }).sort({
      a: -1,
    })
      .returnKey(true).toArray();
    assert.deepEqual(keys, [{ a: 2, x: { y: [2] } }, { a: 1, x: { y: [1] } }]); // return_key.js
    await assert.rejects(
      () => c.find({}, { projection: { k: { $meta: "sortKey" } } }).toArray(),
      (e: AnyDoc) => e.code === 2,
    );
    await assert.rejects(
      () =>
        db.command({
          findAndModify: "c",
          query: { _id: 1 },
          update: { $set: { z: 1 } },
          sort: { a: 1 },
          fields: { k: { $meta: "sortKey" } },
        }),
      (e: AnyDoc) => e.code === 2,
    );
    assert.equal(await c.countDocuments({ z: 1 }), 0);
    // in a pipeline: the keys of the $sort before (find's form), also when the $sort leads or has a
    // $limit; without a $sort the field is left out (sort_key_with_missing_fields.js)
    const agg = (p: AnyDoc[]) => c.aggregate(p).toArray();
    assert.deepEqual(await agg([{ $sort: { a: 1, b: -1 } }, { $project: { k: { $meta: "sortKey" } } }]), [
      { _id: 2, k: [1, null] },
      { _id: 1, k: [2, 5] },
    ]);
    assert.deepEqual(
      await agg([{ $match: { a: { $gt: 0 } } }, { $sort: { a: -1 } }, { $limit: 1 }, {
        $addFields: { k: { $meta: "sortKey" } },
      }, { $project: { k: 1 } }]),
      [{ _id: 1, k: [2] }],
    );
    assert.deepEqual(await agg([{ $project: { k: { $meta: "sortKey" } } }, { $sort: { _id: 1 } }]), [
      { _id: 1 },
      { _id: 2 },
    ]);
  },
);

serverTest(
  "a replacement is a no-op only when equal to the stored document as sent: {} over {_id: 0} is validated (121)",
  async (client) => {
    const db = client.db("jsfreplace");
    const c = db.collection<AnyDoc>("c");
    await c.insertOne({ _id: 0 });
    await db.command({
      collMod: "c",
      validator: { $jsonSchema: { required: ["a"] } },
      validationLevel: "strict",
    });
    await assert.rejects(() => c.replaceOne({ _id: 0 }, {}), (e: AnyDoc) => e.code === 121); // json_schema/required.js
    await db.command({ collMod: "c", validator: {} });
    assert.equal((await c.replaceOne({ _id: 0 }, {})).modifiedCount, 1);
    assert.equal((await c.replaceOne({ _id: 0 }, { _id: 0 })).modifiedCount, 0);
  },
);

serverTest(
  "$in with thousands of doubles over an indexed field: one lookup per value kind (removea.js: 10,000 doubles took ~100 s and held the server)",
  async (client) => {
    const c = client.db("jsfremovea").collection<AnyDoc>("c");
    await c.createIndex({ a: 1 });
    await c.insertMany(Array.from({ length: 4_000 }, (_, i) => ({ a: i % 2 ? new Double(i) : i })));
    const drop = Array.from({ length: 4_000 }, (_, i) => new Double((i * 7) % 8_000));
    const want = new Set(drop.map((d) => d.value).filter((v) => v < 4_000)).size;
    assert.equal(await c.countDocuments({ a: { $in: drop } }), want);
    assert.equal((await c.deleteMany({ a: { $in: drop } })).deletedCount, want);
    assert.equal(await c.countDocuments({}), 4_000 - want);
  },
);

serverTest(
  "mongod's codes: $meta argument 17308, $meta sorts 31138/31218/31219, a hidden text index 291, hiding on system.* 2, distinct key with NUL 31032",
  async (client) => {
    const db = client.db("jsfcodes");
    const c = db.collection<AnyDoc>("c");
    await c.insertOne({ _id: 1, a: "java" });
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e: AnyDoc) => e.code);
    assert.equal(await code(c.find({}, { projection: { x: { $meta: "some garbage" } } }).toArray()), 17308); // find_projection_meta_errors.js
    assert.equal(await code(db.command({ find: "c", sort: { _id: { $meta: 1 } } })), 31138); // sort_with_meta_operator.js
    assert.equal(await code(c.aggregate([{ $sort: { _id: { $meta: "1" } } }]).toArray()), 31138);
    assert.equal(await code(c.find({}).sort({ _id: { $meta: "searchScore" } }).toArray()), 31218);
    assert.equal(await code(c.find({}).sort({ _id: { $meta: "searchHighlights" } }).toArray()), 31219);
    await c.createIndex({ a: "text" }, { hidden: true }); // hidden_index.js
    assert.equal(await code(c.find({ $text: { $search: "java" } }).toArray()), 291);
    await db.command({ collMod: "c", index: { name: "a_text", hidden: false } });
    assert.equal((await c.find({ $text: { $search: "java" } }).toArray()).length, 1);
    const sys = db.collection<AnyDoc>("system.js");
    await sys.insertOne({ _id: "f", value: 1 });
    assert.equal(await code(sys.createIndex({ b: 1 }, { hidden: true })), 2);
    await sys.createIndex({ b: 1 });
    assert.equal(await code(db.command({ collMod: "system.js", index: { name: "b_1", hidden: true } })), 2);
    assert.equal(await code(db.command({ distinct: "c", key: "a\0b" })), 31032); // distinct4.js
  },
);
