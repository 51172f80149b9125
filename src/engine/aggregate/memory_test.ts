import assert from "node:assert/strict";
import { compilePipeline } from "./mod.ts";
import { MemorySpillStore } from "./memory.ts";
import { PAUSE } from "./pause.ts";
import { storedItem } from "./stored_doc.ts";
import { BSON } from "bson";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import type { Document as Doc } from "../../bson/document.ts";

const docs: Doc[] = Array.from(
  { length: 2000 },
  (_, i) => ({ _id: i, g: (i * 7919) % 300, v: i, pad: "x".repeat(50) }),
);

Deno.test("$sort past its budget: 292 without allowDiskUse, an external merge sort with it", () => {
  const stages = [{ $sort: { g: 1, v: -1 } }];
  assertCommandError(
    () => [...compilePipeline(stages, { memoryLimitBytes: 10_000, allowDiskUse: false }).run(docs)],
    "QueryExceededMemoryLimitNoDiskUseAllowed",
    "Sort exceeded memory limit of 10000 bytes, but did not opt in to external sorting.",
  );
  const spill = new MemorySpillStore();
  let spilled = 0;
  const out = [
    ...compilePipeline(stages, { memoryLimitBytes: 10_000, spill, onSpill: () => spilled++ }).run(docs),
  ];
  const want = [...compilePipeline(stages).run(docs)];
  assert.ok(spill.runs > 10, `runs: ${spill.runs}`);
  assert.ok(spilled > 0);
  assert.deepEqual(out, want);
});

Deno.test("$sort external merge is stable across runs", () => {
  const spill = new MemorySpillStore();
  const out = [
    ...compilePipeline([{ $sort: { k: 1 } }], { memoryLimitBytes: 2_000, spill }).run(
      Array.from({ length: 500 }, (_, i) => ({ k: i % 3, i })),
    ),
  ];
  for (let j = 1; j < out.length; j++) {
    const a = out[j - 1]!;
    const b = out[j]!;
    assert.ok((a["k"] as number) < (b["k"] as number) || (a["i"] as number) < (b["i"] as number));
  }
});

Deno.test("$group past its budget: 292 without allowDiskUse, partitioned runs with it, same groups", () => {
  const stages = [{
    $group: {
      _id: "$g",
      n: { $sum: 1 },
      first: { $first: "$v" },
      last: { $last: "$v" },
      all: { $push: "$v" },
    },
  }];
  assertCommandError(
    () => [...compilePipeline(stages, { memoryLimitBytes: 5_000, allowDiskUse: false }).run(docs)],
    "QueryExceededMemoryLimitNoDiskUseAllowed",
    /Exceeded memory limit for \$group/,
  );
  const spill = new MemorySpillStore();
  let released = 0;
  const out = [
    ...compilePipeline(stages, { memoryLimitBytes: 5_000, spill, onHeapReleased: () => released++ }).run(
      docs,
    ),
  ];
  const want = [...compilePipeline(stages).run(docs)];
  assert.ok(spill.runs >= 32);
  // once per level that spilled, when it wrote its held groups out (16 runs of partial states, 16 of
  // documents; the partitions spill again here), and after partitions once they have let go of half
  // the budget, and once at the end
  const levels = spill.runs / 32;
  assert.ok(
    released >= levels && released <= levels + spill.runs + 1,
    `released ${released}, runs ${spill.runs}`,
  );
  let inMemory = 0;
  [...compilePipeline(stages, { onHeapReleased: () => inMemory++ }).run(docs)];
  assert.equal(inMemory, 0); // a group within its budget drops nothing big
  const byId = (a: Doc, b: Doc) => (a["_id"] as number) - (b["_id"] as number);
  assert.deepEqual(out.sort(byId), want.sort(byId));
});

