/**
 * Heap allocated per round trip on the request path, and by which functions: an embedded server
 * (`startServer`, on-disk temp dir) and a raw OP_MSG client in this process run one workload of
 * `capacity/run.sh` (ping, find by _id, update $inc, insert of a ~760-byte document) under V8's
 * sampling heap profiler (objects collected by either GC included), then print bytes per round trip:
 * the total, the top functions by self allocation, and the innermost src/ or ffi/ frame of each sample
 * (where to look). The client's share is in the total (its read loop: ~0.5 KB); `--root DIR` measures
 * another checkout (before/after).
 *   deno run -A bench/request_alloc_bench.ts [--op ping|find|find_range|update|insert|insert_many|update_drv|update_rw|update_ls|fam_drv|delete_drv] [--n 3000] [--top 25] [--root DIR]
 * (`insert_many`: bench.mjs's bulk load, 1,000 documents per round trip into a collection with two
 * secondary indexes; give it a small --n, e.g. 30)
 */
import { CAPACITY_PAYLOAD, capacityWorkloads, driverWorkloads, opMsgFrame } from "./lib/capacity_requests.ts";
import { Session } from "node:inspector";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const op = arg("--op", "ping");
const N = Number(arg("--n", "3000"));
const TOP = Number(arg("--top", "25"));
const root = arg("--root", "..");
type Start = (o: Record<string, unknown>) => Promise<{ port: number; stop(): Promise<void> }>;
const { startServer } = await import(`${root}/mod.ts`) as { startServer: Start };

const payload = CAPACITY_PAYLOAD;
const workloads: Record<string, (i: number) => Record<string, unknown>> = {
  ...capacityWorkloads(2000),
  ...driverWorkloads(2000),
  // bench.mjs's find_range: a range ~20 keys wide on an indexed field, sorted on it, limit 20
  find_range: (i) => {
    const lo = (i * 7919) % 1980;
    return {
      find: "c",
      filter: { seq: { $gte: lo, $lt: lo + 20 } },
      sort: { seq: 1 },
      limit: 20,
      $db: "ceil",
    };
  },
  // bench.mjs's bulk load: insertMany of 1,000 ~1 KB documents into a collection with two secondary
  // indexes (bytes per round trip / 1,000 = per document; use a small --n)
  insert_many: (i) => ({
    insert: "c4",
    documents: Array.from({ length: 1000 }, (_, k) => {
      const id = 10_000_000 + i * 1000 + k;
      return {
        _id: id,
        seq: id,
        category: `cat-${id % 2000}`,
        region: "eu",
        score: (id % 1000) / 7,
        counter: 0,
        payload,
      };
    }),
    $db: "ceil",
  }),
};
const make = workloads[op];
if (!make) throw new Error(`--op: one of ${Object.keys(workloads).join(", ")}`);

const dir = Deno.makeTempDirSync({ prefix: "secantus-alloc-" });
const server = await startServer({ port: 0, storagePath: `${dir}/data`, logLevel: "ERROR" });
const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
conn.setNoDelay(true);
const buf = new Uint8Array(1 << 20);
const view = new DataView(buf.buffer);
async function roundTrip(f: Uint8Array): Promise<void> {
  await conn.write(f);
  let have = 0;
  while (have < 4 || have < view.getInt32(0, true)) {
    const n = await conn.read(buf.subarray(have));
    if (n === null) throw new Error("closed");
    have += n;
  }
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface SampleNode {
  callFrame: CallFrame;
  selfSize: number;
  children?: SampleNode[];
}

try {
  for (let i = 0; i < 2000; i += 500) {
    const docs = Array.from({ length: 500 }, (_, k) => ({ _id: i + k, seq: i + k, payload }));
    await roundTrip(opMsgFrame({ insert: "c", documents: docs, $db: "ceil" }, 1));
  }
  if (op === "find_range") {
    const indexes = [{ key: { seq: 1 }, name: "seq_1" }];
    await roundTrip(opMsgFrame({ createIndexes: "c", indexes, $db: "ceil" }, 1));
  }
  if (op === "insert_many") {
    const indexes = [{ key: { category: 1 }, name: "category_1" }, { key: { score: 1 }, name: "score_1" }];
    await roundTrip(opMsgFrame({ createIndexes: "c4", indexes, $db: "ceil" }, 1));
  }
  const warm = op === "insert_many" ? 10 : 300;
  const frames = Array.from({ length: N + warm }, (_, i) => opMsgFrame(make(i), i + 1));
  for (let i = 0; i < warm; i++) await roundTrip(frames[i]!); // warm-up
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params, (e: unknown, r: unknown) => e ? reject(e) : resolve(r as T))
    );
  await post("HeapProfiler.startSampling", {
    samplingInterval: 128,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let i = warm; i < N + warm; i++) await roundTrip(frames[i]!);
  const { profile } = await post<{ profile: { head: SampleNode } }>("HeapProfiler.stopSampling");
  session.disconnect();

  const self = new Map<string, number>();
  const inner = new Map<string, number>();
  let total = 0;
  const name = (cf: CallFrame) =>
    `${cf.functionName || "(anonymous)"} ${
      cf.url.replace(/^.*\/node_modules\/(\.deno\/[^/]+\/node_modules\/)?/, "").replace(
        /^file:\/\/.*?\/(src|ffi)\//,
        "$1/",
      )
    }:${cf.lineNumber + 1}`;
  const walk = (n: SampleNode, ours: string | undefined) => {
    const here = name(n.callFrame);
    const src = /^(src|ffi)\//.test(here.split(" ")[1] ?? "") ? here : ours;
    if (n.selfSize > 0) {
      total += n.selfSize;
      self.set(here, (self.get(here) ?? 0) + n.selfSize);
      inner.set(src ?? "(outside src/)", (inner.get(src ?? "(outside src/)") ?? 0) + n.selfSize);
    }
    for (const c of n.children ?? []) walk(c, src);
  };
  walk(profile.head, undefined);
  const top = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) =>
      `${(v / N).toFixed(0).padStart(7)} B  ${k}`
    )
      .join("\n");
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(`${op}: ${(total / N).toFixed(0)} B allocated per round trip (${N} round trips, load ${load})`);
  console.log(`\nby function (self):\n${top(self)}`);
  console.log(`\nby innermost src/ or ffi/ frame:\n${top(inner)}`);
} finally {
  conn.close();
  await server.stop();
  Deno.removeSync(dir, { recursive: true });
}
