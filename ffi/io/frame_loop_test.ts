import { assert, assertEquals } from "../wiredtiger/test_assert.ts";
import { FrameLoop, type IoEventSink, SendFlag } from "./mod.ts";

const MAX = 48_000_000;

type Ev =
  | { t: "accept"; id: number; remote: string; local: string }
  | { t: "frame"; id: number; frame: Uint8Array }
  | { t: "closed"; id: number; reason: string }
  | { t: "bad"; id: number; length: number }
  | { t: "drained"; id: number };

/** A loop plus a pump that collects its events; `next()` waits (bounded) for the next one. */
async function harness(budget = 64 * 1024 * 1024) {
  const loop = await FrameLoop.open("127.0.0.1", 0, MAX, budget);
  const events: Ev[] = [];
  let notify: (() => void) | undefined;
  const sink: IoEventSink = {
    accept: (id, remote, local) => events.push({ t: "accept", id, remote, local }),
    frame: (id, frame) => events.push({ t: "frame", id, frame }),
    closed: (id, reason) => events.push({ t: "closed", id, reason }),
    badLength: (id, length) => events.push({ t: "bad", id, length }),
    drained: (id) => events.push({ t: "drained", id }),
  };
  const pump = (async () => {
    while (await loop.wait()) {
      loop.take(sink);
      notify?.();
    }
  })();
  async function next(): Promise<Ev> {
    const deadline = Date.now() + 5000;
    while (events.length === 0) {
      if (Date.now() > deadline) throw new Error("no event within 5 s");
      await new Promise<void>((r) => {
        notify = r;
        setTimeout(r, 50);
      });
    }
    return events.shift()!;
  }
  async function stop() {
    loop.stop();
    await pump;
  }
  return { loop, next, stop, events };
}

function frame(len: number, fill = 7): Uint8Array {
  const b = new Uint8Array(len).fill(fill);
  new DataView(b.buffer).setInt32(0, len, true);
  return b;
}

async function readN(c: Deno.Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let have = 0;
  while (have < n) {
    const r = await c.read(out.subarray(have));
    if (r === null) throw new Error(`EOF after ${have} of ${n}`);
    have += r;
  }
  return out;
}

async function readEof(c: Deno.Conn): Promise<boolean> {
  const b = new Uint8Array(64);
  try {
    return (await c.read(b)) === null;
  } catch {
    return true; // reset counts as closed
  }
}

Deno.test("frame loop: accept, a frame split byte by byte, the reply, peer close", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  assert(acc.t === "accept");
  assert(acc.remote.startsWith("127.0.0.1:"));
  assertEquals(acc.local, `127.0.0.1:${h.loop.port}`);
  const f = frame(40, 3);
  for (const byte of f) {
    await c.write(new Uint8Array([byte]));
    await new Promise((r) => setTimeout(r, 1));
  }
  const got = await h.next();
  assert(got.t === "frame");
  assertEquals(got.frame, f);
  h.loop.send(acc.id, frame(20, 9), SendFlag.DONE);
  assertEquals(await readN(c, 20), frame(20, 9));
  c.close();
  const cl = await h.next();
  assert(cl.t === "closed" && cl.id === acc.id);
  await h.stop();
});

Deno.test("frame loop: pipelined frames are delivered one at a time (after DONE)", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  const both = new Uint8Array(16 + 30);
  both.set(frame(16, 1));
  both.set(frame(30, 2), 16);
  await c.write(both);
  const a = await h.next();
  assert(a.t === "frame" && a.frame.length === 16);
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(h.events.length, 0, "the second waits for DONE");
  assert((h.loop.state(acc.id) & 1) === 1, "a started message is held");
  h.loop.send(acc.id, null, SendFlag.DONE);
  const b = await h.next();
  assert(b.t === "frame" && b.frame.length === 30 && b.frame[29] === 2);
  c.close();
  await h.stop();
});

Deno.test("frame loop: a large message arrives whole and owned; a large reply is sent whole", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  const big = frame(3_000_000, 5);
  big[2_999_999] = 42;
  const w = c.write(big).then(async (n) => {
    let off = n;
    while (off < big.length) off += await c.write(big.subarray(off));
  });
  const got = await h.next();
  await w;
  assert(got.t === "frame");
  assertEquals(got.frame.length, 3_000_000);
  assertEquals(got.frame[2_999_999], 42);
  const reply = frame(20_000_000, 6); // larger than the socket buffers: partial writes, EPOLLOUT
  h.loop.send(acc.id, reply, SendFlag.DONE);
  const back = await readN(c, reply.length);
  assertEquals(back[19_999_999], 6);
  c.close();
  await h.stop();
});

