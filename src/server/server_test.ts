/**
 * Integration tests: a real listener with a tiny fake command handler, driven by the real Node driver and
 * by raw sockets that send hand-built (and deliberately broken) frames.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import {
  compressMessage,
  decompressMessage,
  encodeOpMsg,
  encodeOpQuery,
  HEADER_SIZE,
  loadCompressionCodecs,
  MAX_BSON_OBJECT_SIZE,
  MAX_MESSAGE_SIZE_BYTES,
  MAX_WRITE_BATCH_SIZE,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
  OpMsgFlag,
  parseOpMsg,
  parseOpReply,
  readHeader,
  type WireRequest,
  writeHeader,
  writeInt32LE,
} from "../wire/mod.ts";
import { FrameReader } from "./frame_reader.ts";
import { DRAIN_WRITE_GRACE_MS } from "./connection.ts";
import { encodeCursorReply } from "../bson/raw_reply.ts";
import {
  type CommandHandler,
  type ConnectionState,
  exhaustReply,
  type LogLevel,
  startListener,
} from "./mod.ts";

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reply bodies the "batch" command built, for the test to see whether the connection freed them. */
const batchBodies: Uint8Array[] = [];

function helloReply(conn: ConnectionState): Record<string, unknown> {
  return {
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE_BYTES,
    maxWriteBatchSize: MAX_WRITE_BATCH_SIZE,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: conn.id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

const fakeHandler: CommandHandler = async (req: WireRequest, conn: ConnectionState) => {
  const name = Object.keys(req.body)[0] ?? "";
  switch (name) {
    case "hello":
    case "isMaster":
    case "ismaster":
      if (req.body.client) conn.clientMetadata = req.body.client as Record<string, unknown>;
      return helloReply(conn);
    case "ping":
      return { ok: 1 };
    case "throw":
      throw new Error("boom: secret internals");
    case "slow":
      await delay(Number(req.body.slow));
      return { ok: 1, slept: req.body.slow };
    case "raw":
      return BSON.serialize({ ok: 1, raw: true });
    case "big":
      return { ok: 1, s: "z".repeat(Number(req.body.big)) };
    case "remember":
      conn.data.set("x", req.body.remember);
      return { ok: 1 };
    case "recall":
      return { ok: 1, x: conn.data.get("x") ?? null, conn: conn.id };
    case "batch": {
      // a large cursor reply, owned (freed by the connection once written) or not
      const body = encodeCursorReply({
        id: 0n,
        ns: "d.c",
        batchKey: "firstBatch",
        docs: [BSON.serialize({ pad: "p".repeat(300_000) })],
        owned: req.body.owned === true,
      });
      batchBodies.push(body);
      return body;
    }
    case "stream": {
      const n = ((conn.data.get("n") as number | undefined) ?? 0) + 1;
      conn.data.set("n", n);
      return exhaustReply({ ok: 1, n }, n < 3);
    }
    default:
      return { ok: 1, echo: name, sequences: [...req.sequences.keys()] };
  }
};

interface Harness {
  port: number;
  logs: Array<[LogLevel, string]>;
  close(): Promise<void>;
  count(): number;
}

/** `SECANTUS_TEST_IO=shim deno test -A src/server/` runs these listener tests on the shim's frame I/O. */
const TEST_IO = Deno.env.get("SECANTUS_TEST_IO") === "shim" ? "shim" : "deno";

async function start(
  maxConnections = 100,
  shutdownTimeoutMs = 5000,
  deadlines: { idleTimeoutMs?: number; messageTimeoutMs?: number } = {},
): Promise<Harness> {
  const logs: Array<[LogLevel, string]> = [];
  const srv = await startListener({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections,
    handler: fakeHandler,
    log: (level, msg) => logs.push([level, msg]),
    shutdownTimeoutMs,
    ...deadlines,
    io: TEST_IO,
  });
  ok(srv.port > 0);
  return { port: srv.port, logs, close: () => srv.close(), count: () => srv.connectionCount() };
}

class RawClient {
  #reader: FrameReader;
  #nextId = 100;
  private constructor(readonly conn: Deno.TcpConn) {
    this.#reader = new FrameReader(conn);
  }
  static async open(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }
  async write(bytes: Uint8Array): Promise<void> {
    let o = 0;
    while (o < bytes.length) o += await this.conn.write(bytes.subarray(o));
  }
  /** Next message, or null when the server closed the connection. */
  async read(): Promise<Uint8Array | null> {
    try {
      return await this.#reader.next();
    } catch (e) {
      if (e instanceof Deno.errors.ConnectionReset) return null;
      throw e;
    }
  }
  msg(body: Record<string, unknown>, flagBits = 0): { id: number; bytes: Uint8Array } {
    const id = this.#nextId++;
    return {
      id,
      bytes: encodeOpMsg({ requestId: id, flagBits, body: BSON.serialize({ ...body, $db: "admin" }) }),
    };
  }
  /** Send an OP_MSG command and return [reply body, reply header]. */
  async command(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const m = this.msg(body);
    await this.write(m.bytes);
    const r = await this.read();
    ok(r, "connection closed unexpectedly");
    const h = readHeader(r);
    assertEquals([h.opCode, h.responseTo], [OP_MSG, m.id]);
    return parseOpMsg(r).body;
  }
  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

const driverTest = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "server: the real Node driver connects and runs ping",
  ...driverTest,
  async fn() {
    const h = await start();
    const client = new MongoClient(
      `mongodb://127.0.0.1:${h.port}/?directConnection=true&serverSelectionTimeoutMS=2000`,
    );
    try {
      await client.connect();
      const r = await client.db("admin").command({ ping: 1 });
      assertEquals(r.ok, 1);
      const e = await client.db("test").command({ whatever: 1 });
      assertEquals(e.echo, "whatever");
    } finally {
      await client.close();
      await h.close();
    }
    assertEquals(h.count(), 0);
    ok(!h.logs.some(([l]) => l === "ERROR" || l === "WARNING"), JSON.stringify(h.logs));
  },
});

Deno.test("server: legacy OP_QUERY isMaster gets an OP_REPLY", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    await c.write(encodeOpQuery("admin.$cmd", BSON.serialize({ isMaster: 1 }), { requestId: 77 }));
    const r = await c.read();
    ok(r);
    const p = parseOpReply(r);
    assertEquals([readHeader(r).opCode, p.responseTo, p.numberReturned], [OP_REPLY, 77, 1]);
    const doc = BSON.deserialize(p.documents[0]!);
    assertEquals([doc.ismaster, doc.maxWireVersion, doc.ok], [true, 21, 1]);
    // and the same connection can then speak OP_MSG
    assertEquals((await c.command({ ping: 1 })).ok, 1);
    // a legacy query on a collection is refused but the connection stays
    await c.write(encodeOpQuery("test.users", BSON.serialize({}), { requestId: 78 }));
    const refused = BSON.deserialize(parseOpReply((await c.read())!).documents[0]!);
    assertEquals([refused.ok, refused.code], [0, 5739101]);
    assertEquals((await c.command({ ping: 1 })).ok, 1);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a garbage frame closes only that connection", async () => {
  const h = await start();
  const good = await RawClient.open(h.port);
  const bad = await RawClient.open(h.port);
  try {
    assertEquals((await good.command({ ping: 1 })).ok, 1);
    const garbage = new Uint8Array(64).fill(0x41); // length 0x41414141 > 48 MB
    await bad.write(garbage);
    assertEquals(await bad.read(), null);
    // unknown opcode in a well-sized frame also closes
    const bad2 = await RawClient.open(h.port);
    const f = new Uint8Array(32);
    writeHeader(f, 0, { messageLength: 32, requestId: 1, responseTo: 0, opCode: 9999 });
    await bad2.write(f);
    assertEquals(await bad2.read(), null);
    bad2.close();
    assertEquals((await good.command({ ping: 1 })).ok, 1);
    ok(h.logs.some(([l, m]) => l === "WARNING" && m.includes("closing connection")));
  } finally {
    good.close();
    bad.close();
    await h.close();
  }
});

