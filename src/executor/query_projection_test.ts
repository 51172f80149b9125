/**
 * Collection scans through the storage engine's field projection (QuerySource `#projection`): what
 * comes out is what a whole-document scan gives, for finds (whole matches), pipeline-style reads
 * (the fields asked for), rows held over between pulls, and repeated field names.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger, type StorageEngine } from "../storage/mod.ts";
import { decodeDocument } from "../bson/decode.ts";
import { decodeFields } from "../bson/partial_decode.ts";
import type { CompiledQuery } from "./compiled_query.ts";
import { QuerySource } from "./query.ts";
import type { Document as Doc } from "../bson/document.ts";
import { REPEATED_NAME_DOC } from "../testing/raw_bson.ts";

const N = 3000;
const doc = (i: number) => ({ _id: i, k: i % 10, s: `s${i % 3}`, pad: "p".repeat(200 + (i % 50)) });

async function withColl(
  fn: (engine: StorageEngine, bytes: Uint8Array[]) => Promise<void> | void,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "secantus-proj-test-" });
  const engine = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
  try {
    const coll = engine.catalog.createCollection("t", "c", {});
    const bytes: Uint8Array[] = [];
    engine.write((txn) => {
      for (let i = 0; i < N; i++) {
        const b = BSON.serialize(doc(i));
        bytes.push(b);
        txn.insert(coll, b, new Map());
      }
    });
    await fn(engine, bytes);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function query(match: ((d: Doc) => boolean) | null, readFields: ReadonlySet<string> | null): CompiledQuery {
  return {
    access: { kind: "collScan", reverse: false },
    match,
    readFields,
    sort: null,
    skip: 0,
    limit: 0,
    project: null,
  };
}

async function findAll(engine: StorageEngine, q: CompiledQuery, maxBytes = Infinity): Promise<Uint8Array[]> {
  const src = new QuerySource(engine, engine.catalog.getCollection("t", "c")!, q);
  const out: Uint8Array[] = [];
  for (let i = 0; i < 10_000; i++) {
    const { docs, done } = await src.nextBatch(97, maxBytes);
    out.push(...docs);
    if (done) return out;
  }
  throw new Error("scan did not finish");
}

Deno.test("find: a selective filter (projected scan) and a broad one return the whole stored matches", async () => {
  await withColl(async (engine, bytes) => {
    const rare = (d: Doc) => d["k"] === 3 && d["s"] === "s0";
    const got = await findAll(engine, query(rare, new Set(["k", "s"])));
    const want = bytes.filter((b) => rare(decodeDocument(b)));
    assert.equal(got.length, 100);
    assert.deepEqual(got.map((b) => [...b]), want.map((b) => [...b]));
    // most documents match: the scan stops projecting part way, the answer is the same
    const broad = (d: Doc) => d["k"] !== 3;
    const all = await findAll(engine, query(broad, new Set(["k"])));
    assert.deepEqual(
      all.map((b) => [...b]),
      bytes.filter((b) => broad(decodeDocument(b))).map((b) => [...b]),
    );
    // a byte limit smaller than a document: one whole document per batch, none lost between pulls
    const one = await findAll(engine, query(rare, new Set(["k", "s"])), 10);
    assert.deepEqual(one.map((b) => [...b]), want.map((b) => [...b]));
  });
});

Deno.test("pipeline reads: the fields asked for, across pulls and budgets; then whole rows again", async () => {
  await withColl((engine, bytes) => {
    const coll = engine.catalog.getCollection("t", "c")!;
    const fields = new Set(["s", "_id"]);
    const src = new QuerySource(engine, coll, query((d) => d["k"] !== 0, new Set(["k"])));
    const got: Doc[] = [];
    let done = false;
    // small chunks, small budgets and a byte limit of about two stored documents
    for (let i = 0; i < 10_000 && !done && got.length < 1000; i++) {
      const r = src.nextDocs(37, fields, 50, 600);
      got.push(...r.docs);
      done = r.done;
    }
    const want = bytes.map((b) => decodeDocument(b)).filter((d) => d["k"] !== 0);
    // the fields asked for, and at most the filter's fields besides (one decode serves both)
    const pick = (d: Doc) => ({ _id: d["_id"], s: d["s"] });
    assert.deepEqual(got.map(pick), want.slice(0, got.length).map(pick));
    for (const d of got) assert.ok(Object.keys(d).every((k) => k === "_id" || k === "s" || k === "k"));
    // the same source asked for whole documents (a row held over from a projected pull is read whole)
    const rest = src.nextDocs(5000);
    assert.deepEqual(rest.docs, want.slice(got.length, got.length + rest.docs.length));
    assert.equal(got.length + rest.docs.length, want.length);
    // no filter, no fields: an empty projection per record
    const none = new QuerySource(engine, coll, query(null, new Set()));
    assert.deepEqual(none.nextDocs(3, new Set()).docs, [{}, {}, {}]);
    assert.equal(decodeFields(bytes[0]!, fields)["s"], "s0");
  });
});

Deno.test("a stored document with a repeated name: the filter sees the first element, find returns it whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "secantus-proj-test-" });
  const engine = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
  try {
    const coll = engine.catalog.createCollection("t", "c", {});
    const raw = REPEATED_NAME_DOC; // {_id: 1, a: 1, a: 2}
    assert.equal(raw.length, 28);
    engine.write((txn) => {
      txn.insert(coll, raw, new Map());
      for (let i = 2; i < 600; i++) txn.insert(coll, BSON.serialize({ _id: i, a: 3 }), new Map());
    });
    const first = await findAll(engine, query((d) => d["a"] === 1, new Set(["a"])));
    assert.deepEqual(first.map((b) => [...b]), [[...raw]]);
    assert.deepEqual(await findAll(engine, query((d) => d["a"] === 2, new Set(["a"]))), []);
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("skip: the skipped matches are read projected, the rest whole, across pulls, batches and budgets", async () => {
  await withColl(async (engine, bytes) => {
    const withSkip = (q: CompiledQuery, skip: number, limit = 0): CompiledQuery => ({ ...q, skip, limit });
    const all = bytes.map((b) => [...b]);
    for (const skip of [1, 96, 97, 1023, 1024, 1025, 2500, N - 1, N, N + 5]) {
      const got = await findAll(engine, withSkip(query(null, new Set()), skip));
      assert.deepEqual(got.map((b) => [...b]), all.slice(skip), `no filter, skip ${skip}`);
    }
    const odd = (d: Doc) => (d["_id"] as number) % 2 === 1;
    const oddBytes = bytes.filter((b) => odd(decodeDocument(b))).map((b) => [...b]);
    for (const skip of [1, 500, 1024, 1499, 1500]) {
      const got = await findAll(engine, withSkip(query(odd, new Set(["_id"])), skip, 7));
      assert.deepEqual(got.map((b) => [...b]), oddBytes.slice(skip, skip + 7), `filter, skip ${skip}`);
    }
    // a byte limit smaller than a document: one whole document per batch after the skip
    const small = await findAll(engine, withSkip(query(null, new Set()), 2990), 10);
    assert.deepEqual(small.map((b) => [...b]), all.slice(2990));
    // reverse natural order
    const rev = await findAll(engine, {
      ...withSkip(query(null, new Set()), 1100, 3),
      access: { kind: "collScan", reverse: true },
    });
    assert.deepEqual(rev.map((b) => [...b]), all.slice().reverse().slice(1100, 1103));
  });
});
