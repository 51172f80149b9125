/**
 * The clients of bench/head_of_line.ts, run in a worker thread: loads the documents, then measures
 * client B's `find({_id})` latency with client A idle and while A loops a full-collection `$group`
 * (or, with HOL_A=update, an `updateMany` of every document; HOL_A=index, an index build).
 */
/// <reference lib="deno.worker" />
import { MongoClient } from "mongodb";

interface Params {
  uri: string;
  docs: number;
  ops: number;
  groups: number;
  rounds: number;
  /**
   * A's long operation: "group" (a full-collection $group), "update" (updateMany of every document)
   * or "index" (createIndex {v: 1, g: 1}, then dropIndex).
   */
  a: string;
}

const say = (line: string) => self.postMessage({ line });

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

function summary(lat: number[]): string {
  const s = [...lat].sort((a, b) => a - b);
  return `n=${String(s.length).padStart(5)}  p50 ${pct(s, 0.5).toFixed(2).padStart(7)} ms  p99 ${
    pct(s, 0.99).toFixed(2).padStart(8)
  } ms  max ${(s[s.length - 1] ?? 0).toFixed(2).padStart(8)} ms`;
}

async function run(p: Params): Promise<void> {
  const a = new MongoClient(p.uri, { maxPoolSize: 1 });
  const b = new MongoClient(p.uri, { maxPoolSize: 1 });
  try {
    const ca = a.db("hol").collection<{ _id: number; g: number; v: number }>("docs");
    const cb = b.db("hol").collection<{ _id: number; g: number; v: number }>("docs");
    let t0 = performance.now();
    for (let i = 0; i < p.docs; i += 10_000) {
      const batch = [];
      for (let j = i; j < Math.min(p.docs, i + 10_000); j++) batch.push({ _id: j, g: j % 100, v: j });
      await ca.insertMany(batch, { ordered: true });
    }
    say(`loaded ${p.docs} docs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // "group": folded in the storage engine; "groupjs": $stdDevPop is not folded (the JS $group);
    // "matchgroup": a leading $match folded into the same walk
    const group = { $group: { _id: "$g", n: { $sum: 1 }, s: { $sum: "$v" } } };
    const pipeline = p.a === "groupjs"
      ? [{ $group: { _id: "$g", n: { $sum: 1 }, s: { $stdDevPop: "$v" } } }]
      : p.a === "matchgroup"
      ? [{ $match: { v: { $gte: 0 } } }, group]
      : [group];
    let seed = 7;
    const nextId = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % p.docs;
    };
    const findOne = async (lat: number[]) => {
      const t = performance.now();
      const d = await cb.findOne({ _id: nextId() });
      lat.push(performance.now() - t);
      if (!d) throw new Error("find by _id returned nothing");
    };
    for (let i = 0; i < 200; i++) await findOne([]); // warm up B
    for (let r = 1; r <= p.rounds; r++) {
      const idle: number[] = [];
      for (let i = 0; i < p.ops; i++) await findOne(idle);
      say(`round ${r} B alone      ${summary(idle)}`);
      const busy: number[] = [];
      const groupMs: number[] = [];
      let aDone = false;
      const aLoop = (async () => {
        try {
          for (let i = 0; i < p.groups; i++) {
            t0 = performance.now();
            if (p.a === "index") {
              await ca.createIndex({ v: 1, g: 1 }, { name: "hol_v_g" });
              groupMs.push(performance.now() - t0);
              await ca.dropIndex("hol_v_g");
              continue;
            }
            if (p.a === "update") {
              const r = await ca.updateMany({ g: { $gte: 0 } }, { $inc: { v: 1 } });
              groupMs.push(performance.now() - t0);
              if (r.modifiedCount !== p.docs) throw new Error(`updateMany modified ${r.modifiedCount}`);
              continue;
            }
            const out = await ca.aggregate(pipeline).toArray();
            groupMs.push(performance.now() - t0);
            if (out.length !== Math.min(100, p.docs)) throw new Error(`$group gave ${out.length} groups`);
          }
        } finally {
          aDone = true;
        }
      })();
      await new Promise((res) => setTimeout(res, 20)); // let A's first $group start
      while (!aDone) await findOne(busy);
      await aLoop;
      say(`round ${r} B during A   ${summary(busy)}`);
      const what = p.a === "update" ? "updateMany" : p.a === "index" ? "createIndex" : `${p.a.padEnd(10)}`;
      say(`round ${r} A ${what} ${groupMs.map((x) => x.toFixed(0)).join(", ")} ms (${p.docs} docs)`);
    }
  } finally {
    await a.close();
    await b.close();
  }
}

self.onmessage = async (e: MessageEvent<Params>) => {
  try {
    await run(e.data);
    self.postMessage({ done: true });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
};