Deno.test("server: oversized declared length closes the connection without buffering", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const hdr = new Uint8Array(16);
    writeHeader(hdr, 0, {
      messageLength: MAX_MESSAGE_SIZE_BYTES + 1,
      requestId: 1,
      responseTo: 0,
      opCode: OP_MSG,
    });
    await c.write(hdr);
    assertEquals(await c.read(), null);
    ok(h.logs.some(([, m]) => m.includes("maxMessageSizeBytes")));
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: bad BSON in a valid frame → InvalidBSON reply, connection lives", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const body = BSON.serialize({ ping: 1, $db: "admin" });
    body[4] = 0x7e; // unknown element type
    await c.write(encodeOpMsg({ requestId: 5, body }));
    const r = await c.read();
    ok(r);
    assertEquals(readHeader(r).responseTo, 5);
    const reply = parseOpMsg(r).body;
    assertEquals([reply.ok, reply.code, reply.codeName], [0, 22, "InvalidBSON"]);
    assertEquals((await c.command({ ping: 1 })).ok, 1);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: bad checksum closes; good checksum is accepted", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const body = BSON.serialize({ ping: 1, $db: "admin" });
    await c.write(encodeOpMsg({ requestId: 1, body, checksum: true }));
    assertEquals(parseOpMsg((await c.read())!).body.ok, 1);
    const f = encodeOpMsg({ requestId: 2, body, checksum: true });
    f[f.length - 2]! ^= 0x10;
    await c.write(f);
    assertEquals(await c.read(), null);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: handler exceptions become a generic InternalError reply", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const r = await c.command({ throw: 1 });
    assertEquals(r, { ok: 0, errmsg: "internal error", code: 1, codeName: "InternalError" });
    assertEquals((await c.command({ ping: 1 })).ok, 1);
    ok(h.logs.some(([l, m]) => l === "ERROR" && m.includes("boom")));
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: moreToCome requests get no reply; pipelined requests answered in order", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const silent = c.msg({ remember: "v" }, OpMsgFlag.moreToCome);
    const a = c.msg({ recall: 1 });
    const b = c.msg({ raw: 1 });
    const all = new Uint8Array(silent.bytes.length + a.bytes.length + b.bytes.length);
    all.set(silent.bytes);
    all.set(a.bytes, silent.bytes.length);
    all.set(b.bytes, silent.bytes.length + a.bytes.length);
    await c.write(all); // three messages in one write
    const ra = (await c.read())!;
    assertEquals(readHeader(ra).responseTo, a.id);
    assertEquals(parseOpMsg(ra).body.x, "v");
    const rb = (await c.read())!;
    assertEquals(readHeader(rb).responseTo, b.id);
    assertEquals(parseOpMsg(rb).body, { ok: 1, raw: true });
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: exhaust replies stream with moreToCome and chained responseTo", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const m = c.msg({ stream: 1 }, OpMsgFlag.exhaustAllowed);
    await c.write(m.bytes);
    let responseTo = m.id;
    for (let n = 1; n <= 3; n++) {
      const r = (await c.read())!;
      const hd = readHeader(r);
      const p = parseOpMsg(r);
      assertEquals([hd.responseTo, p.body.n, p.moreToCome], [responseTo, n, n < 3]);
      responseTo = hd.requestId;
    }
    // without exhaustAllowed, the same hook yields one ordinary reply
    const r = await c.command({ stream: 1 });
    assertEquals(r.n, 4);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: OP_COMPRESSED is answered compressed; a corrupt one gets a clear error", async () => {
  await loadCompressionCodecs(); // for this test's own client side (the server loads them itself)
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const ping = encodeOpMsg({ requestId: 9, body: BSON.serialize({ ping: 1, $db: "admin" }) });
    await c.write(compressMessage(ping, 2)); // zlib
    const raw = (await c.read())!;
    assertEquals(readHeader(raw).opCode, OP_COMPRESSED);
    assertEquals(parseOpMsg(decompressMessage(raw).frame).body.ok, 1);
    const f = new Uint8Array(HEADER_SIZE + 9 + 10);
    writeHeader(f, 0, { messageLength: f.length, requestId: 3, responseTo: 0, opCode: OP_COMPRESSED });
    writeInt32LE(f, HEADER_SIZE, OP_MSG);
    writeInt32LE(f, HEADER_SIZE + 4, 40);
    f[HEADER_SIZE + 8] = 3; // zstd, garbage body
    await c.write(f);
    const reply = parseOpMsg((await c.read())!).body;
    assertEquals([reply.ok, reply.codeName], [0, "BadValue"]);
    ok(String(reply.errmsg).includes("decompress"));
    assertEquals((await c.command({ ping: 1 })).ok, 1);
    // OP_QUERY variant gets an OP_REPLY
    writeInt32LE(f, HEADER_SIZE, OP_QUERY);
    await c.write(f);
    assertEquals(readHeader((await c.read())!).opCode, OP_REPLY);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: large replies and requests cross the read/write fast paths", async () => {
  const h = await start();
  const c = await RawClient.open(h.port);
  try {
    const r = await c.command({ big: 5_000_000 });
    assertEquals((r.s as string).length, 5_000_000);
    const docs = Array.from({ length: 2000 }, (_, i) => BSON.serialize({ _id: i, pad: "p".repeat(100) }));
    const id = 999;
    await c.write(encodeOpMsg({
      requestId: id,
      body: BSON.serialize({ insert: "c", $db: "d" }),
      sequences: [{ identifier: "documents", documents: docs }],
    }));
    const rr = (await c.read())!;
    assertEquals(parseOpMsg(rr).body, { ok: 1, echo: "insert", sequences: ["documents"] });
    const tooBig = await c.command({ big: MAX_BSON_OBJECT_SIZE + 20_000 });
    assertEquals([tooBig.ok, tooBig.codeName], [0, "BSONObjectTooLarge"]);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: a large owned reply body is freed once written; one not owned is left alone", async () => {
  await loadCompressionCodecs();
  const h = await start();
  const c = await RawClient.open(h.port);
  /** True once the body has been freed (its buffer detached: length 0), waiting at most 2 s. */
  const freed = async (body: Uint8Array) => {
    for (let i = 0; i < 200 && body.length > 0; i++) await delay(10);
    return body.length === 0;
  };
  try {
    batchBodies.length = 0;
    for (const owned of [true, false]) {
      const r = await c.command({ batch: 1, owned });
      const batch = (r.cursor as { firstBatch: { pad: string }[] }).firstBatch;
      assertEquals([Number(r.ok), batch[0]!.pad.length], [1, 300_000]);
    }
    ok(await freed(batchBodies[0]!), "the owned body is freed");
    ok(batchBodies[1]!.length > 300_000, "a body not owned is never freed");
    // compressed: the frame and its compressed copy are the connection's own; the owned body is freed too
    const m = encodeOpMsg({ requestId: 7, body: BSON.serialize({ batch: 1, owned: true, $db: "admin" }) });
    await c.write(compressMessage(m, 2));
    const raw = (await c.read())!;
    assertEquals(readHeader(raw).opCode, OP_COMPRESSED);
    const body = parseOpMsg(decompressMessage(raw).frame).body;
    assertEquals((body.cursor as { firstBatch: { pad: string }[] }).firstBatch[0]!.pad.length, 300_000);
    ok(await freed(batchBodies[2]!), "the owned body of a compressed reply is freed");
    assertEquals((await c.command({ ping: 1 })).ok, 1);
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: maxConnections refuses extra connections", async () => {
  const h = await start(2);
  const a = await RawClient.open(h.port);
  const b = await RawClient.open(h.port);
  try {
    assertEquals((await a.command({ ping: 1 })).ok, 1);
    assertEquals((await b.command({ ping: 1 })).ok, 1);
    assertEquals(h.count(), 2);
    const extra = await RawClient.open(h.port);
    assertEquals(await extra.read(), null);
    extra.close();
    ok(h.logs.some(([l, m]) => l === "WARNING" && m.includes("too many open connections")));
    a.close();
    for (let i = 0; i < 100 && h.count() > 1; i++) await delay(5);
    const d = await RawClient.open(h.port);
    assertEquals((await d.command({ ping: 1 })).ok, 1);
    d.close();
  } finally {
    a.close();
    b.close();
    await h.close();
  }
});

Deno.test("server: refusals past maxConnections are logged at most once per interval", async () => {
  const h = await start(1);
  const a = await RawClient.open(h.port);
  try {
    assertEquals((await a.command({ ping: 1 })).ok, 1);
    for (let i = 0; i < 5; i++) {
      const extra = await RawClient.open(h.port);
      assertEquals(await extra.read(), null);
      extra.close();
    }
    assertEquals(h.logs.filter(([, m]) => m.includes("too many open connections")).length, 1);
  } finally {
    a.close();
    await h.close();
  }
});

Deno.test("server: an idle connection is closed after idleTimeoutMs; a busy one is not", async () => {
  const h = await start(100, 5000, { idleTimeoutMs: 200 });
  const idle = await RawClient.open(h.port);
  const busy = await RawClient.open(h.port);
  try {
    assertEquals((await idle.command({ ping: 1 })).ok, 1);
    const t0 = performance.now();
    const slow = busy.command({ slow: 400 }); // runs longer than the idle timeout
    assertEquals(await idle.read(), null);
    const waited = performance.now() - t0;
    ok(waited >= 150 && waited < 2000, `closed after ${waited} ms`);
    assertEquals((await slow).ok, 1);
    ok(h.logs.some(([, m]) => m.includes("closing connection idle for 0.2 s")));
  } finally {
    idle.close();
    busy.close();
    await h.close();
  }
});

Deno.test("server: a half-sent message is dropped after messageTimeoutMs (slowloris)", async () => {
  const h = await start(100, 5000, { idleTimeoutMs: 60_000, messageTimeoutMs: 200 });
  const c = await RawClient.open(h.port);
  try {
    const { bytes } = c.msg({ ping: 1 });
    const t0 = performance.now();
    await c.write(bytes.subarray(0, bytes.length - 3));
    assertEquals(await c.read(), null);
    const waited = performance.now() - t0;
    ok(waited >= 150 && waited < 2000, `closed after ${waited} ms`);
    ok(h.logs.some(([, m]) => m.includes("did not arrive whole within 0.2 s")));
  } finally {
    c.close();
    await h.close();
  }
});

Deno.test("server: connection ids increase and state is per connection", async () => {
  const h = await start();
  const a = await RawClient.open(h.port);
  const b = await RawClient.open(h.port);
  try {
    await a.command({ remember: "A" });
    const ra = await a.command({ recall: 1 });
    const rb = await b.command({ recall: 1 });
    assertEquals([ra.x, rb.x], ["A", null]);
    ok((rb.conn as number) > (ra.conn as number));
  } finally {
    a.close();
    b.close();
    await h.close();
  }
});

Deno.test("server: close() waits for the in-flight command, then closes every socket", async () => {
  const h = await start();
  const busy = await RawClient.open(h.port);
  const idle = await RawClient.open(h.port);
  assertEquals((await idle.command({ ping: 1 })).ok, 1);
  const m = busy.msg({ slow: 150 });
  await busy.write(m.bytes);
  await delay(30);
  const t0 = performance.now();
  const closing = h.close();
  const reply = await busy.read();
  ok(reply, "in-flight command must be answered");
  assertEquals(parseOpMsg(reply).body.slept, 150);
  assertEquals(await busy.read(), null);
  assertEquals(await idle.read(), null);
  await closing;
  ok(performance.now() - t0 < 2000);
  assertEquals(h.count(), 0);
  // no longer accepting
  let refused = false;
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: h.port })).close();
  } catch {
    refused = true;
  }
  ok(refused);
  busy.close();
  idle.close();
});

