import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { CommandError } from "../errors/command_error.ts";
import {
  maxTimeMSOf,
  noteRequestStarted,
  OpControl,
  setMemoryPressureCheck,
  setQuietYield,
} from "./op_control.ts";

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const isCode = (code: number) => (e: unknown) => e instanceof CommandError && e.code === code;

Deno.test("OpControl: due() reads the clock at most every checkEvery calls while items are cheap", () => {
  const c = clock();
  let reads = 0;
  const ctl = new OpControl({ quantumMs: 4, checkEvery: 8, now: () => (reads++, c.now()) });
  reads = 0;
  // cheap items (no time passes): the stride doubles 1, 2, 4, 8 and stays at 8
  for (let i = 0; i < 1 + 2 + 4 + 8 + 8; i++) ok(!ctl.due());
  assertEquals(reads, 5);
  for (let i = 0; i < 7; i++) ok(!ctl.due());
  assertEquals(reads, 5);
  c.advance(10);
  ok(ctl.due());
  assertEquals(reads, 6);
});

Deno.test("OpControl: due() notices expensive items at once (the stride shrinks to 1)", () => {
  const c = clock();
  const ctl = new OpControl({ quantumMs: 4, checkEvery: 64, now: c.now });
  for (let i = 0; i < 200; i++) ctl.due(); // cheap: stride grows to 64
  let calls = 0;
  // now each item costs 3 ms: due() must turn true within two items, not 64
  for (;;) {
    c.advance(3);
    calls++;
    if (ctl.due()) break;
  }
  ok(calls <= 64, `took ${calls} calls`);
  c.advance(3);
  // after a yield-free slice start, a 3 ms item then another: true by the second
  const ctl2 = new OpControl({ quantumMs: 4, checkEvery: 64, now: c.now });
  c.advance(3);
  ok(!ctl2.due());
  c.advance(3);
  ok(ctl2.due());
});

Deno.test("OpControl: dueNow() is false within the slice and true after it", () => {
  const c = clock();
  const ctl = new OpControl({ quantumMs: 4, now: c.now });
  c.advance(3);
  ok(!ctl.dueNow());
  c.advance(1);
  ok(ctl.dueNow());
});

Deno.test("OpControl: yieldNow() starts a new slice and counts the yield", async () => {
  const c = clock();
  const ctl = new OpControl({ quantumMs: 4, now: c.now });
  c.advance(5);
  ok(ctl.dueNow());
  await ctl.yieldNow();
  assertEquals(ctl.yields, 1);
  ok(!ctl.dueNow());
});

Deno.test("OpControl: a yield lets a timer that was already due run", async () => {
  const ctl = new OpControl();
  let ran = false;
  setTimeout(() => (ran = true), 0);
  await new Promise((r) => setTimeout(r, 2)); // make sure it is due
  ran = false;
  setTimeout(() => (ran = true), 0);
  await ctl.yieldNow();
  await ctl.yieldNow();
  ok(ran);
});

Deno.test("OpControl: past the deadline, due() is true and yieldNow()/check() throw MaxTimeMSExpired (50)", async () => {
  const c = clock();
  const ctl = OpControl.fromBody({ find: "c", maxTimeMS: 50 }, c.now);
  assertEquals(ctl.deadline, 1_050);
  ctl.check();
  c.advance(50);
  ok(ctl.dueNow());
  throws(() => ctl.check(), isCode(50));
  await rejects(() => ctl.yieldNow(), isCode(50));
  const err = (() => {
    try {
      ctl.check();
    } catch (e) {
      return e as CommandError;
    }
  })();
  assertEquals(err?.codeName, "MaxTimeMSExpired");
  assertEquals(err?.message, "operation exceeded time limit");
});

Deno.test("OpControl: kill() makes the next yield throw Interrupted (11601)", async () => {
  const ctl = new OpControl({ checkEvery: 1 });
  ok(!ctl.killed);
  ctl.kill();
  ok(ctl.killed);
  ok(ctl.due());
  await rejects(() => ctl.yieldNow(), isCode(11601));
});

Deno.test("OpControl: no maxTimeMS (absent, 0) means no deadline; remainingMs carries a cursor's leftover", () => {
  const c = clock();
  assertEquals(OpControl.fromBody({ find: "c" }, c.now).deadline, undefined);
  assertEquals(OpControl.fromBody({ find: "c", maxTimeMS: 0 }, c.now).deadline, undefined);
  assertEquals(OpControl.fromBody({ find: "c" }, c.now).remainingMs(), undefined);
  const ctl = OpControl.fromBody({ find: "c", maxTimeMS: 100 }, c.now);
  c.advance(30);
  assertEquals(ctl.remainingMs(), 70);
  const next = OpControl.withTimeLeft(ctl.remainingMs(), c.now);
  assertEquals(next.deadline, c.now() + 70);
  assertEquals(OpControl.withTimeLeft(undefined, c.now).deadline, undefined);
});

