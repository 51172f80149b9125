/**
 * SKIP below FETCH through `QuerySource`: a query flagged `skipBeforeFetch` passes over its first `skip`
 * index entries (distinct record ids) without reading their records — the same rows as reading and
 * dropping them, over batches and resumed pulls — and the walk stays interruptible between slices.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import { compilePartialFilter } from "../engine/mod.ts";
import { OpControl } from "../observability/op_control.ts";
import type { IxScanPath } from "../planner/plan.ts";
import type { CompiledQuery } from "./compiled_query.ts";
import { indexKeysOf } from "./index_keys.ts";
import { EXAMINE_PER_PULL, QuerySource } from "./query.ts";

const N = 5000;
/** [skip, limit (0: none), batch size]: inside the first slice, across slices, the last, all, past the end. */
const CASES: readonly [number, number, number][] = [
  [1, 0, 101],
  [3000, 10, 4],
  [4999, 0, 2],
  [N, 0, 10],
  [7000, 5, 3],
];

function open(): { storage: StorageEngine; coll: CollectionEntry } {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  storage.catalog.createCollection("d", "c");
  storage.catalog.createIndex("d", "c", { name: "a_1", spec: { key: { a: 1 }, name: "a_1" }, unique: false });
  storage.catalog.createIndex("d", "c", { name: "m_1", spec: { key: { m: 1 }, name: "m_1" }, unique: false });
  const coll = storage.catalog.getCollection("d", "c")!;
  storage.write((txn) => {
    for (let i = 0; i < N; i++) {
      // two entries per document in m_1 (multikey): the IXSCAN must count each record once
      const doc = { _id: i, a: (i * 7919) % 100, m: [i % 10, 10 + (i % 3)], pad: "x".repeat(50) };
      txn.insert(coll, BSON.serialize(doc), indexKeysOf(coll, doc, { compilePartialFilter }));
    }
  });
  return { storage, coll };
}

const path = (
  indexName: string,
  key: Record<string, unknown>,
  reverse: boolean,
  multikey: boolean,
): IxScanPath => ({
  kind: "ixScan",
  indexName,
  keyPattern: key,
  unique: false,
  multikey,
  sparse: false,
  partial: false,
  intervals: [{}],
  reverse,
  indexBounds: {},
  providesSort: false,
  dedup: multikey,
  score: 0,
});

const query = (access: IxScanPath, skip: number, limit: number, below: boolean): CompiledQuery => ({
  access,
  match: null,
  sort: null,
  skip,
  limit,
  project: null,
  readFields: null,
  ...(below ? { skipBeforeFetch: true } : {}),
});

/** Every batch of `batch` documents to the end: the `_id`s and the source's figures. */
async function run(storage: StorageEngine, coll: CollectionEntry, q: CompiledQuery, batch: number) {
  const src = new QuerySource(storage, coll, q);
  const ids: number[] = [];
  for (;;) {
    const { docs, done } = await src.nextBatch(batch, Infinity);
    for (const b of docs) ids.push(BSON.deserialize(b)["_id"] as number);
    if (done) break;
  }
  src.close();
  return { ids, stats: src.stats };
}

Deno.test("skip below fetch: the rows of the fetch path, the skipped records unread", async () => {
  const { storage, coll } = open();
  try {
    for (
      const access of [
        path("a_1", { a: 1 }, false, false),
        path("a_1", { a: 1 }, true, false),
        path("m_1", { m: 1 }, false, true),
        path("m_1", { m: 1 }, true, true),
      ]
    ) {
      for (
        const [skip, limit, batch] of CASES
      ) {
        const dir = access.reverse ? "backward" : "forward";
        const what = `${access.indexName} ${dir} skip ${skip} limit ${limit}`;
        const want = await run(storage, coll, query(access, skip, limit, false), batch);
        const got = await run(storage, coll, query(access, skip, limit, true), batch);
        assert.deepEqual(got.ids, want.ids, what);
        assert.equal(new Set(got.ids).size, got.ids.length, `each record once: ${what}`);
        const returned = Math.min(Math.max(0, N - skip), limit || Infinity);
        assert.equal(got.ids.length, returned, what);
        assert.equal(got.stats.docsExamined, returned, `only the records returned are read: ${what}`);
        assert.equal(got.stats.keysSkipped, Math.min(skip, N), what);
        assert.equal(got.stats.nReturned, returned, what);
      }
    }
  } finally {
    storage.close();
  }
});

Deno.test("skip below fetch: the walk yields between slices and stops at a passed deadline", async () => {
  const { storage, coll } = open();
  try {
    const q = query(path("a_1", { a: 1 }, false, false), 4500, 10, true);
    // a clock that moves 10 ms per reading: every slice boundary is a yield
    let t = 0;
    const ctl = new OpControl({ quantumMs: 4, now: () => (t += 10) });
    const src = new QuerySource(storage, coll, q);
    const { docs } = await src.nextBatch(10, Infinity, ctl);
    assert.equal(docs.length, 10);
    assert.ok(ctl.yields >= Math.floor(4500 / (EXAMINE_PER_PULL + 1)), `${ctl.yields} yields`);

    const late = new OpControl({ deadline: 5, now: () => 10 });
    const src2 = new QuerySource(storage, coll, q);
    await assert.rejects(src2.nextBatch(10, Infinity, late), /time limit/);
    assert.ok(src2.stats.keysExamined <= EXAMINE_PER_PULL + 1, `${src2.stats.keysExamined} keys`);
    assert.equal(src2.stats.docsExamined, 0);
  } finally {
    storage.close();
  }
});
