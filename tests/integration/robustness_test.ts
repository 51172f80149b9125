/**
 * Nothing a client sends may crash or hang the server: random frames, random bytes inside valid
 * OP_MSG frames, and well-formed commands with random field values. After each barrage a fresh
 * driver connection must still get answers. Randomness is seeded, so a failure reproduces.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function opMsg(body: Uint8Array, flags = 0): Uint8Array {
  const msg = new Uint8Array(16 + 4 + 1 + body.length);
  const dv = new DataView(msg.buffer);
  dv.setInt32(0, msg.length, true);
  dv.setInt32(4, 1, true);
  dv.setInt32(12, 2013, true);
  dv.setInt32(16, flags, true);
  msg[20] = 0;
  msg.set(body, 21);
  return msg;
}

async function sendAndDrain(port: number, frames: Uint8Array[]): Promise<void> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return;
  }
  const reader = (async () => {
    const buf = new Uint8Array(65536);
    try {
      while ((await conn.read(buf)) !== null) { /* drain */ }
    } catch { /* closed */ }
  })();
  try {
    for (const f of frames) await conn.write(f);
  } catch { /* server closed the connection: allowed */ }
  await new Promise((r) => setTimeout(r, 50));
  try {
    conn.close();
  } catch { /* already closed */ }
  await reader;
}

const COMMANDS = [
  "find",
  "insert",
  "update",
  "delete",
  "aggregate",
  "count",
  "getMore",
  "killCursors",
  "create",
  "drop",
  "listCollections",
  "createIndexes",
  "findAndModify",
  "distinct",
  "hello",
  "explain",
  "bulkWrite",
];

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 10);
  switch (k) {
    case 0:
      return Math.floor(r() * 2 ** 31) - 2 ** 30;
    case 1:
      return r() * 1e6;
    case 2:
      return "$" + Math.floor(r() * 1e6).toString(36);
    case 3:
      return null;
    case 4:
      return r() < 0.5;
    case 5:
      return depth > 2 ? [] : [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    case 6:
      return depth > 2 ? {} : {
        ["$" + ["gt", "in", "set", "each", "match", "group", "bogus"][Math.floor(r() * 7)]]: randomValue(
          r,
          depth + 1,
        ),
      };
    case 7:
      return depth > 2 ? {} : { a: randomValue(r, depth + 1), "b.c": randomValue(r, depth + 1) };
    default:
      return "x".repeat(Math.floor(r() * 20));
  }
}

Deno.test({
  name: "random frames and random commands never take the server down",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const r = rng(20261125);
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 3000 });
    try {
      await client.db("fz").collection("c").insertMany([{ a: 1 }, { a: [1, 2] }, { b: { c: "x" } }]);
      // 1. garbage frames (random lengths and bytes)
      for (let i = 0; i < 30; i++) {
        const len = Math.floor(r() * 200);
        const bytes = new Uint8Array(len).map(() => Math.floor(r() * 256));
        await sendAndDrain(server.port, [bytes]);
      }
      // 2. valid OP_MSG frames with random body bytes (bad BSON) and random flags
      for (let i = 0; i < 30; i++) {
        const body = new Uint8Array(5 + Math.floor(r() * 60)).map(() => Math.floor(r() * 256));
        new DataView(body.buffer).setInt32(0, body.length, true);
        body[body.length - 1] = 0;
        await sendAndDrain(server.port, [opMsg(body, r() < 0.2 ? 1 << Math.floor(r() * 16) : 0)]);
      }
      assert.equal((await client.db("fz").command({ ping: 1 })).ok, 1);
      // 3. well-formed commands with random arguments, through one connection
      const db = client.db("fz");
      for (let i = 0; i < 400; i++) {
        const name = COMMANDS[Math.floor(r() * COMMANDS.length)]!;
        const cmd: Record<string, unknown> = { [name]: r() < 0.7 ? "c" : randomValue(r) };
        for (let j = 0; j < 3; j++) {
          const field = [
            "filter",
            "documents",
            "updates",
            "deletes",
            "pipeline",
            "query",
            "key",
            "indexes",
            "sort",
            "projection",
            "limit",
            "cursor",
            "update",
            "q",
            "u",
            "ops",
          ][Math.floor(r() * 16)]!;
          cmd[field] = randomValue(r);
        }
        await db.command(cmd).catch(() => undefined);
      }
      await new Promise((res) => setTimeout(res, 50));
      assert.equal((await client.db("fz").command({ ping: 1 })).ok, 1);
      assert.ok((await client.db("fz").collection("c").countDocuments({})) >= 0);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "raw BSON encoder sanity (the frames above are built correctly)",
  fn() {
    const f = opMsg(BSON.serialize({ ping: 1, $db: "admin" }));
    assert.equal(new DataView(f.buffer).getInt32(0, true), f.length);
  },
});
