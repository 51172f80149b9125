/**
 * Finds over a single-field index answered by the frame I/O thread (ffi/wiredtiger/shim/io_fast_index.c,
 * src/commands/indexed_find_shape.ts): the same requests sent to two standalone servers holding the
 * same documents — one with the I/O thread's reads, one with `SECANTUS_FAST_READS=0` (every request
 * through the command layer) — get the same reply bytes (a cursor left open differs only in its id),
 * while documents of every kind, an array that makes the index multikey, a second index on the field and
 * a drop change what may be answered there. serverStatus `secantus.ioThread.finds` shows the thread
 * answered most of them. And while another connection updates the indexed field, every answer holds
 * only matching documents, once each, in order (the index entries and records read in one snapshot).
 */
import assert from "node:assert/strict";
import { BSON, Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { rawConnection } from "./helpers/raw_wire.ts";
import { pairTest, rng } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

interface Side {
  ask(doc: Doc): Promise<Uint8Array>;
  /** Another connection to the same server. */
  connect(): Promise<{ ask(doc: Doc): Promise<Uint8Array>; close(): void }>;
  close(): Promise<void>;
}

async function side(fastReads: boolean): Promise<Side> {
  const d = defaultConfig();
  if (!fastReads) Deno.env.set("SECANTUS_FAST_READS", "0");
  let server;
  try {
    server = await startServer({
      config: {
        ...d,
        server: {
          ...d.server,
          port: 0,
          storagePath: ":memory:",
          logLevel: "ERROR" as const,
          standalone: true,
        },
      },
    });
  } finally {
    Deno.env.delete("SECANTUS_FAST_READS");
  }
  const main = await rawConnection(server.port);
  const port = server.port;
  return {
    ask: main.ask,
    connect: () => rawConnection(port),
    async close() {
      main.close();
      await server.stop();
    },
  };
}

/** Both replies, equal: as bytes, or (a cursor left open on both) but for the cursor's id. */
function assertSame(fast: Uint8Array, js: Uint8Array, what: string): void {
  if (fast.length === js.length && fast.every((b, i) => b === js[i])) return;
  const a = BSON.deserialize(fast.subarray(5), { promoteValues: false, promoteLongs: false });
  const b = BSON.deserialize(js.subarray(5), { promoteValues: false, promoteLongs: false });
  for (const r of [a, b]) {
    const c = r["cursor"] as Doc | undefined;
    if (c && !(c["id"] as Long).isZero()) c["id"] = new Long(1); // (ids of open cursors differ)
  }
  const sum = (r: Doc) => {
    const c = r["cursor"] as { firstBatch: Doc[]; id: Long } | undefined;
    return c
      ? `${c.firstBatch.length} docs, first ${JSON.stringify(c.firstBatch[0]?._id)}, id ${c.id}`
      : JSON.stringify(r);
  };
  assert.deepEqual(
    BSON.serialize(a),
    BSON.serialize(b),
    `${what}: ${sum(a)} vs ${sum(b)}`,
  );
}

async function ioFinds(s: Side): Promise<number> {
  const r = BSON.deserialize((await s.ask({ serverStatus: 1, $db: "admin" })).subarray(5));
  return Number((r["secantus"] as Doc & { ioThread: { finds: number } }).ioThread.finds);
}

const OIDS = Array.from({ length: 4 }, (_, i) => new ObjectId(`65a1b2c3d4e5f60718293a4${i}`));
const STRINGS = ["", "a", "b", "ab", "a\u0000", "héllo", "日本", "x".repeat(40), "cat-1", "cat-10"];

/** A value for the indexed fields: mostly scalars of the kinds the thread takes, some others. */
function value(r: () => number): unknown {
  const k = Math.floor(r() * 12);
  const n = Math.floor(r() * 40) - 10;
  switch (k) {
    case 0:
    case 1:
      return n;
    case 2:
      return new Long(n);
    case 3:
      return new Double(n);
    case 4:
      return n + 0.5;
    case 5:
    case 6:
      return STRINGS[Math.floor(r() * STRINGS.length)];
    case 7:
      return OIDS[Math.floor(r() * OIDS.length)];
    case 8:
      return r() < 0.5 ? null : Decimal128.fromString(String(n));
    case 9:
      return r() < 0.5 ? true : new Date(1_700_000_000_000 + n);
    default:
      return n * 3;
  }
}

/** A filter value the thread may take (or one it must hand on). */
function filterValue(r: () => number, range: boolean): unknown {
  if (!range) {
    const v = value(r);
    return v instanceof Double && r() < 0.5 ? new Int32(v.value) : v;
  }
  const lo = Math.floor(r() * 50) - 15;
  const hi = lo + Math.floor(r() * 30);
  const num = (x: number) => (r() < 0.2 ? new Long(x) : r() < 0.2 ? new Double(x) : r() < 0.1 ? x + 0.25 : x);
  const q: Doc = {};
  const which = Math.floor(r() * 5);
  if (which !== 1) q[r() < 0.5 ? "$gte" : "$gt"] = num(lo);
  if (which !== 2) q[r() < 0.5 ? "$lt" : "$lte"] = num(hi);
  if (which === 3) q["$ne"] = lo; // an operator the thread does not take
  if (which === 4 && r() < 0.3) return { $gt: "a" }; // a string range
  return q;
}

/** An `$in` list: values of the indexed fields' kinds, repeats and other kinds among them. */
function inList(r: () => number, field: string): unknown[] {
  const n = r() < 0.05 ? 40 : 1 + Math.floor(r() * 6); // (past 32 values: the command layer's)
  return Array.from({ length: n }, () => field === "_id" ? Math.floor(r() * 320) - 10 : value(r));
}

function request(r: () => number, field: string): Doc {
  const kind = field === "_id" ? 2 : Math.floor(r() * 3);
  const v = kind === 2 ? { $in: inList(r, field) } : filterValue(r, kind === 1);
  const q: Doc = { find: "c", filter: { [field]: v } };
  if (r() < 0.4) q["sort"] = { [field]: r() < 0.8 ? 1 : -1 };
  if (r() < 0.5) q["limit"] = Math.floor(r() * 15);
  if (r() < 0.3) q["batchSize"] = 1 + Math.floor(r() * 12);
  if (r() < 0.2) q["singleBatch"] = r() < 0.7;
  if (r() < 0.1) q["projection"] = { a: 1 };
  q["$db"] = "x";
  return q;
}

async function both(sides: Side[], doc: Doc): Promise<Uint8Array[]> {
  return await Promise.all(sides.map((s) => s.ask(doc)));
}

pairTest(
  side,
  "finds over a single-field index: the I/O thread's replies are the command layer's",
  async (sides, fast) => {
    const r = rng(7);
    await both(sides, {
      createIndexes: "c",
      indexes: [{ key: { a: 1 }, name: "a_1" }, { key: { b: 1 }, name: "b_1", unique: true }],
      $db: "x",
    });
    const docs: Doc[] = [];
    for (let i = 0; i < 300; i++) {
      const d: Doc = { _id: i, a: value(r), pad: "p".repeat(Math.floor(r() * 300)) };
      if (r() < 0.1) delete d["a"];
      docs.push(d);
    }
    // b unique: distinct integers and strings
    docs.forEach((d, i) => (d["b"] = i % 3 === 0 ? `s${i}` : i - 100));
    await both(sides, { insert: "c", documents: docs, $db: "x" });
    let asked = 0;
    const before = await ioFinds(fast);
    const round = async (n: number, fields: string[]) => {
      for (let i = 0; i < n; i++) {
        const q = request(r, fields[i % fields.length]!);
        const [a, b] = await both(sides, q);
        assertSame(a!, b!, JSON.stringify(BSON.EJSON.serialize(q)));
        asked++;
      }
    };
    await round(900, ["a", "b", "_id"]);
    const served = (await ioFinds(fast)) - before;
    assert.ok(served > asked / 5, `only ${served} of ${asked} answered by the I/O thread`);

    // an array makes a_1 multikey: a range must now see it (elements on both sides of the range)
    await both(sides, {
      insert: "c",
      documents: [{ _id: 1000, a: [-100, 100] }, { _id: 1001, a: [3, 3] }],
      $db: "x",
    });
    const arr = await both(sides, { find: "c", filter: { a: { $gte: 0, $lt: 10 } }, $db: "x" });
    assertSame(arr[0]!, arr[1]!, "range over a multikey index");
    assert.ok(
      (BSON.deserialize(arr[0]!.subarray(5))["cursor"] as { firstBatch: Doc[] }).firstBatch.some((d) =>
        d["_id"] === 1000
      ),
    );
    await round(200, ["a", "b", "_id"]);

    // a second index naming b, then a drop and re-create: every reply still the command layer's
    await both(sides, {
      createIndexes: "c",
      indexes: [{ key: { b: 1, _id: -1 }, name: "b_id" }],
      $db: "x",
    });
    await round(100, ["b"]);
    await both(sides, { dropIndexes: "c", index: "b_id", $db: "x" });
    await round(100, ["b"]);
    await both(sides, { drop: "c", $db: "x" });
    await both(sides, { insert: "c", documents: docs.slice(0, 50), $db: "x" });
    await both(sides, { createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" });
    await round(100, ["a"]);
  },
);

pairTest(
  side,
  "finds over a single-field index: limits, batch sizes and the first batch's end",
  async (sides, fast) => {
    await both(sides, { createIndexes: "c", indexes: [{ key: { k: 1 }, name: "k_1" }], $db: "x" });
    const docs = Array.from({ length: 250 }, (_, i) => ({ _id: i, k: i < 120 ? "same" : i % 7, n: i }));
    await both(sides, { insert: "c", documents: docs, $db: "x" });
    const before = await ioFinds(fast);
    const cases: Doc[] = [];
    for (const limit of [undefined, 0, 1, 5, 100, 101, 102, 119, 120, 121, 200]) {
      for (const batchSize of [undefined, 1, 50, 101, 120, 200]) {
        for (const singleBatch of [undefined, true]) {
          const q: Doc = { find: "c", filter: { k: "same" } };
          if (limit !== undefined) q["limit"] = limit;
          if (batchSize !== undefined) q["batchSize"] = batchSize;
          if (singleBatch !== undefined) q["singleBatch"] = singleBatch;
          q["$db"] = "x";
          cases.push(q, { ...q, filter: { k: { $gte: 0, $lte: 6 } }, sort: { k: 1 } });
        }
      }
    }
    for (const q of cases) {
      const [a, b] = await both(sides, q);
      assertSame(a!, b!, JSON.stringify(q));
    }
    const served = (await ioFinds(fast)) - before;
    assert.ok(served > cases.length / 4, `only ${served} of ${cases.length} answered by the I/O thread`);
  },
);

Deno.test({
  name:
    "finds over a single-field index while another connection moves documents: each answer is one snapshot",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const fast = await side(true);
    const writer = await fast.connect();
    try {
      await fast.ask({ createIndexes: "c", indexes: [{ key: { a: 1 }, name: "a_1" }], $db: "x" });
      const n = 400;
      const docs = Array.from({ length: n }, (_, i) => ({ _id: i, a: i % 20, pad: "q".repeat(200) }));
      await fast.ask({ insert: "c", documents: docs, $db: "x" });
      type Batch = { firstBatch: { _id: number; a: number }[] };
      const batch = async (q: Doc) => BSON.deserialize((await fast.ask(q)).subarray(5))["cursor"] as Batch;
      const before = await ioFinds(fast);
      const r = rng(99);
      const stop = { now: false };
      const writes = (async () => {
        let k = 0;
        while (!stop.now) {
          // one document to another value, or two swapped in one multi-document update
          const id = Math.floor(r() * n);
          await writer.ask({
            update: "c",
            updates: [{ q: { _id: id }, u: { $set: { a: k++ % 20 } } }],
            $db: "x",
          });
          if (k % 7 === 0) {
            await writer.ask({
              update: "c",
              updates: [{ q: { a: k % 20 }, u: { $inc: { v: 1 } }, multi: true }],
              $db: "x",
            });
          }
        }
        return k;
      })();
      let reads = 0;
      for (let i = 0; i < 600; i++) {
        const v = Math.floor(r() * 20);
        const eq = await batch({ find: "c", filter: { a: v }, batchSize: 500, $db: "x" });
        assert.ok(eq.firstBatch.every((d) => d.a === v), `a = ${v}`);
        assert.equal(
          new Set(eq.firstBatch.map((d) => d._id)).size,
          eq.firstBatch.length,
          "no document twice",
        );
        const lo = Math.floor(r() * 15);
        const rg = await batch({
          find: "c",
          filter: { a: { $gte: lo, $lt: lo + 5 } },
          sort: { a: 1 },
          limit: 50,
          $db: "x",
        });
        assert.ok(
          rg.firstBatch.every((d, k) =>
            d.a >= lo && d.a < lo + 5 && (k === 0 || d.a >= rg.firstBatch[k - 1]!.a)
          ),
          `range [${lo}, ${lo + 5})`,
        );
        reads += 2;
      }
      stop.now = true;
      assert.ok((await writes) > 0);
      // the last write is visible to the next read, whoever answers it
      await writer.ask({ update: "c", updates: [{ q: { _id: 7 }, u: { $set: { a: 3 } } }], $db: "x" });
      assert.ok(
        (await batch({ find: "c", filter: { a: 3 }, batchSize: 500, $db: "x" })).firstBatch.some((d) =>
          d._id === 7
        ),
      );
      assert.ok((await ioFinds(fast)) - before > reads / 2, "the I/O thread answered most reads");
    } finally {
      writer.close();
      await fast.close();
    }
  },
});

pairTest(
  side,
  "finds over a single-field index past 1,024 documents or 1 MiB are the command layer's",
  async (sides, fast) => {
    await both(sides, { createIndexes: "c", indexes: [{ key: { k: 1 }, name: "k_1" }], $db: "x" });
    const many = Array.from({ length: 1100 }, (_, i) => ({ _id: i, k: "many" }));
    const big = Array.from({ length: 3 }, (_, i) => ({ _id: 5000 + i, k: "big", pad: "z".repeat(600_000) }));
    await both(sides, { insert: "c", documents: many, $db: "x" });
    await both(sides, { insert: "c", documents: big, $db: "x" });
    await both(sides, { find: "c", filter: { k: "none" }, $db: "x" }); // registers the shape
    const before = await ioFinds(fast);
    for (
      const q of [
        { find: "c", filter: { k: "many" }, batchSize: 1100, singleBatch: true, $db: "x" },
        { find: "c", filter: { k: "big" }, singleBatch: true, $db: "x" },
      ]
    ) {
      const [a, b] = await both(sides, q);
      assertSame(a!, b!, JSON.stringify(q));
      const batch = (BSON.deserialize(a!.subarray(5))["cursor"] as { firstBatch: unknown[] }).firstBatch;
      assert.equal(batch.length, q.filter.k === "many" ? 1100 : 3);
    }
    assert.equal(await ioFinds(fast), before, "both went to the command layer");
    // the same shape within the limits is the I/O thread's
    const [a, b] = await both(sides, { find: "c", filter: { k: "big" }, limit: 1, $db: "x" });
    assertSame(a!, b!, "limit 1");
    assert.equal(await ioFinds(fast), before + 1);
  },
);
