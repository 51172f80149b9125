/**
 * Feasibility probe for frame I/O in the C shim (issue 18): how cheaply can a C thread hand work to
 * the JS thread in Deno? A C producer thread posts an item (or a batch), then waits until JS took it;
 * JS learns about it either
 *
 *   (a) `wait`: by a `nonblocking: true` FFI call that blocks on an eventfd on Deno's thread pool, or
 *   (b) `callback`: by a `Deno.UnsafeCallback.threadSafe` the C thread calls as a doorbell,
 *   (c) `socket`: by reading a Unix socket JS connected to (a Deno resource: a reactor read on the JS
 *       thread's event loop), into which the C thread writes one byte,
 *
 * then takes every queued item in one synchronous call. Reports hand-offs per second (ping-pong:
 * latency-bound) and the JS thread's CPU per hand-off (`CLOCK_THREAD_CPUTIME_ID`), for batches of 1
 * and 16 items per wake-up. Builds `bench/lib/doorbell.c` with gcc into a temp file.
 *
 *   deno run -A bench/doorbell_bench.ts [--ms 1000]
 */
const ms = Number(Deno.args[Deno.args.indexOf("--ms") + 1] || 1000) || 1000;
const dir = await Deno.makeTempDir();
const so = `${dir}/doorbell.so`;
const src = new URL("./lib/doorbell.c", import.meta.url).pathname;
const cc = await new Deno.Command("gcc", { args: ["-O2", "-shared", "-fPIC", "-pthread", "-o", so, src] })
  .output();
if (cc.code !== 0) throw new Error(new TextDecoder().decode(cc.stderr));
const lib = Deno.dlopen(so, {
  db_start: { parameters: ["i32", "i32", "function"], result: "i32" },
  db_wait: { parameters: [], result: "i32", nonblocking: true },
  db_take: { parameters: [], result: "i32" },
  db_stop: { parameters: [], result: "void" },
  db_thread_cpu_ns: { parameters: [], result: "i64" },
  db_request_stop: { parameters: [], result: "void" },
  db_bell_listen: { parameters: ["buffer"], result: "i32" },
  db_bell_accept: { parameters: [], result: "i32" },
  db_bell_close: { parameters: [], result: "void" },
});
const s = lib.symbols;
const cpu = () => Number(s.db_thread_cpu_ns());

async function runWait(batch: number): Promise<[number, number, number]> {
  s.db_start(0, batch, null);
  let wakes = 0, items = 0;
  const t0 = performance.now(), c0 = cpu();
  while (performance.now() - t0 < ms) {
    await s.db_wait();
    items += s.db_take();
    wakes++;
  }
  const c1 = cpu(), t1 = performance.now();
  s.db_stop();
  return [wakes / ((t1 - t0) / 1000), (c1 - c0) / 1000 / wakes, items / wakes];
}

async function runSocket(batch: number): Promise<[number, number, number]> {
  const path = `${dir}/bell`;
  s.db_bell_listen(new TextEncoder().encode(path + "\0"));
  const conn = await Deno.connect({ transport: "unix", path });
  s.db_bell_accept();
  await Deno.remove(path);
  s.db_start(2, batch, null);
  const buf = new Uint8Array(64);
  let wakes = 0, items = 0;
  const t0 = performance.now(), c0 = cpu();
  while (performance.now() - t0 < ms) {
    await conn.read(buf);
    items += s.db_take();
    wakes++;
  }
  const c1 = cpu(), t1 = performance.now();
  s.db_stop();
  conn.close();
  s.db_bell_close();
  return [wakes / ((t1 - t0) / 1000), (c1 - c0) / 1000 / wakes, items / wakes];
}

async function runCallback(batch: number): Promise<[number, number, number]> {
  let wakes = 0, items = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => done = r);
  const t0 = performance.now();
  let c0 = 0, c1 = 0, t1 = 0;
  let stopped = false;
  const cb = Deno.UnsafeCallback.threadSafe({ parameters: [], result: "void" }, () => {
    if (stopped) return;
    if (wakes === 0) c0 = cpu();
    if (performance.now() - t0 >= ms) s.db_request_stop(); // before take: the producer exits after it
    items += s.db_take();
    wakes++;
    if (performance.now() - t0 >= ms) {
      stopped = true;
      c1 = cpu();
      t1 = performance.now();
      done();
    }
  });
  cb.ref();
  s.db_start(1, batch, cb.pointer);
  // A resolved promise is not acted on after a thread-safe callback until some other event wakes the
  // loop (observed on Deno 2.9.6): poll with a timer instead of awaiting `finished` alone.
  while (!stopped) await new Promise((r) => setTimeout(r, 5));
  await finished;
  s.db_stop();
  cb.close();
  return [wakes / ((t1 - t0) / 1000), (c1 - c0) / 1000 / wakes, items / wakes];
}

console.log(`load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("mode      batch  wakes/s  js-cpu-us/wake  items/wake");
for (let round = 0; round < 3; round++) {
  for (const batch of [1, 16]) {
    for (const [name, fn] of [["wait", runWait], ["callback", runCallback], ["socket", runSocket]] as const) {
      const [rate, us, per] = await fn(batch);
      console.log(
        `${name.padEnd(9)} ${String(batch).padStart(5)} ${rate.toFixed(0).padStart(8)} ${
          us.toFixed(2).padStart(15)
        } ${per.toFixed(1).padStart(11)}`,
      );
    }
  }
}
lib.close();
await Deno.remove(dir, { recursive: true });
