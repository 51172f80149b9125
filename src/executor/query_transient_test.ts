/**
 * `QuerySource.nextDocs` reads its collection scan as transient (`ScanOptions.transient`: the
 * engine frees each read-ahead buffer once the scan moves past it): the documents it hands out must
 * own every byte — Binary values at the top level, in embedded documents and arrays, whole or
 * partially decoded — and a row held over to the next pull (a batch's byte limit) must keep its bytes.
 */
import assert from "node:assert/strict";
import { Binary, BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import { SCAN_FIELDS_MAX } from "../storage/api.ts";
import type { CompiledQuery } from "./compiled_query.ts";
import { EXAMINE_PER_PULL, QuerySource } from "./query.ts";
import type { Document as Doc } from "../bson/document.ts";

const N = 4000;
const bin = (i: number, tag: number) => new Binary(new Uint8Array(16).fill((i * 7 + tag) % 256));
const doc = (i: number) => ({
  _id: i,
  b: bin(i, 1),
  n: { b: bin(i, 2), k: i },
  a: [bin(i, 3), { b: bin(i, 4) }],
  pad: "p".repeat(300 + (i % 50)),
});

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

/** The bytes of a Binary value as a plain array (throws on a detached buffer's empty view). */
function binBytes(v: unknown): number[] {
  assert.ok(v instanceof Binary, `a Binary: ${String(v)}`);
  const bytes = [...v.buffer];
  assert.equal(bytes.length, 16, "a Binary's bytes outlive the scan's buffer");
  return bytes;
}

function checkDoc(d: Doc, fields: readonly string[]): void {
  const i = d["_id"] as number;
  const want = (tag: number) => new Array(16).fill((i * 7 + tag) % 256);
  if (fields.includes("b")) assert.deepEqual(binBytes(d["b"]), want(1));
  if (fields.includes("n")) assert.deepEqual(binBytes((d["n"] as Doc)["b"]), want(2));
  if (fields.includes("a")) {
    const a = d["a"] as unknown[];
    assert.deepEqual(binBytes(a[0]), want(3));
    assert.deepEqual(binBytes((a[1] as Doc)["b"]), want(4));
  }
}

Deno.test("nextDocs: documents own their Binary values after the transient scan moved on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "secantus-transient-test-" });
  const engine = openWiredTiger({ path: dir, cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
  try {
    const coll = engine.catalog.createCollection("t", "c", {});
    engine.write((txn) => {
      for (let i = 0; i < N; i++) txn.insert(coll, BSON.serialize(doc(i)), new Map());
    });
    const odd = (d: Doc) => (d["_id"] as number) % 3 !== 0;
    const many = new Set(["_id", "n", "a", ...Array.from({ length: SCAN_FIELDS_MAX }, (_, i) => `x${i}`)]);
    type Case = {
      fields: ReadonlySet<string> | null;
      match: ((d: Doc) => boolean) | null;
      readFields: ReadonlySet<string> | null;
    };
    const cases: Case[] = [
      { fields: null, match: null, readFields: null }, // whole documents
      // a filter whose fields are not known reads whole records (the row is decoded whole)
      { fields: new Set(["_id", "b"]), match: odd, readFields: null },
      // more fields than the engine projects: partial decodes of whole records
      { fields: many, match: null, readFields: null },
      { fields: many, match: odd, readFields: new Set(["_id"]) },
      // through the engine's projection (not transient: its rows stay views of the shim's batch)
      { fields: new Set(["_id", "n", "a"]), match: null, readFields: null },
    ];
    for (const { fields, match, readFields } of cases) {
      const src = new QuerySource(engine, coll, query(match, readFields));
      const out: Doc[] = [];
      for (let pulls = 0;; pulls++) {
        assert.ok(pulls < 10_000, "the scan finishes");
        // a 20 KB byte limit stops most pulls inside a batch: the next pull resumes with a held row
        const { docs, done } = src.nextDocs(500, fields, EXAMINE_PER_PULL, 20_000);
        out.push(...docs);
        if (done) break;
      }
      assert.equal(out.length, match ? N - Math.ceil(N / 3) : N);
      const names = fields ? [...fields] : ["b", "n", "a"];
      let prev = -1;
      for (const d of out) {
        assert.ok((d["_id"] as number) > prev, "each document once, in order");
        prev = d["_id"] as number;
        checkDoc(d, names);
      }
    }
  } finally {
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
