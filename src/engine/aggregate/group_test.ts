import assert from "node:assert/strict";
import { BSON, Decimal128, Double, Long } from "bson";
import { compilePipeline } from "./mod.ts";
import { decodeDocument, decodeDocumentCopy } from "../../bson/decode.ts";
import type { Document, SpillRun, SpillStore } from "./types.ts";

/** A spill store that round-trips every document through BSON, as the files do. */
class BsonSpillStore implements SpillStore {
  runs = 0;
  records = 0;
  newRun(): SpillRun {
    this.runs++;
    let chunks: Uint8Array[] = [];
    return {
      append: (d) => {
        this.records++;
        chunks.push(BSON.serialize(d));
      },
      appendBytes: (b) => {
        this.records++;
        chunks.push(b.slice());
      },
      read: function* () {
        const all = chunks;
        chunks = [];
        for (const b of all) yield decodeDocumentCopy(b);
      },
      discard: () => void (chunks = []),
    };
  }
}

// values of every numeric kind (int, long, double, -0, decimal, large), strings, documents, missing
const values: unknown[] = [
  1,
  -7,
  2147483647,
  Long.fromNumber(9007199254740993),
  Long.fromString("9223372036854775807"),
  0.1,
  -0,
  new Double(3),
  1e300,
  Decimal128.fromString("1.10"),
  "s",
  { a: 1, b: "x" },
  null,
  undefined,
  [1, 2],
];
const input: Document[] = Array.from({ length: 3000 }, (_, i) => {
  const v = values[(i * 7) % values.length];
  const doc: Document = { _id: i, g: (i * 7919) % 400, o: { ["f" + (i % 3)]: i } };
  if (v !== undefined) doc["v"] = v;
  if (i % 5 !== 0) doc["d"] = (i % 13) * 0.37 - 1.1;
  if (i % 11 === 0) doc["big"] = Long.fromString("9223372036854775000");
  return decodeDocument(BSON.serialize(doc)); // as the engine sees stored documents
});

const accumulators: Document = {
  n: { $count: {} },
  sum: { $sum: "$v" },
  sumD: { $sum: "$d" },
  sumBig: { $sum: "$big" },
  avg: { $avg: "$v" },
  avgD: { $avg: "$d" },
  min: { $min: "$v" },
  max: { $max: "$v" },
  first: { $first: "$v" },
  last: { $last: "$v" },
  push: { $push: "$v" },
  set: { $addToSet: "$v" },
  merged: { $mergeObjects: "$o" },
  sdPop: { $stdDevPop: "$d" },
  sdSamp: { $stdDevSamp: "$d" },
  firstN: { $firstN: { input: "$v", n: 3 } },
  lastN: { $lastN: { input: "$_id", n: 2 } },
  maxN: { $maxN: { input: "$d", n: 2 } },
  minN: { $minN: { input: "$_id", n: 2 } },
  median: { $median: { input: "$d", method: "approximate" } },
  pct: { $percentile: { input: "$d", p: [0.1, 0.9], method: "approximate" } },
};

const byId = (a: Document, b: Document) => (a["_id"] as number) - (b["_id"] as number);
/** The results as bytes: the same values of the same BSON types, field order included. */
const bytesOf = (docs: Document[]) => docs.sort(byId).map((d) => Array.from(BSON.serialize(d)).join(","));

Deno.test("a spilled $group writes its groups' partial states and answers exactly what it answers in memory", () => {
  const stages = [{ $group: { _id: "$g", ...accumulators } }];
  const want = [...compilePipeline(stages).run(input)];
  assert.equal(want.length, 400);
  for (const limit of [60_000, 250_000]) {
    const spill = new BsonSpillStore();
    let released = 0;
    const out = [
      ...compilePipeline(stages, { memoryLimitBytes: limit, spill, onHeapReleased: () => released++ }).run(
        input,
      ),
    ];
    // per level that spilled: 16 runs of states and 16 of documents
    assert.ok(spill.runs >= 32 && spill.runs % 32 === 0, `runs ${spill.runs}`);
    assert.ok(released >= 1);
    assert.deepEqual(bytesOf(out), bytesOf(want), `limit ${limit}`);
  }
});

Deno.test("a spilled $group holds no group for the rest of its input once it wrote its states out", () => {
  const stages = [{ $group: { _id: "$_id", n: { $sum: 1 }, f: { $first: "$g" } } }];
  let held = 0;
  let highAfterSpill = 0;
  let spilled = false;
  let afterDump: number | undefined;
  const spill = new BsonSpillStore();
  // ~70 groups held, 16 partitions of ~46 (at most ~60 by the key hash): none spills again
  const docs = input.slice(0, 800);
  const out = [
    ...compilePipeline(stages, {
      memoryLimitBytes: 50_000,
      spill,
      onSpill: () => void (spilled = true),
      onMemory: (d) => {
        held += d;
        if (spilled && d < 0 && afterDump === undefined) afterDump = held;
        else if (afterDump !== undefined) highAfterSpill = Math.max(highAfterSpill, held);
      },
    }).run(docs),
  ];
  assert.equal(out.length, 800);
  assert.equal(held, 0);
  assert.equal(afterDump, 0); // the held groups went out at once
  // after the spill the top level holds nothing; each partition holds less than the budget
  assert.ok(highAfterSpill < 50_000, `held ${highAfterSpill} after the spill`);
  assert.deepEqual(bytesOf(out), bytesOf([...compilePipeline(stages).run(docs)]));
});

Deno.test("a spilled $group with an accumulator that cannot write its state keeps its held groups ($top)", () => {
  const stages = [{
    $group: { _id: "$g", t: { $top: { output: "$_id", sortBy: { d: -1 } } }, s: { $sum: "$d" } },
  }];
  const spill = new BsonSpillStore();
  const out = [...compilePipeline(stages, { memoryLimitBytes: 60_000, spill }).run(input)];
  assert.ok(spill.runs >= 16 && spill.runs % 16 === 0);
  assert.deepEqual(bytesOf(out), bytesOf([...compilePipeline(stages).run(input)]));
});