Deno.test("frame loop: a garbage length closes only that connection", async () => {
  const h = await harness();
  const good = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const g = await h.next();
  const bad = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const b = await h.next();
  await bad.write(new Uint8Array([5, 0, 0, 0]));
  const e = await h.next();
  assert(e.t === "bad" && e.id === b.id && e.length === 5);
  h.loop.send(b.id, null, SendFlag.CLOSE); // the server closes it after logging
  assert(await readEof(bad));
  const huge = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const hu = await h.next();
  const hdr = new Uint8Array(4);
  new DataView(hdr.buffer).setInt32(0, MAX + 1, true);
  await huge.write(hdr);
  const e2 = await h.next();
  assert(e2.t === "bad" && e2.id === hu.id && e2.length === MAX + 1);
  await good.write(frame(16));
  const f = await h.next();
  assert(f.t === "frame" && f.id === g.id);
  for (const c of [good, bad, huge]) c.close();
  await h.stop();
});

Deno.test("frame loop: peer closes mid-message; JS closes; sends to a gone id are dropped", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const a = await h.next();
  await c.write(frame(100).subarray(0, 50));
  await new Promise((r) => setTimeout(r, 20));
  c.close();
  const cl = await h.next();
  assert(cl.t === "closed" && cl.id === a.id);
  assertEquals(cl.reason, "peer closed mid-message");
  assertEquals(h.loop.state(a.id), -1);
  h.loop.send(a.id, frame(16), SendFlag.DONE); // gone: dropped, nothing happens
  const d = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const b = await h.next();
  assert(b.t === "accept" && b.id !== a.id, "a reused slot gets a new id");
  h.loop.send(b.id, frame(16), SendFlag.CLOSE);
  assertEquals((await readN(d, 16)).length, 16);
  assert(await readEof(d));
  d.close();
  await h.stop();
});

Deno.test("frame loop: large messages past the byte budget wait for a reservation", async () => {
  const h = await harness(1_000_000);
  const c1 = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const a1 = await h.next();
  const c2 = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const a2 = await h.next();
  await c1.write(frame(600_000, 1));
  const f1 = await h.next();
  assert(f1.t === "frame" && f1.id === a1.id);
  const w = (async () => {
    const f = frame(600_000, 2);
    let off = 0;
    while (off < f.length) off += await c2.write(f.subarray(off));
  })();
  await new Promise((r) => setTimeout(r, 100));
  assertEquals(h.events.length, 0);
  assertEquals(h.loop.state(a2.id) & 2, 2, "waiting for the budget");
  h.loop.send(a1.id, null, SendFlag.DONE); // returns the first reservation
  const f2 = await h.next();
  await w;
  assert(f2.t === "frame" && f2.id === a2.id && f2.frame.length === 600_000);
  c1.close();
  c2.close();
  await h.stop();
});

Deno.test("frame loop: stop closes open connections and releases the waiter", async () => {
  const h = await harness();
  const conns = [];
  for (let i = 0; i < 20; i++) {
    conns.push(await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port }));
    await h.next();
  }
  h.loop.stopListening();
  await h.stop();
  for (const c of conns) {
    assert(await readEof(c));
    c.close();
  }
  h.loop.send(1, frame(16)); // after stop: a no-op
  assertEquals(h.loop.state(1), -1);
});

Deno.test("frame loop: a taken port is refused like Deno.listen", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    let err: unknown;
    try {
      await FrameLoop.open("127.0.0.1", (l.addr as Deno.NetAddr).port, MAX, 1 << 20);
    } catch (e) {
      err = e;
    }
    assert(err instanceof Deno.errors.AddrInUse);
  } finally {
    l.close();
  }
});

