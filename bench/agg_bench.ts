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
import { docsArg, syntheticDocs, time } from "./lib/synthetic.ts";
import { compilePipeline, ExpressionEnv } from "../src/engine/mod.ts";

const N = docsArg();
const docs = syntheticDocs(N, (i) => ({ at: new Date(1_700_000_000_000 + i * 60_000) }));

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
