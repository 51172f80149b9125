/**
 * The request path in one process, for before/after figures that survive a busy machine: an embedded
 * server (`startServer`, on-disk temp dir, default durability) and a raw OP_MSG client in the same
 * process, one request outstanding (the `capacity/run.sh` workloads: ping, find by _id, update $inc,
 * insert of a ~760-byte document; find_range: bench.mjs's range + sort + limit 20 on an indexed field;
 * find_eq: bench.mjs's equality on an indexed field, ~10 documents, no limit; find_eq_driver: the same
 * with the Node driver's generic fields — lsid, $clusterTime, $readPreference —; insert_rw: the insert
 * as a retryable write, with lsid and txnNumber; the Node driver's writes as it sends them,
 * `driverWorkloads` in bench/lib/capacity_requests.ts: update_drv, insert_drv, delete_drv as bench.mjs
 * sends them, update_rw, fam_rw, delete_rw retryable as the driver's default), against an in-process
 * do-nothing wire server (the Deno floor's read/write loop) measured in the same run.
 *
 * Per workload: µs of wall time per round trip and µs of this process's main-thread CPU per round trip
 * (/proc/self/task/<pid>/schedstat: only time the thread actually ran, so other processes on the
 * cores inflate it far less than wall time). Client and server share the thread, so both figures
 * include the client's (small, constant) cost; the floor row shows how much.
 * `--compare DIR` also starts another checkout's server (e.g. main's) in this same process and
 * alternates rounds between the two (which goes first flips every round), so a before/after pair sees
 * the same machine load.
 * `--standalone` adds this checkout's server without the oplog (issue 10: its insert vs ours' insert_rw).
 *   deno run -A bench/request_path_bench.ts [--ops N] [--rounds R] [--compare DIR] [--standalone] [--only find,insert]
 */
import { CAPACITY_PAYLOAD, capacityWorkloads, driverWorkloads, opMsgFrame } from "./lib/capacity_requests.ts";
import { Binary, BSON, Long, Timestamp } from "bson";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const OPS = Number(arg("--ops", "4000"));
const ROUNDS = Number(arg("--rounds", "3"));
const compareDir = arg("--compare", "");
const only = arg("--only", "");
type Start = (o: Record<string, unknown>) => Promise<{ port: number; stop(): Promise<void> }>;
const { startServer } = await import("../mod.ts") as { startServer: Start };
const other = compareDir
  ? (await import(`${compareDir}/mod.ts`) as { startServer: Start }).startServer
  : undefined;

const payload = CAPACITY_PAYLOAD;
const workloads: Record<string, (i: number) => Record<string, unknown>> = {
  ...capacityWorkloads(20000),
  // bench.mjs's find_range: a range ~200 keys wide on an indexed field, sorted on it, 20 returned
  find_range: (i) => {
    const lo = (i * 7919) % 19800;
    return {
      find: "c",
      filter: { seq: { $gte: lo, $lt: lo + 200 } },
      sort: { seq: 1 },
      limit: 20,
      $db: "ceil",
    };
  },
  // bench.mjs's find_eq: ~10 documents of one category (an indexed field), no limit
  find_eq: (i) => ({ find: "c", filter: { cat: `c${(i * 7919) % 2000}` }, $db: "ceil" }),
  // the same as the Node driver sends it (its implicit session, the cluster time it was last told)
  find_eq_driver: (i) => ({
    find: "c",
    filter: { cat: `c${(i * 7919) % 2000}` },
    lsid: { id: new Binary(new Uint8Array(16).fill(9), Binary.SUBTYPE_UUID) },
    $clusterTime: {
      clusterTime: new Timestamp({ t: 1_700_000_000, i: 1 }),
      signature: { hash: new Binary(new Uint8Array(20)), keyId: Long.fromNumber(0) },
    },
    $readPreference: { mode: "primaryPreferred" },
    $db: "ceil",
  }),
  // a driver's insertOne with retryable writes (one session, as a c=1 driver): the session's retry
  // record commits with the insert
  insert_rw: (i) => ({
    insert: "c3",
    documents: [{ _id: 1_000_000 + i, seq: i, payload }],
    lsid: { id: new Binary(new Uint8Array(16).fill(7), Binary.SUBTYPE_UUID) },
    txnNumber: Long.fromNumber(i + 1),
    $db: "ceil",
  }),
  ...driverWorkloads(20000),
};