Deno.test("frame loop: DIRECT replies go out in order and let the next request in", async () => {
  const h = await harness(250_000); // one 200 KB request at a time
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  // round trips answered on this thread (many: the next request races the reply's DONE)
  for (let i = 0; i < 2000; i++) {
    await c.write(frame(24, i & 255));
    const f = await h.next();
    assert(f.t === "frame" && f.frame[23] === (i & 255));
    h.loop.send(acc.id, frame(32, i & 255), SendFlag.DONE | SendFlag.DIRECT);
    assertEquals(await readN(c, 32), frame(32, i & 255));
  }
  // pipelined: the second message is already buffered when the first is done (the I/O thread is kicked)
  const both = new Uint8Array(16 + 30);
  both.set(frame(16, 1));
  both.set(frame(30, 2), 16);
  await c.write(both);
  const a = await h.next();
  assert(a.t === "frame" && a.frame.length === 16);
  await new Promise((r) => setTimeout(r, 20));
  h.loop.send(acc.id, null, SendFlag.DONE | SendFlag.DIRECT);
  const b = await h.next();
  assert(b.t === "frame" && b.frame.length === 30);
  // a reply larger than the socket buffers (the rest queued for EPOLLOUT), then a queued reply, then
  // a direct one: the client reads them whole and in order
  const big = frame(20_000_000, 6);
  h.loop.send(acc.id, big, SendFlag.DIRECT);
  h.loop.send(acc.id, frame(40, 7), 0);
  h.loop.send(acc.id, frame(50, 8), SendFlag.DONE | SendFlag.DIRECT);
  const back = await readN(c, big.length + 90);
  assertEquals(back[19_999_999], 6);
  assertEquals(back.subarray(20_000_000, 20_000_040), frame(40, 7));
  assertEquals(back.subarray(20_000_040), frame(50, 8));
  // a large request holds a budget reservation: its DIRECT DONE still returns it (the next one fits)
  const h2 = 200_000;
  for (let i = 0; i < 3; i++) {
    const req = frame(h2, 9);
    const w = c.write(req).then(async (n) => {
      let off = n;
      while (off < req.length) off += await c.write(req.subarray(off));
    });
    const f = await h.next();
    await w;
    assert(f.t === "frame" && f.frame.length === h2);
    h.loop.send(acc.id, frame(20, i), SendFlag.DONE | SendFlag.DIRECT);
    assertEquals(await readN(c, 20), frame(20, i));
  }
  c.close();
  const cl = await h.next();
  assert(cl.t === "closed" && cl.id === acc.id);
  await h.stop();
});

Deno.test("frame loop: a lone reply takes the next request on this thread, or gives the connection back", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  const lone = SendFlag.DONE | SendFlag.DIRECT;
  // the next request is already in the socket: taken by the reply call itself, in order
  const three = new Uint8Array(16 + 30 + 20);
  three.set(frame(16, 1));
  three.set(frame(30, 2), 16);
  three.set(frame(20, 3), 46);
  await c.write(three);
  const a = await h.next();
  assert(a.t === "frame" && a.frame.length === 16);
  const b = h.loop.reply(acc.id, frame(24, 1), lone, 100_000);
  assert(b instanceof Uint8Array);
  assertEquals(b, frame(30, 2));
  const c3 = h.loop.reply(acc.id, frame(24, 2), lone, 100_000); // from the bytes already read
  assertEquals(c3, frame(20, 3));
  assertEquals(await readN(c, 48), new Uint8Array([...frame(24, 1), ...frame(24, 2)]));
  // nothing comes within the wait: -1, and the I/O thread reads the connection again
  const t0 = performance.now();
  assertEquals(h.loop.reply(acc.id, frame(24, 3), lone, 3_000), -1);
  assert(performance.now() - t0 >= 2);
  assertEquals(await readN(c, 24), frame(24, 3));
  await c.write(frame(40, 4));
  const d = await h.next();
  assert(d.t === "frame" && d.frame.length === 40);
  // a request taken alone, then a queued DONE (others were busy): the I/O thread reads on
  await c.write(frame(18, 5));
  const e = h.loop.reply(acc.id, null, lone, 100_000);
  assertEquals(e, frame(18, 5));
  h.loop.send(acc.id, frame(20, 5), SendFlag.DONE);
  assertEquals(await readN(c, 20), frame(20, 5));
  await c.write(frame(19, 6));
  const f = await h.next();
  assert(f.t === "frame" && f.frame.length === 19);
  // a large request next: left to the I/O thread (0), which delivers it whole
  const big = frame(100_000, 8);
  const w = c.write(big).then(async (n) => {
    let off = n;
    while (off < big.length) off += await c.write(big.subarray(off));
  });
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(h.loop.reply(acc.id, null, lone, 100_000), 0);
  const g = await h.next();
  await w;
  assert(g.t === "frame" && g.frame.length === 100_000 && g.frame[99_999] === 8);
  // another connection arriving ends the wait at once (an event for JS)
  const port = h.loop.port;
  const other = new Deno.Command("bash", {
    args: ["-c", `sleep 0.2; exec 3<>/dev/tcp/127.0.0.1/${port}; sleep 1`],
  }).spawn();
  const t1 = performance.now();
  assertEquals(h.loop.reply(acc.id, null, lone, 5_000_000), 0);
  assert(performance.now() - t1 < 4_000);
  const acc2 = await h.next();
  assert(acc2.t === "accept");
  // the peer leaves while its connection is read alone: the I/O thread closes it
  await c.write(frame(16, 9));
  const i = await h.next();
  assert(i.t === "frame");
  c.close();
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(h.loop.reply(acc.id, frame(20, 9), lone, 100_000), 0);
  const cl = await h.next();
  assert(cl.t === "closed" && cl.id === acc.id, JSON.stringify(cl));
  await other.status;
  await h.stop();
});

