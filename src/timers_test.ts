import assert from "node:assert/strict";

import { delay, timeout, timersUseRuntimeList, unrefInterval, unrefTimeout } from "./timers.ts";

const sleep = (ms: number) => new Promise<void>((r) => AbortSignal.timeout(ms).onabort = () => r());

Deno.test("unrefTimeout calls fn once after the delay; cancel before it fires stops it", async () => {
  const t0 = performance.now();
  let at = -1;
  let cancelledRan = false;
  unrefTimeout(() => at = performance.now() - t0, 30);
  unrefTimeout(() => cancelledRan = true, 30).cancel();
  await sleep(120);
  assert(at >= 29, `fired at ${at}`);
  assert(!cancelledRan);
});

Deno.test("unrefInterval repeats until cancelled", async () => {
  let n = 0;
  const t = unrefInterval(() => {
    n++;
  }, 10);
  // bounded wait, not a timed assertion: a loaded machine runs a 10 ms interval late
  for (let waited = 0; n < 3 && waited < 10_000; waited += 20) await sleep(20);
  t.cancel();
  t.cancel(); // idempotent
  const seen = n;
  assert(seen >= 3, `ran ${seen} times in 10 s`);
  await sleep(60);
  assert.equal(n, seen);
});

/**
 * Runs `body` (with `names` imported from timers.ts) in a fresh Deno process and returns its stdout,
 * trimmed; bounded: a timer that wrongly holds the process is killed after 20 s (and the test fails).
 */
async function runWithTimers(names: string, body: string): Promise<string> {
  const src = new URL("./timers.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", `import { ${names} } from "${src}";\n${body}`],
    stdout: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("a pending timer does not keep the process alive", async () => {
  const t0 = performance.now();
  const out = await runWithTimers(
    "unrefInterval, unrefTimeout",
    `unrefInterval(() => console.log("tick"), 5_000);
    unrefTimeout(() => console.log("late"), 5_000);
    console.log("end");`,
  );
  assert.equal(out, "end");
  assert(performance.now() - t0 < 4_000);
});

Deno.test("on the pinned Deno the timers use the runtime's own list, not Node's (no node:timers at start)", () => {
  // A Deno upgrade that drops `Deno[Deno.internal].core.createTimer` falls back to the globals and
  // fails here, so the ~12 ms cold-start cost of node:timers does not come back unnoticed.
  assert.equal(timersUseRuntimeList, true);
});

Deno.test("timeout fires once unless cancelled; delay resolves after its time", async () => {
  let fired = 0;
  let cancelled = 0;
  timeout(() => fired++, 10);
  timeout(() => cancelled++, 10).cancel();
  const t0 = performance.now();
  await delay(40);
  assert(performance.now() - t0 >= 39);
  for (let waited = 0; fired === 0 && waited < 10_000; waited += 20) await sleep(20);
  assert.equal(fired, 1);
  assert.equal(cancelled, 0);
});

Deno.test("a pending timeout or delay keeps the process alive until it fires", async () => {
  const out = await runWithTimers(
    "delay, timeout",
    `timeout(() => console.log("fired"), 50);
    await delay(20);
    console.log("delayed");`,
  );
  assert.equal(out, "delayed\nfired");
});
