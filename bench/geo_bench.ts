/**
 * Geo benchmark through the Node driver against an embedded `:memory:` server: 100k GeoJSON points
 * spread over a 20°×20° area, the same data in two collections (2dsphere-indexed and not), and
 *
 * - `$near` (GeoJSON point, limit 10) — indexed only (mongod refuses $near without an index); the
 *   unindexed baseline is the equivalent `$geoWithin $centerSphere` + client-side sort;
 * - `$geoWithin` a ~50 km `$centerSphere` (≈ 50 points) and a 1°×1° `$geometry` polygon (≈ 250 points);
 * - `$geoNear` stage, limit 10.
 *
 * Prints ms per query, keys/docs examined, and the indexed/unindexed speed-up.
 *
 *   deno run -A bench/geo_bench.ts [--points 100000] [--ops 50]
 */
import { MongoClient } from "mongodb";
import { startServer } from "../mod.ts";

function arg(name: string, def: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && Deno.args[i + 1] ? Deno.args[i + 1]! : def;
}
const N = Number(arg("points", "100000"));
const ops = Number(arg("ops", "50"));
const R = 6378.1 * 1000;

let seed = 42;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

async function timeOps(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return (performance.now() - t0) / n;
}

const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
const client = new MongoClient(server.uri);
try {
  const db = client.db("geobench");
  const plain = db.collection<{ _id: number; [k: string]: unknown }>("plain");
  const indexed = db.collection<{ _id: number; [k: string]: unknown }>("indexed");
  await indexed.createIndex({ loc: "2dsphere" });
  const t0 = performance.now();
  for (let i = 0; i < N; i += 5000) {
    const docs = [];
    for (let j = i; j < Math.min(N, i + 5000); j++) {
      docs.push({ _id: j, loc: { type: "Point", coordinates: [rnd() * 20 - 10, rnd() * 20 + 40] }, n: j });
    }
    await plain.insertMany(docs, { ordered: false });
    await indexed.insertMany(docs.map((d) => ({ ...d })), { ordered: false });
  }
  console.log(`loaded ${N} points into each collection in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const center = (i: number): [number, number] => [((i * 37) % 180) / 10 - 9, ((i * 53) % 180) / 10 + 41];

  const rows: [string, number, number | undefined][] = [];
  const near = await timeOps(
    ops,
    (i) =>
      indexed.find({ loc: { $near: { $geometry: { type: "Point", coordinates: center(i) } } } }).limit(10)
        .toArray(),
  );
  const nearBase = await timeOps(Math.max(3, ops / 10), async (i) => {
    const docs = await plain.find({ loc: { $geoWithin: { $centerSphere: [center(i), 30_000 / R] } } })
      .toArray();
    return docs.slice(0, 10);
  });
  rows.push(["$near limit 10 (vs unindexed $centerSphere 30 km)", near, nearBase]);

  const capQ = (i: number) => ({ loc: { $geoWithin: { $centerSphere: [center(i), 50_000 / R] } } });
  rows.push([
    "$geoWithin $centerSphere 50 km",
    await timeOps(ops, (i) => indexed.find(capQ(i)).toArray()),
    await timeOps(Math.max(3, ops / 10), (i) => plain.find(capQ(i)).toArray()),
  ]);
  const polyQ = (i: number) => {
    const [x, y] = center(i);
    return {
      loc: {
        $geoWithin: {
          $geometry: {
            type: "Polygon",
            coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]],
          },
        },
      },
    };
  };
  rows.push([
    "$geoWithin $geometry 1°×1° polygon",
    await timeOps(ops, (i) => indexed.find(polyQ(i)).toArray()),
    await timeOps(Math.max(3, ops / 10), (i) => plain.find(polyQ(i)).toArray()),
  ]);
  rows.push([
    "(reference: scalar filter, collection scan)",
    await timeOps(Math.max(3, ops / 10), (i) => plain.find({ n: -i }).toArray()),
    undefined,
  ]);
  rows.push([
    "$geoNear stage limit 10",
    await timeOps(ops, (i) =>
      indexed.aggregate([
        { $geoNear: { near: { type: "Point", coordinates: center(i) }, distanceField: "d" } },
        { $limit: 10 },
      ]).toArray()),
    undefined,
  ]);

  console.log(`\nms per query over ${N} points (indexed 2dsphere | unindexed | speed-up)`);
  for (const [name, ix, base] of rows) {
    console.log(
      `${name.padEnd(52)} ${ix.toFixed(2).padStart(8)} | ${
        base === undefined ? "       -" : base.toFixed(2).padStart(8)
      } | ${base === undefined ? "-" : (base / ix).toFixed(0) + "×"}`,
    );
  }
  const ex = await indexed.find(capQ(0)).explain("executionStats");
  const exNear = await indexed.find({
    loc: { $near: { $geometry: { type: "Point", coordinates: center(0) } } },
  })
    .limit(10).explain("executionStats");
  console.log(
    `\n$centerSphere 50 km: nReturned ${ex.executionStats.nReturned}, keys ${ex.executionStats.totalKeysExamined}, docs ${ex.executionStats.totalDocsExamined}`,
  );
  console.log(
    `$near limit 10: keys ${exNear.executionStats.totalKeysExamined}, docs ${exNear.executionStats.totalDocsExamined}`,
  );
} finally {
  await client.close();
  await server.stop();
}
