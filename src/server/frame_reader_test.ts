import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { BSON } from "bson";
import { encodeOpMsg, FrameError, MAX_MESSAGE_SIZE_BYTES, writeHeader } from "../wire/mod.ts";
import { type ByteSource, FrameReader } from "./frame_reader.ts";
import { ByteBudget } from "./byte_budget.ts";

/** A source that hands out `data` in chunks of the given sizes (cycled). */
function chunked(data: Uint8Array, sizes: number[]): ByteSource & { reads: number } {
  let off = 0;
  let i = 0;
  const src = {
    reads: 0,
    read(p: Uint8Array): Promise<number | null> {
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, sizes[i++ % sizes.length]!, data.length - off);
      p.set(data.subarray(off, off + n));
      off += n;
      src.reads++;
      return Promise.resolve(n);
    },
  };
  return src;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const msgs = Array.from(
  { length: 50 },
  (_, i) => encodeOpMsg({ requestId: i, body: BSON.serialize({ ping: 1, pad: "x".repeat(i * 37) }) }),
);

Deno.test("frame_reader: many messages per read", async () => {
  const src = chunked(concat(msgs), [1 << 20]);
  const r = new FrameReader(src, 64 * 1024); // all 50 fit: one read (the default buffer is smaller)
  for (const m of msgs) assertEquals(await r.next(), m);
  assertEquals(await r.next(), null);
  ok(src.reads <= 2);
});

Deno.test("frame_reader: messages split across reads at every awkward size", async () => {
  for (const sizes of [[1], [3], [7, 1, 13], [4095], [17, 2]]) {
    const r = new FrameReader(chunked(concat(msgs), sizes), 256); // tiny buffer forces compaction
    for (const m of msgs) assertEquals(await r.next(), m);
    assertEquals(await r.next(), null);
    assertEquals(r.pending, 0);
  }
});

Deno.test("frame_reader: large message bypasses the buffer; frames are owned copies", async () => {
  const big = encodeOpMsg({ requestId: 9, body: BSON.serialize({ s: "y".repeat(300_000) }) });
  const small = msgs[3]!;
  const r = new FrameReader(chunked(concat([small, big, small]), [5000, 1]), 1024);
  const a = await r.next();
  const b = await r.next();
  const c = await r.next();
  assertEquals([a, b, c], [small, big, small]);
  ok(a !== null && c !== null && a.buffer !== c.buffer);
});

Deno.test("frame_reader: EOF mid-message reports pending bytes", async () => {
  const r = new FrameReader(chunked(msgs[5]!.subarray(0, 30), [8]));
  assertEquals(await r.next(), null);
  assertEquals(r.pending, 30);
});

Deno.test("frame_reader: impossible lengths are FrameErrors before allocation", async () => {
  for (const len of [0, 15, -1, MAX_MESSAGE_SIZE_BYTES + 1]) {
    const h = new Uint8Array(16);
    writeHeader(h, 0, { messageLength: len, requestId: 1, responseTo: 0, opCode: 2013 });
    await rejects(new FrameReader(chunked(h, [16])).next(), FrameError);
  }
});

Deno.test("frame_reader: midMessage is true only while a started message is incomplete", async () => {
  const big = encodeOpMsg({ requestId: 1, body: BSON.serialize({ pad: "y".repeat(10_000) }) });
  const small = encodeOpMsg({ requestId: 2, body: BSON.serialize({ ping: 1 }) });
  const data = concat([small, big]);
  let off = 0;
  const seen: boolean[] = [];
  const src: ByteSource = {
    read(p) {
      seen.push(r.midMessage);
      if (off >= data.length) return Promise.resolve(null);
      const n = Math.min(p.length, 3000, data.length - off);
      p.set(data.subarray(off, off + n));
      off += n;
      return Promise.resolve(n);
    },
  };
  const r: FrameReader = new FrameReader(src);
  ok(!r.midMessage);
  assertEquals((await r.next())!.length, small.length);
  ok(r.midMessage); // the first read also brought the start of `big`
  assertEquals((await r.next())!.length, big.length);
  ok(!r.midMessage);
  assertEquals(seen[0], false); // waiting for a new message
  ok(seen.slice(1).every((m) => m)); // every later read continued a started message
});