Deno.test("server: close() cuts a reply the client does not read after the drain grace, not the timeout", async () => {
  const h = await start(10, 20_000);
  const c = await RawClient.open(h.port);
  // 12 MB replies the client does not read: the first fills the socket buffers, the second waits
  await c.write(new Uint8Array([...c.msg({ big: 12_000_000 }).bytes, ...c.msg({ big: 12_000_000 }).bytes]));
  await delay(300);
  const t0 = performance.now();
  await h.close();
  const ms = performance.now() - t0;
  ok(ms >= DRAIN_WRITE_GRACE_MS * 0.9 && ms < DRAIN_WRITE_GRACE_MS + 2000, `closed after ${ms} ms`);
  ok(h.logs.some(([l, m]) => l === "INFO" && m.includes("has not taken its reply")));
  ok(!h.logs.some(([, m]) => m.includes("force-closing")));
  c.close();
});

Deno.test("server: close() force-closes a command that outlives the timeout", async () => {
  const h = await start(10, 100);
  const c = await RawClient.open(h.port);
  await c.write(c.msg({ slow: 600 }).bytes);
  await delay(20);
  const t0 = performance.now();
  await h.close();
  ok(performance.now() - t0 < 500);
  assertEquals(await c.read(), null);
  ok(h.logs.some(([l, m]) => l === "WARNING" && m.includes("force-closing")));
  c.close();
  await delay(650); // let the abandoned handler finish so no timers leak
});

