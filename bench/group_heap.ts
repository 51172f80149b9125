/**
 * Heap bytes per `$group` group, measured (the figures behind src/engine/aggregate/group_cost.ts): for
 * each shape, N groups (default 100,000; one per document) are held at the end of the input, the heap
 * growth after a full GC is divided by N and printed beside what the stage charges its budget.
 *   deno run -A --v8-flags=--expose-gc bench/group_heap.ts [N] [ops]
 * `ops` measures each accumulator alone over an integer key.
 */
import { compilePipeline } from "../src/engine/aggregate/mod.ts";
import { ObjectId } from "bson";
const gc = (globalThis as unknown as { gc: () => void }).gc;
const N = Number(Deno.args[0] ?? 100_000);
function heap() {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}
type Shape = [string, (i: number) => Record<string, unknown>, Record<string, unknown>];
const shapes: Shape[] = [
  ["int key, no acc", (i) => ({ _id: i, k: Math.random() }), {}],
  ["int key, $sum 1", (i) => ({ _id: i, k: Math.random() }), { n: { $sum: 1 } }],
  ["int key, $sum 1 + $max k (bench)", (i) => ({ _id: i, k: Math.random() }), {
    n: { $sum: 1 },
    k: { $max: "$k" },
  }],
  ["int key, $sum $max $min $avg", (i) => ({ _id: i, k: Math.random() }), {
    n: { $sum: 1 },
    k: { $max: "$k" },
    m: { $min: "$k" },
    a: { $avg: "$k" },
  }],
  ["int key, $first $last", (i) => ({ _id: i, k: Math.random() }), {
    f: { $first: "$k" },
    l: { $last: "$k" },
  }],
  ["int key, $push k", (i) => ({ _id: i, k: Math.random() }), { p: { $push: "$k" } }],
  ["int key, $count", (i) => ({ _id: i, k: Math.random() }), { c: { $count: {} } }],
  ["20-char string key, $sum", (i) => ({ _id: "key-" + String(i).padStart(16, "0"), k: 1 }), {
    n: { $sum: 1 },
  }],
  ["ObjectId key, $sum", (i) => ({ _id: new ObjectId(), k: i }), { n: { $sum: 1 } }],
  ["{a,b} key, $sum", (i) => ({ _id: i, k: i }), { n: { $sum: 1 } }],
];
const ops: Record<string, unknown> = {
  $sum: "$k",
  $avg: "$k",
  $min: "$k",
  $max: "$k",
  $first: "$k",
  $last: "$k",
  $push: "$k",
  $addToSet: "$k",
  $stdDevPop: "$k",
  $stdDevSamp: "$k",
  $mergeObjects: "$$ROOT",
  $count: {},
  $top: { sortBy: { k: 1 }, output: "$k" },
  $bottom: { sortBy: { k: 1 }, output: "$k" },
  $topN: { n: 2, sortBy: { k: 1 }, output: "$k" },
  $firstN: { n: 2, input: "$k" },
  $lastN: { n: 2, input: "$k" },
  $maxN: { n: 2, input: "$k" },
  $minN: { n: 2, input: "$k" },
  $median: { input: "$k", method: "approximate" },
  $percentile: { input: "$k", p: [0.5], method: "approximate" },
};
if (Deno.args[1] === "ops") {
  shapes.length = 1;
  for (const [op, arg] of Object.entries(ops)) {
    shapes.push([`int key, ${op}`, (i) => ({ _id: i, k: Math.random() }), { x: { [op]: arg } }]);
  }
}
for (const [name, make, accs] of shapes) {
  const idExpr = name.startsWith("{a,b}") ? { a: "$_id", b: "$k" } : "$_id";
  let charged = 0;
  const p = compilePipeline([{ $group: { _id: idExpr, ...accs } }], {
    memoryLimitBytes: 1e12,
    allowDiskUse: false,
    onMemory: (d) => charged += d,
  });
  let atEnd = 0;
  let chargedAtEnd = 0;
  const before = heap();
  const input = function* () {
    for (let i = 0; i < N; i++) yield make(i);
    atEnd = heap();
    chargedAtEnd = charged;
  };
  let n = 0;
  for (const _ of p.run(input())) n++;
  const per = (atEnd - before) / N;
  const ch = chargedAtEnd / N;
  console.log(
    `${name.padEnd(36)} heap ${per.toFixed(0).padStart(4)} B/group, charged ${
      ch.toFixed(0).padStart(4)
    } B/group ` +
      `(${(100 * ch / per).toFixed(0)}%, ${n} groups)`,
  );
}