Deno.test("a spilled $group asks for a GC when it wrote its held groups out, then each time its partitions let go of half the budget", () => {
  const stages = [{ $group: { _id: "$_id", n: { $sum: 1 } } }];
  const input = (n: number): Doc[] => Array.from({ length: n }, (_, i) => ({ _id: i }));
  // what one group costs (all the same shape): its charge over a run within the budget
  let charged = 0;
  [...compilePipeline(stages, { onMemory: (d) => void (d > 0 && (charged += d)) }).run(input(1000))];
  const perGroup = charged / 1000;
  // held: ~300 groups, written out as partial states; 16 partitions of ~19 states and ~240 documents
  // (~0.86 of the budget: each lets go of more than half of it, none spills again)
  const limit = Math.floor(300 * perGroup);
  const spill = new MemorySpillStore();
  const hints: number[] = [];
  let out = 0;
  for (
    const _ of compilePipeline(stages, {
      memoryLimitBytes: limit,
      spill,
      onHeapReleased: () => hints.push(out),
    }).run(input(300 + 16 * 240))
  ) out++;
  assert.equal(spill.runs, 32);
  assert.equal(out, 300 + 16 * 240);
  // when the ~300 held groups are written out (before any result), then after each partition's groups
  assert.equal(hints.length, 17, `hints after ${hints.join(", ")} results`);
  assert.equal(hints[0], 0);
});

Deno.test("$setWindowFields and $bucketAuto refuse past their budget", () => {
  assertCommandError(
    () => [
      ...compilePipeline([{ $setWindowFields: { output: { n: { $count: {} } } } }], {
        memoryLimitBytes: 1000,
      }).run(docs),
    ],
    "QueryExceededMemoryLimitNoDiskUseAllowed",
  );
  assertCommandError(
    () => [
      ...compilePipeline([{ $bucketAuto: { groupBy: "$v", buckets: 2 } }], { memoryLimitBytes: 1000 }).run(
        docs,
      ),
    ],
    "QueryExceededMemoryLimitNoDiskUseAllowed",
  );
});

Deno.test("$bucketAuto past its budget: 292 without allowDiskUse, the same buckets from sorted runs with it", () => {
  const stages = [{
    $bucketAuto: {
      groupBy: "$g",
      buckets: 7,
      output: { n: { $sum: 1 }, vs: { $max: "$v" }, first: { $min: "$_id" } },
    },
  }];
  assertCommandError(
    () => [...compilePipeline(stages, { memoryLimitBytes: 10_000, allowDiskUse: false }).run(docs)],
    "QueryExceededMemoryLimitNoDiskUseAllowed",
  );
  const spill = new MemorySpillStore();
  const out = [...compilePipeline(stages, { memoryLimitBytes: 10_000, spill }).run(docs)];
  const want = [...compilePipeline(stages).run(docs)];
  assert.ok(spill.runs > 10, `runs: ${spill.runs}`);
  assert.deepEqual(out, want);
  assert.equal(out.reduce((s, b) => s + (b["n"] as number), 0), docs.length);
  // a small input through the external path (no spill) gives the in-memory answer too
  const few = docs.slice(0, 50);
  assert.deepEqual(
    [...compilePipeline(stages, { spill: new MemorySpillStore() }).run(few)],
    [...compilePipeline(stages).run(few)],
  );
});

Deno.test("$setWindowFields past its budget: sorted on disk, one partition in memory, same output", () => {
  const stages = [{
    $setWindowFields: {
      partitionBy: { $mod: ["$g", 40] },
      sortBy: { v: -1 },
      output: { run: { $sum: "$v", window: { documents: ["unbounded", "current"] } }, r: { $rank: {} } },
    },
  }];
  const spill = new MemorySpillStore();
  const out = [...compilePipeline(stages, { memoryLimitBytes: 20_000, spill }).run(docs)];
  const want = [...compilePipeline(stages).run(docs)];
  assert.ok(spill.runs > 5, `runs: ${spill.runs}`);
  assert.deepEqual(out, want);
  assertCommandError(
    () => [
      ...compilePipeline([{ $setWindowFields: { output: { n: { $sum: 1 } } } }], {
        memoryLimitBytes: 20_000,
        spill,
      }).run(docs),
    ],
    "ExceededMemoryLimit",
  );
});