Deno.test("server: maxConnectionsPerAddress refuses a client address past its limit, others still connect", async () => {
  // The listen seam stamps each accepted socket with the next address from `from` (all really loopback).
  const from: string[] = [];
  const logs: Array<[LogLevel, string]> = [];
  const srv = await startListener({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 100,
    maxConnectionsPerAddress: 2,
    handler: fakeHandler,
    log: (level, msg) => logs.push([level, msg]),
    listen: (a) => {
      const real = Deno.listen({ hostname: a.hostname, port: a.port, transport: "tcp" });
      return {
        addr: real.addr,
        close: () => real.close(),
        async accept() {
          const c = await real.accept();
          const hostname = from.shift() ?? "127.0.0.1";
          return new Proxy(c, {
            get(t, k) {
              if (k === "remoteAddr") return { transport: "tcp", hostname, port: 1 };
              const v = Reflect.get(t, k, t);
              return typeof v === "function" ? v.bind(t) : v;
            },
          });
        },
      } as unknown as Deno.Listener;
    },
  });
  const open = async (host: string) => {
    from.push(host);
    return await RawClient.open(srv.port);
  };
  const a1 = await open("10.0.0.1");
  const a2 = await open("10.0.0.1");
  const b1 = await open("10.0.0.2");
  try {
    assertEquals((await a1.command({ ping: 1 })).ok, 1);
    assertEquals((await a2.command({ ping: 1 })).ok, 1);
    assertEquals((await b1.command({ ping: 1 })).ok, 1);
    for (let i = 0; i < 3; i++) {
      const extra = await open("10.0.0.1");
      assertEquals(await extra.read(), null); // closed at once, like a max_connections refusal
      extra.close();
    }
    const refusals = logs.filter(([l, m]) => l === "WARNING" && m.includes("too many open connections from"));
    assertEquals(refusals.length, 1); // rate-limited
    ok(refusals[0]![1].includes("10.0.0.1: 2 (max_connections_per_address 2)"));
    const b2 = await open("10.0.0.2"); // another address is not affected
    assertEquals((await b2.command({ ping: 1 })).ok, 1);
    b2.close();
    a1.close(); // a slot of 10.0.0.1 frees when one of its connections ends
    for (let i = 0; i < 200 && srv.connectionCount() > 2; i++) await delay(5);
    const a3 = await open("10.0.0.1");
    assertEquals((await a3.command({ ping: 1 })).ok, 1);
    a3.close();
  } finally {
    a1.close();
    a2.close();
    b1.close();
    await srv.close();
  }
});
