/**
 * ShimTransport's count of requests being served, against a recording stand-in for the frame loop: a
 * parked request (an awaitable hello's wait) does not count, so another connection's last reply still
 * goes the direct way (and takes the lone connection's next request), and parking pairs up with the
 * request's end.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type FrameLoop, SendFlag } from "../../ffi/io/mod.ts";
import { ShimTransport } from "./shim_transport.ts";

interface Call {
  kind: "send" | "reply";
  id: number;
  flags: number;
}

function recordingLoop(calls: Call[]): FrameLoop {
  const loop = {
    send: (id: number, _bytes: Uint8Array | null, flags: number) =>
      void calls.push({ kind: "send", id, flags }),
    reply: (id: number, _bytes: Uint8Array | null, flags: number) => {
      calls.push({ kind: "reply", id, flags });
      return 0; // no next request came within the wait
    },
    sent: () => 0,
    state: () => 0,
    admit: () => {},
    reservation: () => undefined,
  };
  return loop as unknown as FrameLoop;
}

const frame = () => new Uint8Array(16);

/** A message delivered by the I/O thread and taken by the connection loop. */
async function take(t: ShimTransport): Promise<void> {
  t.deliver(frame());
  await t.next();
}
const reply = new Uint8Array(32);

Deno.test("shim transport: another connection's request keeps its last reply off the direct path", async () => {
  const calls: Call[] = [];
  const loop = recordingLoop(calls);
  const held = { n: 0, run: 0 };
  const a = new ShimTransport(loop, 1, "a", undefined, held);
  const b = new ShimTransport(loop, 2, "b", undefined, held);
  await take(a);
  await take(b);
  assertEquals(held.n, 2);
  b.write(reply, true);
  assertEquals(calls, [{ kind: "send", id: 2, flags: SendFlag.DONE }]);
  assertEquals(held.n, 1);
});

Deno.test("shim transport: a parked request does not count; its end does not count twice", async () => {
  const calls: Call[] = [];
  const loop = recordingLoop(calls);
  const held = { n: 0, run: 0 };
  const a = new ShimTransport(loop, 1, "a", undefined, held);
  const b = new ShimTransport(loop, 2, "b", undefined, held);
  await take(a);
  a.park(true);
  a.park(true); // idempotent
  assertEquals(held.n, 0);
  await take(b);
  b.write(reply, true); // the only request being served: direct, with the lone take
  assertEquals(calls, [{ kind: "reply", id: 2, flags: SendFlag.DONE | SendFlag.DIRECT }]);
  assertEquals(held.n, 0);
  a.park(false);
  assertEquals(held.n, 1);
  a.park(true);
  a.write(reply, true); // ends while parked (e.g. shutdown): nothing left counted
  assertEquals(held.n, 0);
  a.park(false); // after the end: no effect
  assertEquals(held.n, 0);
  a.park(true); // nothing held: no effect
  assertEquals(held.n, 0);
});

Deno.test("shim transport: a connection closing while parked leaves the count right", async () => {
  const calls: Call[] = [];
  const loop = recordingLoop(calls);
  const held = { n: 0, run: 0 };
  const a = new ShimTransport(loop, 1, "a", undefined, held);
  await take(a);
  a.park(true);
  a.ended("peer closed");
  assertEquals(held.n, 0);
  a.park(false);
  assertEquals(held.n, 0);
});