Deno.test("maxTimeMSOf: numbers, longs and junk", () => {
  assertEquals(maxTimeMSOf(50), 50);
  assertEquals(maxTimeMSOf(50.7), 50);
  assertEquals(maxTimeMSOf(10n), 10);
  assertEquals(maxTimeMSOf({ toNumber: () => 20 }), 20);
  assertEquals(maxTimeMSOf(undefined), 0);
  assertEquals(maxTimeMSOf(-1), 0);
  assertEquals(maxTimeMSOf("5"), 0);
});

Deno.test("OpControl: under memory pressure a running operation stops at its next check with 146", () => {
  const ctl = new OpControl();
  let msg: string | undefined = "server is under memory pressure";
  const uninstall = setMemoryPressureCheck(() => msg);
  try {
    throws(() => ctl.check(), isCode(146));
    msg = undefined;
    ctl.check();
  } finally {
    uninstall();
  }
  ctl.check();
});

Deno.test("OpControl: while other requests arrive the slice is 1 ms; alone again after 20 ms, 4 ms", async () => {
  const c = clock(5_000_000);
  noteRequestStarted(c.now()); // this operation's own request does not make it contended
  const ctl = new OpControl({ quantumMs: 4, now: c.now });
  c.advance(2);
  ok(!ctl.dueNow(), "alone: 2 ms into a 4 ms slice");
  noteRequestStarted(c.now()); // another client's request
  ok(ctl.dueNow(), "contended: 2 ms is past the 1 ms slice");
  await ctl.yieldNow();
  c.advance(0.5);
  ok(!ctl.dueNow());
  c.advance(0.6);
  ok(ctl.dueNow());
  c.advance(25); // nobody since: the full slice again
  await ctl.yieldNow();
  c.advance(2);
  ok(!ctl.dueNow());
  c.advance(2);
  ok(ctl.dueNow());
});

Deno.test("OpControl: uncontended yields use the installed quiet yield, every 8th a timer turn; contended ones the timer", async () => {
  let quiet = 0;
  const uninstall = setQuietYield(() => {
    quiet++;
    return Promise.resolve();
  });
  try {
    const c = clock(Date.now());
    const ctl = new OpControl({ now: c.now });
    for (let i = 0; i < 16; i++) await ctl.yieldNow();
    assertEquals(quiet, 14); // yields 8 and 16 were timer turns
    noteRequestStarted(c.now()); // another request: contended for 20 ms
    for (let i = 0; i < 3; i++) await ctl.yieldNow();
    assertEquals(quiet, 14);
    c.advance(25);
    await ctl.yieldNow();
    assertEquals(quiet, 15);
  } finally {
    uninstall();
  }
});

Deno.test("OpControl: two servers' quiet yields — stopping either leaves the other's installed", async () => {
  const calls: string[] = [];
  const yieldOf = (name: string) => () => {
    calls.push(name);
    return Promise.resolve();
  };
  const ctl = new OpControl();
  const first = yieldOf("a");
  const uninstallA = setQuietYield(first);
  const uninstallB = setQuietYield(yieldOf("b"));
  try {
    uninstallB();
    await ctl.yieldNow();
    assertEquals(calls, ["a"]); // A's server still runs: its yield, not the timer turn
    const uninstallA2 = setQuietYield(first); // the same function installed again (a third server)
    uninstallA();
    await ctl.yieldNow();
    assertEquals(calls, ["a", "a"]);
    uninstallA2();
    await ctl.yieldNow();
    assertEquals(calls, ["a", "a"]); // none left: a timer turn
  } finally {
    uninstallA();
    uninstallB();
  }
});

Deno.test("OpControl: sleep() ends at once on kill (11601) and at the deadline (50)", async () => {
  const killed = new OpControl();
  const t0 = Date.now();
  const p = killed.sleep(10_000);
  setTimeout(() => killed.kill(), 5);
  await rejects(p, (e: unknown) => (e as CommandError).code === 11601);
  ok(Date.now() - t0 < 5_000);
  const timed = new OpControl({ deadline: Date.now() + 10 });
  await rejects(timed.sleep(10_000), (e: unknown) => (e as CommandError).code === 50);
  await new OpControl().sleep(1); // neither: it just waits
});