Deno.test("frame loop: NOTIFY brings DRAINED once a reply the client did not read has gone out", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  assert(acc.t === "accept");
  await c.write(frame(32));
  const f = await h.next();
  assert(f.t === "frame");
  const big = frame(8 * 1024 * 1024, 9);
  h.loop.send(acc.id, big, SendFlag.DONE);
  await new Promise((r) => setTimeout(r, 100));
  const sent = h.loop.sent(acc.id)!;
  assert(sent < big.length, `the kernel took all ${sent} bytes of a reply nobody read`);
  h.loop.send(acc.id, null, SendFlag.NOTIFY);
  await new Promise((r) => setTimeout(r, 100));
  assertEquals(h.events.length, 0); // not drained while the client does not read
  const got = await readN(c, big.length);
  assertEquals(got[got.length - 1], 9);
  assertEquals(await h.next(), { t: "drained", id: acc.id });
  assertEquals(h.loop.sent(acc.id), big.length);
  h.loop.send(acc.id, null, SendFlag.NOTIFY); // nothing queued: at once
  assertEquals(await h.next(), { t: "drained", id: acc.id });
  c.close();
  assertEquals((await h.next()).t, "closed");
  await h.stop();
});

Deno.test("frame loop: a client that half-closes after a whole request still gets its large reply", async () => {
  const h = await harness();
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  const acc = await h.next();
  assert(acc.t === "accept");
  await c.write(frame(32));
  await c.closeWrite();
  const f = await h.next();
  assert(f.t === "frame");
  await new Promise((r) => setTimeout(r, 50)); // the FIN is there before the reply
  const big = frame(8 * 1024 * 1024, 5);
  h.loop.send(acc.id, big, SendFlag.DONE);
  const got = await readN(c, big.length);
  assertEquals(got[got.length - 1], 5);
  assert(await readEof(c));
  assertEquals(await h.next(), { t: "closed", id: acc.id, reason: "peer closed" });
  c.close();
  await h.stop();
});

Deno.test("frame loop: part of a frame and the FIN in one go: closed at once, not at the next edge", async () => {
  const h = await harness();
  // the bytes and the FIN often arrive before the I/O thread's first read: one edge for both
  const conns = await Promise.all(Array.from({ length: 40 }, async () => {
    const c = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
    await c.write(frame(100).subarray(0, 12));
    c.close();
  }));
  assertEquals(conns.length, 40);
  // pipelined: one whole frame, part of the next, the FIN; the rest is read after DONE
  const p = await Deno.connect({ hostname: "127.0.0.1", port: h.loop.port });
  await p.write(new Uint8Array([...frame(20, 1), ...frame(100, 2).subarray(0, 30)]));
  await p.closeWrite();
  const reasons = new Map<number, string>();
  let pid = -1;
  while (reasons.size < 41) {
    const e = await h.next();
    if (e.t === "closed") reasons.set(e.id, e.reason);
    if (e.t === "frame") {
      pid = e.id;
      await new Promise((r) => setTimeout(r, 50)); // the FIN is in before DONE lets the rest be read
      h.loop.send(e.id, frame(16), SendFlag.DONE);
    }
  }
  assertEquals([...reasons.values()].filter((r) => r === "peer closed mid-message").length, 41);
  assertEquals((await readN(p, 16)).length, 16); // its reply went out before the close
  assert(reasons.has(pid));
  p.close();
  await h.stop();
});
