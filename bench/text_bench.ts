/**
 * text_bench.ts — `$text` through a real server and driver: N documents of 12 words drawn from a
 * 5,000-word vocabulary (deterministic), one text index; times a rare-term, a common-term and a
 * two-term search (find + toArray, median of `--runs`) and reports keys / documents examined. Also
 * compares the write cost against an ordinary compound index `{body: 1, _id: 1}` on the same
 * documents: the index build, and inserting the documents into a collection that already has it.
 *
 *   deno run -A bench/text_bench.ts [--docs 100000] [--runs 5] [--writes-only]
 */
import { MongoClient } from "mongodb";
import { startServer } from "../mod.ts";
import { docsArg } from "./lib/synthetic.ts";

const N = docsArg();
const RUNS = Deno.args.includes("--runs") ? Number(Deno.args[Deno.args.indexOf("--runs") + 1]) : 5;
let seed = 0x5eed;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const syll = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "pe", "du", "gra", "bel", "tor", "fin"];
const vocab = Array.from({ length: 5000 }, (_, i) => {
  let w = "";
  for (let n = i + 1; n > 0; n = Math.floor(n / syll.length)) w += syll[n % syll.length];
  return w + "x";
});
// Zipf-like: low ranks are common.
const word = () => vocab[Math.floor(vocab.length * rnd() ** 3)]!;

const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
// Long timeouts: the index build and an unindexed $text over 100k documents hold the loop for seconds.
const client = new MongoClient(server.uri, {
  connectTimeoutMS: 600_000,
  socketTimeoutMS: 0,
  serverSelectionTimeoutMS: 600_000,
});
// deno-lint-ignore no-explicit-any
const c = client.db("bench").collection<any>("text");
const docs = Array.from(
  { length: N },
  (_, j) => ({ _id: j, body: Array.from({ length: 12 }, word).join(" ") }),
);
// deno-lint-ignore no-explicit-any
async function load(coll: any): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < N; i += 5000) await coll.insertMany(docs.slice(i, i + 5000));
  return performance.now() - t;
}
const ms = (x: number) => `${x.toFixed(0)} ms`;
try {
  const db = client.db("bench");
  const plain = await load(db.collection("compound"));
  let t0 = performance.now();
  await db.collection("compound").createIndex({ body: 1, _id: 1 });
  const compoundBuild = performance.now() - t0;
  await load(c);
  t0 = performance.now();
  await c.createIndex({ body: "text" });
  const textBuild = performance.now() - t0;
  await db.collection("compoundIns").createIndex({ body: 1, _id: 1 });
  const compoundIns = await load(db.collection("compoundIns"));
  await db.collection("textIns").createIndex({ body: "text" });
  const textIns = await load(db.collection("textIns"));
  console.log(`text bench: ${N.toLocaleString("en-US")} documents (inserts without index ${ms(plain)})`);
  console.log(
    `  index build: text ${ms(textBuild)}, compound ${ms(compoundBuild)} (ratio ${
      (textBuild / compoundBuild).toFixed(2)
    })`,
  );
  console.log(
    `  inserts into an indexed collection: text ${ms(textIns)}, compound ${ms(compoundIns)} (ratio ${
      (textIns / compoundIns).toFixed(2)
    })`,
  );
  if (Deno.args.includes("--writes-only")) Deno.exit(0);
  const searches: [string, string][] = [
    ["rare term", vocab[4000]!],
    ["common term", vocab[3]!],
    ["two terms", `${vocab[2500]} ${vocab[1800]}`],
  ];
  for (const [name, search] of searches) {
    const times: number[] = [];
    let n = 0;
    for (let r = 0; r < RUNS; r++) {
      const s = performance.now();
      n = (await c.find({ $text: { $search: search } }).toArray()).length;
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    // deno-lint-ignore no-explicit-any
    const e: any = await c.find({ $text: { $search: search } }).explain("executionStats");
    console.log(
      `  ${name.padEnd(12)} ${String(n).padStart(6)} hits  median ${
        times[Math.floor(times.length / 2)]!.toFixed(1).padStart(8)
      } ms  ` +
        `keys ${e.executionStats.totalKeysExamined}  docs ${e.executionStats.totalDocsExamined}`,
    );
  }
} finally {
  await client.close();
  await server.stop();
}
