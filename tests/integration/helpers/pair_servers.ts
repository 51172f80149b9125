/**
 * Differential tests of the I/O thread's answers (point reads, indexed finds, updates, deletes, inserts): a
 * test against two servers — one with the fast path on, one with it off (`open(false)`) — a server for
 * the write tests (`writeSide`: the I/O thread's writes on, or off with `SECANTUS_FAST_WRITES=0`), and a
 * seeded generator, so a failing request can be replayed.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../../mod.ts";
import { defaultConfig } from "../../../src/config/mod.ts";
import { rawConnection } from "./raw_wire.ts";

type Doc = Record<string, unknown>;
/** A raw wire connection: a request's reply frame (its bytes after the OP_MSG header). */
export type Conn = { ask(doc: Doc, sequence?: string): Promise<Uint8Array>; close(): void };

/** An in-memory server of a write test, with one raw connection open. */
export interface WriteSide {
  readonly port: number;
  /**
   * The reply's body (values not promoted: types compare); `sequence`: the request's array field of that
   * name sent as a document sequence (as PyMongo sends writes).
   */
  ask(doc: Doc, sequence?: string): Promise<Doc>;
  /** The reply's body document, its bytes. */
  raw(doc: Doc): Promise<Uint8Array>;
  connect(): Promise<Conn>;
  close(): Promise<void>;
}

const RAW = { promoteValues: false, promoteLongs: false, promoteBuffers: false } as const;

/**
 * A server with the I/O thread's writes on (`fastWrites`) or off (`SECANTUS_FAST_WRITES=0`), with `ioLoops`
 * frame I/O threads (`[server] io_loops`; the raw connection opened here is the first loop's).
 */
export async function writeSide(fastWrites: boolean, ioLoops = 1): Promise<WriteSide> {
  const d = defaultConfig();
  if (!fastWrites) Deno.env.set("SECANTUS_FAST_WRITES", "0");
  let server;
  try {
    server = await startServer({
      config: {
        ...d,
        server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR" as const, ioLoops },
      },
    });
  } finally {
    Deno.env.delete("SECANTUS_FAST_WRITES");
  }
  const main = await rawConnection(server.port);
  const port = server.port;
  return {
    port,
    ask: async (doc, sequence) => BSON.deserialize((await main.ask(doc, sequence)).subarray(5), RAW),
    raw: async (doc) => (await main.ask(doc)).subarray(5),
    connect: () => rawConnection(port),
    async close() {
      main.close();
      await server.stop();
    },
  };
}

/** The field a write request's statements are in (`documents`, `updates`, `deletes`), or undefined. */
function statementsField(q: Doc): string | undefined {
  return ["documents", "updates", "deletes"].find((f) => q[f] !== undefined);
}

/**
 * Sends `q` to every side — a write's statements as a document sequence when `sequence` (as PyMongo sends
 * them) — and asserts the replies equal but for their times (`label` names the request); returns them.
 */
export async function sameReplies(
  sides: readonly WriteSide[],
  q: Doc,
  label: string,
  sequence = false,
): Promise<Doc[]> {
  const field = sequence ? statementsField(q) : undefined;
  const replies = await Promise.all(sides.map((s) => s.ask(q, field)));
  const json = (d: Doc) => JSON.stringify(BSON.EJSON.serialize(d));
  for (const r of replies.slice(1)) {
    assert.deepEqual(
      timeless(replies[0]!),
      timeless(r),
      `${label}: ${json(q)}: ${json(replies[0]!)} vs ${json(r)}`,
    );
  }
  return replies;
}

/** A find's documents, each its bytes as the server sent them (a decode would reorder digit names). */
export async function found(s: WriteSide, q: Doc): Promise<Uint8Array[]> {
  const r = BSON.deserialize(await s.raw({ ...q, batchSize: 100000 }), { fieldsAsRaw: { firstBatch: true } });
  return ((r["cursor"] as Doc)["firstBatch"] as Uint8Array[]).map((b) => new Uint8Array(b));
}

/** A reply without its cluster and operation times (the two servers' clocks differ), as bytes. */
export function timeless(r: Doc): Uint8Array {
  const { $clusterTime: _c, operationTime: _o, ...rest } = r;
  return BSON.serialize(rest);
}

/** A server a pair test talks to. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * A Deno test named `name` against `open(true)` and `open(false)` (`sides`: both, in that order; `fast` the first),
 * both closed afterwards.
 */
export function pairTest<S extends Closable>(
  open: (fast: boolean) => Promise<S>,
  name: string,
  fn: (sides: S[], fast: S) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const fast = await open(true);
      const off = await open(false);
      try {
        await fn([fast, off], fast);
      } finally {
        await fast.close();
        await off.close();
      }
    },
  });
}

/** A deterministic generator of numbers in [0, 1) (xorshift32; tests repeat). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * A Deno test named `name` through the Node driver against a server with the I/O thread's writes
 * (`writeSide(true)`; `side` for raw requests beside the driver), both closed afterwards.
 */
export function driverTest(name: string, fn: (client: MongoClient, side: WriteSide) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      const side = await writeSide(true);
      const client = new MongoClient(`mongodb://127.0.0.1:${side.port}/?directConnection=true`);
      try {
        await fn(client, side);
      } finally {
        await client.close();
        await side.close();
      }
    },
  });
}
