import assert from "node:assert/strict";
import { QuietGate } from "./quiet_gate.ts";

/** A gate on an injected clock, opened unless said otherwise; `busy` as set. */
function gate(open = true) {
  let now = 0;
  let busy = false;
  const g = new QuietGate({ busy: () => busy, quietMs: 20, openQuietMs: 250, pollMs: 1, now: () => now });
  if (open) g.open();
  return {
    g,
    advance: (ms: number) => now += ms,
    setBusy: (b: boolean) => busy = b,
  };
}

/** `p`'s value once settled, or "pending" when 30 ms of real time (the gate's 1 ms polls) did not settle it. */
async function settled<T>(p: Promise<T>): Promise<T | "pending"> {
  return await Promise.race([p, new Promise<"pending">((r) => setTimeout(() => r("pending"), 30))]);
}

Deno.test("QuietGate: quiet once no command has begun for quietMs and none runs", async () => {
  const { g, advance, setBusy } = gate(false);
  advance(100);
  assert.equal(g.quiet(), false, "not open: the server is still starting");
  g.open();
  assert.equal(g.quiet(), false, "the quiet period counts from the opening");
  advance(200);
  assert.equal(g.quiet(), false, "the first one is longer: a client started with the server connects");
  advance(50);
  assert.equal(g.quiet(), true);
  assert.equal(await g.whenQuiet(), true, "at once when quiet");
  g.noteWork();
  assert.equal(g.quiet(), false);
  advance(25);
  setBusy(true);
  assert.equal(g.quiet(), false, "a command still running");
  setBusy(false);
  assert.equal(g.quiet(), true);
});

Deno.test("QuietGate: a step waits for the quiet moment, or for its deadline", async () => {
  const { g, advance } = gate();
  g.noteWork();
  const waiting = g.whenQuiet();
  const withDeadline = g.whenQuiet(500);
  assert.equal(await settled(waiting), "pending");
  advance(10);
  g.noteWork();
  advance(15); // 15 ms since the last command
  assert.equal(await settled(waiting), "pending");
  advance(500);
  assert.equal(await settled(withDeadline), true, "the deadline passed");
  assert.equal(await settled(waiting), true, "and it is quiet by now");
});

Deno.test("QuietGate: stop ends every waiting step with false, and later ones at once", async () => {
  const { g, advance } = gate();
  const waiting = g.whenQuiet();
  assert.equal(await settled(waiting), "pending");
  assert.equal(g.stopped, false);
  g.stop();
  assert.equal(g.stopped, true);
  assert.equal(await waiting, false);
  advance(100);
  assert.equal(await g.whenQuiet(), false);
});

Deno.test("QuietGate: work no command shows (the I/O thread's answers, connections) counts too", () => {
  let now = 0;
  let served = 7;
  const g = new QuietGate({ busy: () => false, quietMs: 20, openQuietMs: 20, now: () => now });
  g.open(() => served);
  now += 20;
  assert.equal(g.quiet(), true);
  served += 3;
  assert.equal(g.quiet(), false, "answers since the last look");
  now += 19;
  assert.equal(g.quiet(), false);
  now += 1;
  assert.equal(g.quiet(), true, "20 ms since they were seen");
});

Deno.test("QuietGate: waiting steps run one per look, oldest first", async () => {
  const { g, advance } = gate();
  g.noteWork();
  const order: string[] = [];
  const first = g.whenQuiet().then((run) => order.push(`first ${run}`));
  const second = g.whenQuiet().then((run) => order.push(`second ${run}`));
  advance(25);
  await settled(first);
  assert.deepEqual(order, ["first true"], "one step per look: the next one looks again");
  await settled(second);
  assert.deepEqual(order, ["first true", "second true"]);
});