Deno.test("frame_reader: large messages share a budget; the second waits until the first is released", async () => {
  const big = encodeOpMsg({ requestId: 1, body: BSON.serialize({ pad: "b".repeat(20_000) }) });
  const budget = new ByteBudget(big.length + 100);
  const a = new FrameReader(chunked(big, [1 << 20]), 1024, budget);
  const b = new FrameReader(chunked(big, [1 << 20]), 1024, budget);
  assertEquals((await a.next())!.length, big.length);
  assertEquals(budget.used, big.length);
  let bDone = false;
  const bNext = b.next().then((f) => {
    bDone = true;
    return f;
  });
  await new Promise((r) => setTimeout(r, 10));
  ok(!bDone && b.waitingForBudget && b.midMessage);
  a.release();
  assertEquals((await bNext)!.length, big.length);
  ok(!b.waitingForBudget);
  b.release();
  b.release(); // idempotent
  assertEquals(budget.used, 0);
});

Deno.test("frame_reader: a trickling message holding the budget while others wait is hoggingBudget", async () => {
  const big = encodeOpMsg({ requestId: 1, body: BSON.serialize({ pad: "b".repeat(20_000) }) });
  const budget = new ByteBudget(big.length + 100);
  // a: sends the header and 100 bytes, then nothing (its read never resolves)
  let sent = false;
  const trickle: ByteSource = {
    read(p: Uint8Array) {
      if (sent) return new Promise<null>(() => {});
      sent = true;
      p.set(big.subarray(0, 100));
      return Promise.resolve(100);
    },
  };
  const a = new FrameReader(trickle, 1024, budget);
  void a.next();
  await new Promise((r) => setTimeout(r, 5));
  ok(a.midMessage && !a.waitingForBudget);
  const later = performance.now() + 10_000;
  ok(!a.hoggingBudget(later)); // nobody waits: a slow sender harms no one
  const b = new FrameReader(chunked(big, [1 << 20]), 1024, budget);
  const bNext = b.next();
  await new Promise((r) => setTimeout(r, 5));
  ok(b.waitingForBudget);
  ok(!a.hoggingBudget(performance.now())); // within the grace period
  ok(a.hoggingBudget(later)); // 100 bytes in 10 s while b waits
  a.release();
  assertEquals((await bNext)!.length, big.length);
  b.release();
});

Deno.test("frame_reader: a peer that closed while its large message waited for the budget ends the read (null) and frees nothing it does not hold", async () => {
  const big = encodeOpMsg({ requestId: 1, body: BSON.serialize({ pad: "b".repeat(20_000) }) });
  const budget = new ByteBudget(big.length + 100);
  const a = new FrameReader(chunked(big, [1 << 20]), 1024, budget);
  assertEquals((await a.next())!.length, big.length); // a holds the budget
  // b's peer sent a header announcing a large message and 50 bytes, then closed
  const b = new FrameReader(chunked(big.subarray(0, 50), [1 << 20]), 1024, budget);
  const bNext = b.next();
  await new Promise((r) => setTimeout(r, 5));
  ok(b.waitingForBudget);
  a.release();
  assertEquals(await bNext, null); // granted, then EOF: the connection ends
  ok(!b.waitingForBudget && !b.midMessage);
  assertEquals(b.pending, 50);
  assertEquals(budget.used, 0); // EOF returned b's reservation
  b.release();
  assertEquals(budget.used, 0);
});

Deno.test("frame_reader: EOF at every point of a multi-message stream ends the reader with null, never a hang", async () => {
  const stream = concat([msgs[3]!, msgs[40]!, msgs[1]!]);
  const budget = new ByteBudget(1 << 20);
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new FrameReader(chunked(stream.subarray(0, cut), [7, 300, 1]), 1024, budget);
    let frames = 0;
    for (;;) {
      const f = await r.next();
      if (f === null) break;
      frames++;
      r.release();
    }
    ok(frames <= 3);
    assertEquals(await r.next(), null); // and stays ended
    assertEquals(budget.used, 0);
  }
});

Deno.test("frame_reader: peerGone reads ahead while a request runs; a pipelined request is kept, the end of stream shows", async () => {
  const two = concat([msgs[0]!, msgs[1]!]);
  // first read: the first message only; then the second; then end of stream
  const src = chunked(two, [msgs[0]!.length, msgs[1]!.length]);
  const r = new FrameReader(src);
  assertEquals(await r.next(), msgs[0]);
  assertEquals(r.peerGone(), false, "the first call starts the read");
  assertEquals(await r.next(), msgs[1], "the read-ahead bytes make the next message");
  assertEquals(r.peerGone(), false, "a new read starts");
  await new Promise((res) => setTimeout(res, 0));
  assertEquals(r.peerGone(), true, "end of stream");
  assertEquals(await r.next(), null);
});

Deno.test("frame_reader: a read-ahead that fails ends the stream with its error", async () => {
  const r = new FrameReader({ read: () => Promise.reject(new Error("reset")) });
  assertEquals(r.peerGone(), false);
  await new Promise((res) => setTimeout(res, 0));
  assertEquals(r.peerGone(), true);
  await rejects(r.next(), /reset/);
});
