import assert from "node:assert/strict";
import { compilePipeline } from "./mod.ts";
import { PAUSE } from "./pause.ts";
import { jsHost } from "../js/host.ts";
import type { JsRequest, JsRuntime } from "../js/runtime.ts";
import type { Document } from "./types.ts";

/** A sandbox stand-in: `function(a) { return a * 10 }` for every call, counting both lanes. */
function fakeRuntime() {
  const calls = { sync: 0, awaited: 0 };
  const answer = (req: JsRequest) =>
    req.items.map((it) => ((it as { args: unknown[] }).args[0] as number) * 10);
  const rt = {
    enabled: true,
    inlineBudgetMs: 500,
    newToken: () => "t",
    callSync: (req: JsRequest) => {
      calls.sync++;
      return answer(req);
    },
    run: (req: JsRequest) => {
      calls.awaited++;
      return Promise.resolve(answer(req));
    },
  };
  return { rt: rt as unknown as JsRuntime, calls };
}

const fn = (arg: unknown) => ({
  $function: { body: "function(a) { return a * 10 }", args: [arg], lang: "js" },
});
const docs: Document[] = [{ _id: 1, a: 1 }, { _id: 2, a: 2 }];

Deno.test("deferred $function: each call is awaited at a pause, once, in evaluation order", async () => {
  const { rt, calls } = fakeRuntime();
  const js = jsHost(rt, undefined, { deferrable: true });
  const p = compilePipeline([
    { $addFields: { x: fn("$a"), y: { $add: [fn("$a"), fn(5)] } } },
    { $match: { $expr: { $gt: [fn("$x"), 150] } } },
    { $group: { _id: null, s: { $sum: fn("$x") }, n: { $sum: 1 } } },
  ], { js });
  const out: Document[] = [];
  let pauses = 0;
  for (const d of p.run(docs)) {
    if (d === PAUSE) {
      pauses++;
      await js.deferred!.settle();
    } else out.push(d);
  }
  assert.deepEqual(out, [{ _id: null, s: 200, n: 1 }]);
  // per document: x, y's two calls, the $match call; the group's call for the matching one
  assert.equal(calls.sync, 0);
  assert.equal(calls.awaited, 2 * 4 + 1);
  assert.equal(pauses, calls.awaited);
});

Deno.test("deferred $function: a consumer that never settles gets the calls run inline", () => {
  const { rt, calls } = fakeRuntime();
  const js = jsHost(rt, undefined, { deferrable: true });
  const p = compilePipeline([{ $project: { x: fn("$a") } }], { js });
  const out = [...p.run(docs)].filter((d) => d !== PAUSE);
  assert.deepEqual(out, [{ _id: 1, x: 10 }, { _id: 2, x: 20 }]);
  assert.equal(calls.awaited, 0);
  assert.equal(calls.sync, 2);
});

/** Runs `p` settling at every pause; the output without markers. */
async function settled(run: Iterable<Document>, js: ReturnType<typeof jsHost>): Promise<Document[]> {
  const out: Document[] = [];
  for (const d of run) {
    if (d === PAUSE) await js.deferred!.settle();
    else out.push(d);
  }
  return out;
}

Deno.test("sub-pipelines, $bucket, $bucketAuto, $setWindowFields, $redact: every call awaited", async () => {
  const cases: [unknown[], Document[], number][] = [
    [
      [{ $facet: { f: [{ $project: { x: fn("$a") } }] } }],
      [{ f: [{ _id: 1, x: 10 }, { _id: 2, x: 20 }] }],
      2,
    ],
    [
      [{
        $lookup: {
          from: "o",
          let: { k: fn("$a") },
          pipeline: [{ $project: { _id: 0, y: fn("$$k") } }],
          as: "j",
        },
      }],
      [{ _id: 1, a: 1, j: [{ y: 100 }] }, { _id: 2, a: 2, j: [{ y: 200 }] }],
      4,
    ],
    [
      [{ $unionWith: { coll: "o", pipeline: [{ $project: { x: fn("$b") } }] } }],
      [...docs, { _id: 9, x: 30 }],
      1,
    ],
    [
      [{ $bucket: { groupBy: fn("$a"), boundaries: [0, 15, 100], output: { s: { $sum: fn("$a") } } } }],
      [{ _id: 0, s: 10 }, { _id: 15, s: 20 }],
      4,
    ],
    [
      [{ $bucketAuto: { groupBy: fn("$a"), buckets: 1, output: { s: { $sum: fn("$a") } } } }],
      [{ _id: { min: 10, max: 20 }, s: 30 }],
      4,
    ],
    [
      [{
        $setWindowFields: {
          partitionBy: fn("$_id"),
          sortBy: { _id: 1 },
          output: { w: { $sum: fn("$a"), window: { documents: ["unbounded", "current"] } } },
        },
      }],
      [{ _id: 1, a: 1, w: 10 }, { _id: 2, a: 2, w: 20 }],
      4,
    ],
    [
      [{ $redact: { $cond: [{ $gt: [fn("$a"), 15] }, "$$KEEP", "$$PRUNE"] } }],
      [{ _id: 2, a: 2 }],
      2,
    ],
  ];
  for (const [stages, want, n] of cases) {
    const { rt, calls } = fakeRuntime();
    const js = jsHost(rt, undefined, { deferrable: true });
    const p = compilePipeline(stages, { js, resolveCollection: () => [{ _id: 9, b: 3 }] });
    assert.deepEqual(await settled(p.run(docs), js), want, JSON.stringify(stages));
    assert.equal(calls.sync, 0, JSON.stringify(stages));
    assert.equal(calls.awaited, n, JSON.stringify(stages));
  }
});
