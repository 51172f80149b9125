/**
 * Chaos probes (issue 11, item 5): hostile client patterns run against a server in a child process,
 * each measured the same way — the server's RSS (now and peak, from /proc), another client's ping
 * latency while the probe runs (p50/p99/max), and afterwards whether the process is alive and a fresh
 * connection is answered. tests/integration/chaos_test.ts runs them small with assertions;
 * bench/chaos_bench.ts runs them large and prints the figures.
 */
import { BSON } from "bson";
import { frameAt, opMsg } from "./frames.ts";

/** Memory of a process from /proc (Linux): resident now and the peak since start (or the last reset). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const s = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0);
  return { rssMiB: Math.round(kb("VmRSS") / 1024), peakMiB: Math.round(kb("VmHWM") / 1024) };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS, so the next peak is the next probe's. */
export function resetPeak(pid: number): void {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch { /* not permitted: the peak stays cumulative */ }
}

export function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return !/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${pid}/status`));
  } catch {
    return false;
  }
}

/** Writes every byte (`Deno.Conn.write` may write part of a large buffer). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let o = 0;
  while (o < bytes.length) o += await conn.write(bytes.subarray(o));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads one whole reply frame (bounded by `ms`); null when the server closed or the time ran out. */
export async function readReply(conn: Deno.Conn, ms: number): Promise<Uint8Array | null> {
  let buf = new Uint8Array(0);
  const deadline = Date.now() + ms;
  const chunk = new Uint8Array(65536);
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.read(chunk).catch(() => null),
      new Promise<"t">((r) => timer = setTimeout(() => r("t"), Math.max(1, deadline - Date.now()))),
    ]);
    clearTimeout(timer);
    if (n === "t" || n === null) return null;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    if (buf.length >= 4) {
      const len = new DataView(buf.buffer).getInt32(0, true);
      if (buf.length >= len) return buf.subarray(0, len);
    }
  }
  return null;
}

/** The body of an OP_MSG reply. */
export function replyBody(frame: Uint8Array): Record<string, unknown> {
  return BSON.deserialize(frame.subarray(21));
}

export const PING = opMsg(BSON.serialize({ ping: 1, $db: "admin" }));

/** A fresh connection answers ping within `ms`: the server still serves new clients. */
export async function freshPing(port: number, ms = 5000): Promise<boolean> {
  let conn: Deno.Conn | undefined;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, PING);
    const r = await readReply(conn, ms);
    return r !== null && replyBody(r)["ok"] === 1;
  } catch {
    return false;
  } finally {
    try {
      conn?.close();
    } catch { /* closed */ }
  }
}

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
  failures: number;
}

/**
 * Another client pinging in a loop (one connection, one ping in flight), on a worker thread of its own
 * (tests/chaos/pinger_worker.ts) so the load generator's busy event loop does not count as server
 * latency. `take()` returns the figures since the last take; `close()` ends it.
 */
export function pinger(port: number): { ready: Promise<void>; take(): Promise<Latency>; close(): void } {
  const w = new Worker(new URL("./pinger_worker.ts", import.meta.url).href, { type: "module" });
  const ready = new Promise<void>((resolve) => w.onmessage = () => resolve());
  w.postMessage({ port });
  return {
    ready,
    take() {
      return new Promise<Latency>((resolve) => {
        w.onmessage = (e: MessageEvent) => resolve(e.data as Latency);
        w.postMessage("take");
      });
    },
    close: () => w.terminate(),
  };
}

/** The pinger's loop itself (runs in the worker). */
export function pingLoop(port: number): { take(): Latency; stop(): Promise<void> } {
  let stopped = false;
  let lat: number[] = [];
  let failures = 0;
  const run = (async () => {
    let conn: Deno.Conn | null = null;
    while (!stopped) {
      try {
        conn ??= await Deno.connect({ hostname: "127.0.0.1", port });
        const t = performance.now();
        await writeAll(conn, PING);
        const r = await readReply(conn, 30_000);
        if (!r) throw new Error("no reply");
        lat.push(performance.now() - t);
      } catch {
        failures++;
        try {
          conn?.close();
        } catch { /* closed */ }
        conn = null;
      }
      await sleep(5);
    }
    try {
      conn?.close();
    } catch { /* closed */ }
  })();
  return {
    take() {
      const s = lat.sort((a, b) => a - b);
      const q = (p: number) => s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
      const r1 = (x: number) => Math.round(x * 10) / 10;
      const out = {
        n: s.length,
        p50: r1(q(0.5)),
        p99: r1(q(0.99)),
        max: r1(s[s.length - 1] ?? NaN),
        failures,
      };
      lat = [];
      failures = 0;
      return out;
    },
    async stop() {
      stopped = true;
      await run;
    },
  };
}

export interface FuzzResult {
  frames: number;
  connections: number;
  byCategory: Record<string, number>;
  ms: number;
  /** Round-trip pings (one per 64 frames per connection) the server did not answer in time. */
  pingTimeouts: number;
}

/** The requestID of the fuzz client's pacing pings (fuzz frames carry 1 or mutated ids). */
const PACE_ID = 0x5eca0000;
/** How long a pacing ping may wait for its reply before the client gives the connection up. */
const PACE_TIMEOUT_MS = 30_000;

/**
 * Sends fuzz frames `from … from+count-1` of `seed` over `parallel` connections. A connection the
 * server closes is replaced; after a frame that announces more bytes than it carries the client hangs
 * up itself. Every 64 frames the client sends a ping on its live connection and waits for its reply
 * (bounded): the server has then handled every frame before it on that connection, so the client
 * cannot run unboundedly ahead of the server (without it, the 1,000,000-frame run left thousands of
 * closed-by-the-client connections queued in the server, unread, until max_connections filled).
 * Other replies are drained and ignored. Stops early (returns what was sent) if `shouldStop()`.
 * `pace: false` only sends the pings (the open-loop flood that used to pile connections up).
 */
export async function sendFuzz(
  port: number,
  seed: number,
  from: number,
  count: number,
  parallel = 4,
  shouldStop: () => boolean = () => false,
  opts: { pace?: boolean } = {},
): Promise<FuzzResult> {
  const t0 = performance.now();
  let next = from;
  let connections = 0;
  let pingTimeouts = 0;
  let paceId = PACE_ID;
  const byCategory: Record<string, number> = {};
  const worker = async () => {
    let conn: Deno.Conn | null = null;
    let dead = false;
    /** The pacing ping waiting for its reply on the current connection. */
    let waiter: { id: number; done: () => void } | null = null;
    const open = async () => {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
      connections++;
      dead = false;
      const c = conn;
      (async () => {
        const b = new Uint8Array(65536);
        let held = new Uint8Array(0);
        try {
          for (;;) {
            const n = await c.read(b);
            if (n === null) break;
            if (!waiter) continue; // nothing to look for: drop the bytes
            const all = new Uint8Array(held.length + n);
            all.set(held);
            all.set(b.subarray(0, n), held.length);
            let o = 0;
            while (all.length - o >= 16) {
              const dv = new DataView(all.buffer, o);
              const len = dv.getInt32(0, true);
              if (len < 16 || all.length - o < len) break;
              if (waiter && dv.getInt32(8, true) === waiter.id) waiter.done();
              o += len;
            }
            held = all.slice(o);
          }
        } catch { /* reset */ }
        if (conn === c) dead = true;
        waiter?.done(); // the server closed: stop waiting
      })();
    };
    const close = () => {
      try {
        conn?.close();
      } catch { /* closed */ }
      conn = null;
    };
    /** One ping round trip on the live connection; false when it timed out or the socket failed. */
    const pace = async (): Promise<boolean> => {
      const id = paceId++;
      const frame = PING.slice();
      new DataView(frame.buffer).setInt32(4, id, true);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const answered = new Promise<boolean>((resolve) => {
        waiter = { id, done: () => resolve(true) };
        timer = setTimeout(() => resolve(false), PACE_TIMEOUT_MS);
      });
      try {
        await writeAll(conn as unknown as Deno.Conn, frame);
        return await answered;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
        waiter = null;
      }
    };
    while (next < from + count && !shouldStop()) {
      const i = next++;
      const f = frameAt(seed, i);
      byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
      if (!conn || dead) {
        close();
        await open();
      }
      try {
        await writeAll(conn as unknown as Deno.Conn, f.bytes);
      } catch {
        close();
        continue;
      }
      if (f.hangsUp) close();
      // every 64 frames, let the server catch up (bounded): one ping round trip on this connection
      if (i % 64 === 0 && conn && !dead) {
        if (opts.pace === false) {
          await writeAll(conn as unknown as Deno.Conn, PING).catch(() => close());
        } else if (!(await pace())) {
          if (!dead) pingTimeouts++;
          close();
        }
      }
    }
    close();
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return {
    frames: next - from,
    connections,
    byCategory,
    ms: Math.round(performance.now() - t0),
    pingTimeouts,
  };
}

/** Opens `n` TCP connections and keeps them; `used` of them send one ping first. */
export async function holdConnections(
  port: number,
  n: number,
  used: number,
): Promise<{ conns: Deno.Conn[]; held: number }> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(200, n - i) }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    for (const b of batch) if (b.status === "fulfilled") conns.push(b.value);
  }
  for (let i = 0; i < Math.min(used, conns.length); i += 200) {
    await Promise.allSettled(
      conns.slice(i, Math.min(used, i + 200)).map(async (c) => {
        await writeAll(c, PING);
        await readReply(c, 10_000);
      }),
    );
  }
  // held: still open from the server's side (a ping on a sample answers)
  let held = 0;
  const sample = conns.filter((_, i) => i % Math.max(1, Math.floor(conns.length / 50)) === 0);
  await Promise.all(sample.map(async (c) => {
    try {
      await writeAll(c, PING);
      if (await readReply(c, 10_000)) held++;
    } catch { /* dropped */ }
  }));
  return { conns, held: Math.round(held / Math.max(1, sample.length) * conns.length) };
}

export function closeAll(conns: Deno.Conn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch { /* closed */ }
  }
}

/**
 * Slowloris: `n` connections each send a frame header announcing `len` bytes, then one byte every
 * `everyMs`. Resolves when all were dropped by the server or `maxMs` passed; returns how many the
 * server dropped and when the last drop happened.
 */
export async function slowloris(
  port: number,
  n: number,
  everyMs: number,
  maxMs: number,
): Promise<{ dropped: number; lastDropMs: number }> {
  const t0 = performance.now();
  let dropped = 0;
  let lastDropMs = 0;
  const conns = (await Promise.allSettled(
    Array.from({ length: n }, () => Deno.connect({ hostname: "127.0.0.1", port })),
  )).flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  await Promise.all(conns.map(async (c) => {
    const head = new Uint8Array(16);
    new DataView(head.buffer).setInt32(0, 1_000_000, true);
    new DataView(head.buffer).setInt32(12, 2013, true);
    let gone = false;
    // the server dropping the socket shows as EOF (or a reset) on a read that waits all along
    const reader = c.read(new Uint8Array(64)).then(() => gone = true, () => gone = true);
    try {
      await writeAll(c, head);
      while (!gone && performance.now() - t0 < maxMs) {
        await sleep(everyMs);
        if (!gone) await writeAll(c, new Uint8Array([0x61]));
      }
    } catch {
      gone = true;
    }
    if (gone) {
      dropped++;
      lastDropMs = Math.max(lastDropMs, performance.now() - t0);
    }
    try {
      c.close();
    } catch { /* closed */ }
    await reader;
  }));
  return { dropped, lastDropMs: Math.round(lastDropMs) };
}

/** `n` connections each send one `bytes` frame at once (e.g. 48 MB messages); resolves when all ended. */
export async function concurrentBigFrames(port: number, n: number, bytes: Uint8Array): Promise<number> {
  let answered = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    let c: Deno.Conn | undefined;
    try {
      c = await Deno.connect({ hostname: "127.0.0.1", port });
      await writeAll(c, bytes);
      if (await readReply(c, 120_000)) answered++;
    } catch { /* dropped */ }
    try {
      c?.close();
    } catch { /* closed */ }
  }));
  return answered;
}

/** A `{ping: 1, pad: "xxx…"}` OP_MSG frame of about `size` bytes (a body too large to be a command). */
export function paddedPing(size: number): Uint8Array {
  const pad = size - 64;
  // the small part through BSON, then the large string element spliced in before the terminator
  const head = BSON.serialize({ ping: 1, $db: "admin" });
  const strEl = new Uint8Array(1 + 4 + 4 + pad + 1);
  strEl[0] = 0x02;
  strEl.set([0x70, 0x61, 0x64, 0], 1); // "pad\0"
  new DataView(strEl.buffer).setInt32(5, pad + 1, true);
  strEl.fill(0x78, 9, 9 + pad);
  const doc = new Uint8Array(head.length + strEl.length);
  doc.set(head.subarray(0, head.length - 1));
  doc.set(strEl, head.length - 1);
  doc[doc.length - 1] = 0;
  new DataView(doc.buffer).setInt32(0, doc.length, true);
  return opMsg(doc);
}