Deno.test("$sort of a big in-memory input sorts in chunks with a pause after each (when the caller pauses), same order", () => {
  const input: Doc[] = Array.from({ length: 30_000 }, (_, i) => ({ k: (i * 7919) % 1000, i }));
  const withPauses: unknown[] = [PAUSE, ...input]; // the caller handles pauses: it sent one
  const stages = [{ $sort: { k: -1 } }];
  const out = [...compilePipeline(stages).run(withPauses as Doc[])];
  const pauses = out.filter((d) => d === PAUSE).length;
  assert.ok(pauses >= 4, `pauses: ${pauses}`); // 30,000 rows: four chunks, a pause after each
  const docsOut = out.filter((d) => d !== PAUSE) as Doc[];
  assert.deepEqual(docsOut, [...compilePipeline(stages).run(input)]);
  // stable: equal keys keep input order
  for (let j = 1; j < docsOut.length; j++) {
    const a = docsOut[j - 1]!;
    const b = docsOut[j]!;
    assert.ok((a["k"] as number) > (b["k"] as number) || (a["i"] as number) < (b["i"] as number));
  }
});

Deno.test("$sort that spilled writes a big in-memory rest as one more run (merged in chunks with pauses), same order", () => {
  const input: Doc[] = Array.from({ length: 30_000 }, (_, i) => ({ k: (i * 7919) % 1000, i }));
  const stages = [{ $sort: { k: 1 } }];
  const want = [...compilePipeline(stages).run(input)];
  for (const pausing of [false, true]) {
    const spill = new MemorySpillStore();
    const withPauses = (pausing ? [PAUSE, ...input] : input) as Doc[];
    const out = [...compilePipeline(stages, { memoryLimitBytes: 1_000_000, spill }).run(withPauses)];
    const docsOut = out.filter((d) => d !== PAUSE) as Doc[];
    assert.deepEqual(docsOut, want);
    // each full buffer is a run, and the rest (past a quarter of the budget) one more
    assert.ok(spill.runs >= 2, `runs: ${spill.runs}`);
    if (pausing) assert.ok(out.some((d) => d === PAUSE));
  }
});

Deno.test("$sort: runs are a quarter of the budget (the first too), same stable order", () => {
  const input: Doc[] = Array.from(
    { length: 40_000 },
    (_, i) => ({ k: (i * 7919) % 500, i, pad: "p".repeat(40) }),
  );
  const stages = [{ $sort: { k: 1 } }];
  const want = [...compilePipeline(stages).run(input)];
  // within the budget: no run
  const none = new MemorySpillStore();
  assert.deepEqual(
    [...compilePipeline(stages, { memoryLimitBytes: 64_000_000, spill: none }).run(input)],
    want,
  );
  assert.equal(none.runs, 0);
  const spill = new MemorySpillStore();
  const out = [...compilePipeline(stages, { memoryLimitBytes: 1_000_000, spill }).run(input)];
  assert.deepEqual(out, want);
  // ~3.5 budgets of input: runs of a quarter of the budget (14, not 4)
  assert.ok(spill.runs >= 12, `runs: ${spill.runs}`);
});

Deno.test("$sort within its budget past a quarter of it: runs written, merged, but not spilled (usedDisk false)", () => {
  const input: Doc[] = Array.from(
    { length: 10_000 },
    (_, i) => ({ k: (i * 7919) % 500, i, pad: "p".repeat(40) }),
  );
  const stages = [{ $sort: { k: 1 } }];
  const want = [...compilePipeline(stages).run(input)];
  // the same input past the budget spills (onSpill), within it does not, with the same order
  for (const [limit, spills] of [[500_000, true], [2_000_000, false]] as const) {
    const spill = new MemorySpillStore();
    let spilled = 0;
    const out = [
      ...compilePipeline(stages, { memoryLimitBytes: limit, spill, onSpill: () => spilled++ }).run(input),
    ];
    assert.deepEqual(out, want);
    assert.ok(spill.runs >= 2, `runs: ${spill.runs}`);
    assert.equal(spilled > 0, spills, `limit ${limit}: spilled ${spilled}`);
  }
  // without allowDiskUse the same input within the budget sorts in memory (no 292)
  assert.deepEqual([
    ...compilePipeline(stages, { memoryLimitBytes: 2_000_000, allowDiskUse: false }).run(input),
  ], want);
});

