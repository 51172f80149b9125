/**
 * bson_column_bench.ts — the BSONColumn decoder (src/bson/column/) on columns shaped like a mongod
 * time-series bucket's: 1,000 dates a second apart, doubles at scale 1, small ints, strings, and
 * interleaved {x, y} objects; and the unpacking of whole compressed buckets into measurements
 * (timeseries_buckets.ts), as mongorestore of a mongod 8.0 dump drives it.
 *
 *   deno run -A bench/bson_column_bench.ts [--reps 200]
 *
 * Reports µs per decoded value (per measurement for the bucket rows). CPU only, one thread.
 */
import { Binary, Double, ObjectId } from "bson";
import { decodeBsonColumn } from "../src/bson/column/decode_column.ts";
import { elementOf, encodeColumn, encodeInterleaved } from "../src/bson/column/encode_for_tests.ts";
import { measurementsOf } from "../src/commands/shared/timeseries_buckets.ts";

const repsAt = Deno.args.indexOf("--reps");
const REPS = repsAt >= 0 ? Number(Deno.args[repsAt + 1]) : 200;
const N = 1000;

const column = (values: unknown[]) => encodeColumn(values.map((v) => elementOf(v)));
const shapes: [string, Uint8Array][] = [
  [
    "dates (delta of delta)",
    column(Array.from({ length: N }, (_, i) => new Date(1_700_000_000_000 + i * 1000))),
  ],
  ["doubles (scale 1)", column(Array.from({ length: N }, (_, i) => new Double(20 + (i % 7))))],
  ["int32 deltas", column(Array.from({ length: N }, (_, i) => i))],
  ["strings (128-bit)", column(Array.from({ length: N }, (_, i) => `s${i % 50}`))],
  ["interleaved {x, y}", encodeInterleaved(Array.from({ length: N }, (_, i) => ({ x: i, y: i % 5 })))],
];

function measure(f: () => unknown): number {
  for (let i = 0; i < 20; i++) f();
  const t = performance.now();
  for (let i = 0; i < REPS; i++) f();
  return (performance.now() - t) * 1000 / REPS / N;
}

console.log(`load: ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const [name, bin] of shapes) {
  console.log(
    `${name.padEnd(24)} ${String(bin.length).padStart(6)} B  ${
      measure(() => decodeBsonColumn(bin)).toFixed(3)
    } µs/value`,
  );
}
const bucket = {
  _id: new ObjectId(),
  control: { version: 2, count: N },
  meta: { sensor: 1 },
  data: {
    ts: new Binary(shapes[0]![1], 7),
    temp: new Binary(shapes[1]![1], 7),
    _id: new Binary(shapes[2]![1], 7),
    name: new Binary(shapes[3]![1], 7),
  },
};
const ts = { timeField: "ts", metaField: "meta" };
console.log(
  `${"bucket → measurements".padEnd(33)} ${
    measure(() => measurementsOf(bucket, ts)).toFixed(3)
  } µs/measurement`,
);
