/**
 * agg_bench.ts — throughput of the aggregation engine on in-memory documents.
 *
 *   deno run -A bench/agg_bench.ts [--docs 100000]
 *
 * Reports: `$group` by a string key with `$sum/$avg/$max` (docs/s), `$group` with a compound
 * `_id` expression, the countDocuments pipeline, `$project` with computed fields, `$unwind`+`$group`,
 * `$sort`+`$limit`, and raw expression evaluation (evals/s) for arithmetic, a `$cond`, and a string
 * expression. Documents are generated deterministically and round-tripped through npm:bson with the
 * server's deserialisation options.
 */
import { BSON, Long, ObjectId } from "bson";
import { compilePipeline, ExpressionEnv } from "../src/engine/mod.ts";

const argIdx = Deno.args.indexOf("--docs");
const N = argIdx >= 0 ? Number(Deno.args[argIdx + 1]) : 100_000;

let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const cities = ["Oslo", "Lima", "Pune", "Kyiv", "Perth", "Quito", "Riga", "Sofia"];
const opts = { promoteLongs: false, promoteValues: true, bsonRegExp: true };
const docs = Array.from({ length: N }, (_, i) =>
  BSON.deserialize(
    BSON.serialize({
      _id: new ObjectId(),
      n: i,
      age: Math.floor(rand() * 90),
      score: rand() * 100,
      city: cities[Math.floor(rand() * cities.length)],
      big: Long.fromNumber(i * 1000),
      tags: ["a", "b", "c"].filter(() => rand() < 0.5),
      at: new Date(1_700_000_000_000 + i * 60_000),
    }),
    opts,
  ) as Record<string, unknown>);

function time(label: string, count: number, unit: string, fn: () => unknown): void {
  fn(); // warm-up
  const runs = 5;
  let best = Infinity;
  let result: unknown;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = fn();
    best = Math.min(best, performance.now() - t0);
  }
  const rate = Math.round(count / (best / 1000));
  console.log(
    `${label.padEnd(46)} ${best.toFixed(1).padStart(8)} ms  ${
      rate.toLocaleString("en-US").padStart(13)
    } ${unit}/s` +
      (typeof result === "number" ? `  (result ${result})` : ""),
  );
}

function runPipeline(stages: unknown[]): () => number {
  const p = compilePipeline(stages, { now: new Date(0) });
  return () => {
    let n = 0;
    for (const _ of p.run(docs)) n++;
    return n;
  };
}

console.log(`agg bench: ${N.toLocaleString("en-US")} documents, best of 5 (Deno ${Deno.version.deno})`);
time(
  "$group by city: $sum/$avg/$max",
  N,
  "docs",
  runPipeline([{ $group: { _id: "$city", n: { $sum: 1 }, avg: { $avg: "$score" }, max: { $max: "$age" } } }]),
);
time(
  "$group by {city, decade}: $sum long",
  N,
  "docs",
  runPipeline([{
    $group: { _id: { c: "$city", d: { $trunc: { $divide: ["$age", 10] } } }, s: { $sum: "$big" } },
  }]),
);
time(
  "countDocuments pipeline ($skip/$limit/$group)",
  N,
  "docs",
  runPipeline([{ $skip: 10 }, { $group: { _id: 1, n: { $sum: 1 } } }]),
);
time(
  "$project computed fields",
  N,
  "docs",
  runPipeline([{ $project: { city: 1, twice: { $multiply: ["$age", 2] }, up: { $toUpper: "$city" } } }]),
);
time(
  "$unwind tags + $group",
  N,
  "docs",
  runPipeline([{ $unwind: "$tags" }, { $group: { _id: "$tags", n: { $sum: 1 } } }]),
);
time("$sort by score + $limit 10", N, "docs", runPipeline([{ $sort: { score: -1 } }, { $limit: 10 }]));
time(
  "$group by $dateToString day",
  N,
  "docs",
  runPipeline([{ $group: { _id: { $dateToString: { date: "$at", format: "%Y-%m-%d" } }, n: { $sum: 1 } } }]),
);

function evalRate(label: string, expr: unknown): void {
  const env = new ExpressionEnv({ now: new Date(0) });
  const ev = env.compile(expr);
  const vars = env.newVars();
  time(label, N, "evals", () => {
    let x = 0;
    for (const d of docs) {
      vars.root = d;
      if (ev(d, vars) !== undefined) x++;
    }
    return x;
  });
}
evalRate("expr: $add[$multiply[$age,2],$score]", { $add: [{ $multiply: ["$age", 2] }, "$score"] });
evalRate("expr: $cond[$gte[$age,18],adult,minor]", { $cond: [{ $gte: ["$age", 18] }, "adult", "minor"] });
evalRate("expr: $concat[$city,-,$toString $n]", { $concat: ["$city", "-", { $toString: "$n" }] });
evalRate("expr: $size $filter tags", {
  $size: { $filter: { input: "$tags", cond: { $ne: ["$$this", "b"] } } },
});