/** `docs` as stored documents: each serialised into one reused buffer, overwritten once pulled past. */
function* storedDocs(input: readonly Doc[]): Generator<Doc> {
  const buf = new Uint8Array(64 * 1024);
  for (const d of input) {
    const n = BSON.serializeWithBufferAndIndex(d, buf, { index: 0 }) + 1;
    yield storedItem(buf.subarray(0, n));
    buf.fill(0xee, 0, n);
  }
}

Deno.test("$sort fed stored documents: the same output as decoded ones (in memory, spilled, nested keys, collation)", () => {
  const nested: Doc[] = docs.map((d, i) => ({
    ...d,
    a: i % 5 === 0 ? [{ b: i % 17 }, { b: -i - 1 }] : { b: i % 17, s: `S${i % 11}` },
    s: i % 2 ? `x${i % 13}` : `X${i % 13}`,
  }));
  const cases: [Doc, Parameters<typeof compilePipeline>[1]][] = [
    [{ g: 1, v: -1 }, {}],
    [{ g: 1, v: -1 }, { memoryLimitBytes: 10_000, spill: new MemorySpillStore() }],
    [{ "a.b": -1, _id: 1 }, { memoryLimitBytes: 20_000, spill: new MemorySpillStore() }],
    [{ s: 1, _id: 1 }, {
      collation: { locale: "en", strength: 2 },
      memoryLimitBytes: 30_000,
      spill: new MemorySpillStore(),
    }],
    [{ g: 1 }, { memoryLimitBytes: 50 * 1024 * 1024, allowDiskUse: false }],
  ];
  for (const [sort, opts] of cases) {
    const p = compilePipeline([{ $sort: sort }], opts);
    assert.equal(p.storedInput(), true);
    const want = [...compilePipeline([{ $sort: sort }], { collation: opts?.collation }).run(nested)];
    assert.deepEqual([...p.run(storedDocs(nested))], want, JSON.stringify(sort));
    // the output as stored documents too (each copied at once: a view is valid until the next pull)
    for (const input of [nested, storedDocs(nested)]) {
      let stored = 0;
      const out = [];
      for (const d of compilePipeline([{ $sort: sort }], opts).run(input, { storedOutput: true })) {
        if (d instanceof Uint8Array) stored++;
        out.push([...(d instanceof Uint8Array ? d : BSON.serialize(d))]);
      }
      assert.deepEqual(out, want.map((d) => [...BSON.serialize(d)]));
      assert.equal(stored > 0, opts?.spill !== undefined, `${JSON.stringify(sort)}: ${stored} stored`);
    }
  }
  assert.equal(compilePipeline([{ $sort: { score: { $meta: "textScore" } } }]).storedInput(), false);
  // a top k takes stored documents too (topk_late.ts topKSort: keys decoded, winners decoded at the end)
  assert.equal(compilePipeline([{ $sort: { g: 1 } }, { $limit: 5 }]).storedInput(), true);
  assert.equal(compilePipeline([{ $sort: { g: 1 } }, { $skip: 2 }, { $limit: 5 }]).storedInput(), true);
  assert.equal(compilePipeline([{ $project: { g: 1 } }, { $sort: { g: 1 } }]).storedInput(), false);
  assert.equal(compilePipeline([{ $match: { g: 1 } }, { $sort: { g: 1 } }]).storedInput(), true);
  assert.equal(
    compilePipeline([{ $sort: { g: 1 } }, { $skip: 1 }]).storedInput({ prefixApplied: true }),
    false,
  );
  // no stage runs: the input is the output, stored when the consumer takes stored documents
  const matchOnly = compilePipeline([{ $match: { g: 1 } }]);
  assert.equal(matchOnly.storedInput(), false);
  assert.equal(matchOnly.storedInput({ storedOutput: true }), true);
  assert.equal(
    compilePipeline([{ $sort: { g: 1 } }]).storedInput({ prefixApplied: true, storedOutput: true }),
    true,
  );
  assert.equal(compilePipeline([{ $project: { g: 1 } }]).storedInput({ storedOutput: true }), false);
  const passed: number[][] = [];
  for (const d of matchOnly.run(storedDocs(nested), { storedOutput: true })) {
    assert.ok(d instanceof Uint8Array);
    passed.push([...d]);
  }
  assert.deepEqual(passed, nested.map((d) => [...BSON.serialize(d)]));
});