/** Main-thread CPU ms so far. */
function threadCpuMs(): number {
  return Number(Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/schedstat`).split(" ")[0]) / 1e6;
}

class Client {
  #buf = new Uint8Array(256 * 1024);
  private constructor(private readonly conn: Deno.Conn) {}
  static async open(port: number): Promise<Client> {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    c.setNoDelay(true);
    return new Client(c);
  }
  async roundTrip(f: Uint8Array): Promise<Uint8Array> {
    await this.conn.write(f);
    let have = 0;
    while (have < 4 || have < new DataView(this.#buf.buffer).getInt32(0, true)) {
      const n = await this.conn.read(this.#buf.subarray(have));
      if (n === null) throw new Error("closed");
      have += n;
    }
    return this.#buf.subarray(0, have);
  }
  close() {
    this.conn.close();
  }
}

/** The Deno floor's loop (read a frame, write a canned {ok: 1}), in this process. */
function startFloor(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const body = new Uint8Array([17, 0, 0, 0, 0x01, 0x6f, 0x6b, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0]);
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      (async () => {
        const buf = new Uint8Array(64 * 1024);
        let have = 0;
        try {
          for (;;) {
            const n = await conn.read(buf.subarray(have));
            if (n === null) break;
            have += n;
            const len = new DataView(buf.buffer).getInt32(0, true);
            if (have < len) continue;
            const out = new Uint8Array(21 + body.length);
            const o = new DataView(out.buffer);
            o.setInt32(0, out.length, true);
            o.setInt32(8, new DataView(buf.buffer).getInt32(4, true), true);
            o.setInt32(12, 2013, true);
            out.set(body, 21);
            await conn.write(out);
            have = 0;
          }
        } catch { /* closed */ }
      })();
    }
  })().catch(() => {});
  return { port: (listener.addr as Deno.NetAddr).port, close: () => listener.close() };
}

async function measure(port: number, make: (i: number) => Record<string, unknown>, base: number) {
  const client = await Client.open(port);
  const frames = Array.from({ length: OPS }, (_, i) => opMsgFrame(make(base + i), i + 1));
  for (let i = 0; i < Math.min(200, OPS); i++) {
    await client.roundTrip(opMsgFrame({ ping: 1, $db: "admin" }, 1));
  }
  const c0 = threadCpuMs();
  const t0 = performance.now();
  let last: Uint8Array | undefined;
  for (const f of frames) last = await client.roundTrip(f);
  const wall = performance.now() - t0;
  const cpu = threadCpuMs() - c0;
  // (outside the timing) a workload that fails every request would measure its error path
  const reply = last && BSON.deserialize(last.subarray(21));
  if (reply && (reply["ok"] !== 1 || reply["writeErrors"])) throw new Error(JSON.stringify(reply));
  client.close();
  return { wallUs: (wall * 1000) / OPS, cpuUs: (cpu * 1000) / OPS };
}

const dirs: string[] = [];
async function start(fn: Start, extra: Record<string, unknown> = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "secantus-reqpath-" });
  dirs.push(dir);
  const server = await fn({ port: 0, storagePath: `${dir}/data`, logLevel: "ERROR", ...extra });
  // 20,000 documents {_id, seq, payload} in ceil.c, as wireload's `load`, and a category `cat` (2,000 of
  // them, ~10 documents each, spread over the collection as bench.mjs's are)
  const loader = await Client.open(server.port);
  for (let i = 0; i < 20000; i += 500) {
    const docs = Array.from(
      { length: 500 },
      (_, k) => ({ _id: i + k, seq: i + k, cat: `c${(i + k) % 2000}`, payload }),
    );
    await loader.roundTrip(opMsgFrame({ insert: "c", documents: docs, $db: "ceil" }, 1));
  }
  await loader.roundTrip(
    opMsgFrame({
      createIndexes: "c",
      indexes: [{ key: { seq: 1 }, name: "seq_1" }, { key: { cat: 1 }, name: "cat_1" }],
      $db: "ceil",
    }, 1),
  );
  loader.close();
  return server;
}

const servers = [{ name: "ours", server: await start(startServer) }];
// issue 10's oplog cost: the same checkout without the oplog (compare its insert with ours' insert_rw)
if (Deno.args.includes("--standalone")) {
  servers.push({ name: "standalone", server: await start(startServer, { standalone: true }) });
}
if (other) servers.push({ name: compareDir, server: await start(other) });
const floor = startFloor();
try {
  const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(
    `request path, one process, ${OPS} round trips x ${ROUNDS} rounds (lowest CPU round), load ${load}`,
  );
  const cols = [...servers.map((s) => s.name), "floor"];
  console.log(`| op | ${cols.map((c) => `${c} µs/op wall | ${c} CPU µs/op`).join(" | ")} |`);
  console.log(`|---|${cols.map(() => "---:|---:").join("|")}|`);
  let base = 0;
  for (const [name, make] of Object.entries(workloads)) {
    if (only && !only.split(",").includes(name)) continue;
    const best = cols.map(() => ({ wallUs: Infinity, cpuUs: Infinity }));
    for (let r = 0; r < ROUNDS; r++) {
      const ports = [...servers.map((s) => s.server.port), floor.port];
      // the servers' order flips every round: the one measured right after another server's writes
      // pays for that server's WiredTiger background work on the other core
      const order = ports.map((_, k) => k);
      if (r % 2 === 1) order.splice(0, servers.length, ...order.slice(0, servers.length).reverse());
      for (const k of order) {
        const m = await measure(ports[k]!, make, base);
        if (m.cpuUs < best[k]!.cpuUs) best[k] = m;
      }
      base += OPS;
    }
    console.log(
      `| ${name} | ${best.map((b) => `${b.wallUs.toFixed(1)} | ${b.cpuUs.toFixed(1)}`).join(" | ")} |`,
    );
  }
} finally {
  floor.close();
  for (const s of servers) await s.server.stop();
  for (const d of dirs) Deno.removeSync(d, { recursive: true });
}
