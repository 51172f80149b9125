import assert from "node:assert/strict";
import { openWiredTiger } from "../storage/mod.ts";
import { indexKeysOf } from "./index_keys.ts";
import { sweepOnce } from "./ttl_sweeper.ts";
import { compilePartialFilter } from "../engine/mod.ts";

const keyOpts = { compilePartialFilter };
import { BSON } from "bson";

/** An in-memory engine for one test. */
function memoryStorage() {
  return openWiredTiger({ path: ":memory:", cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
}

/** d.c with a TTL index on `at` (60 s). */
function createTtlCollection(storage: ReturnType<typeof memoryStorage>) {
  storage.catalog.createCollection("d", "c");
  return storage.catalog.createIndex("d", "c", {
    name: "at_1",
    spec: { v: 2, key: { at: 1 }, name: "at_1", expireAfterSeconds: 60 },
    unique: false,
  });
}

Deno.test("TTL sweep removes documents whose date (or earliest array date) is past expiry", async () => {
  const storage = memoryStorage();
  try {
    let coll = createTtlCollection(storage);
    const now = Date.UTC(2024, 0, 1);
    const docs = [
      { _id: 1, at: new Date(now - 120_000) },
      { _id: 2, at: new Date(now - 10_000) },
      { _id: 3, at: [new Date(now), new Date(now - 100_000)] },
      { _id: 4, at: "not a date" },
      { _id: 5 },
    ];
    storage.write((txn) => {
      for (const d of docs) txn.insert(coll, BSON.serialize(d), indexKeysOf(coll, d, keyOpts));
    });
    coll = storage.catalog.getCollection("d", "c")!;
    assert.equal(await sweepOnce(storage, now, keyOpts), 2);
    const left = storage.read((txn) => [...txn.scan(coll)].map((r) => BSON.deserialize(r.bytes)._id));
    assert.deepEqual(left, [2, 4, 5]);
    assert.equal(await sweepOnce(storage, now + 60_000, keyOpts), 1);
  } finally {
    storage.close();
  }
});

Deno.test("TTL sweep of a clustered collection expires documents by their _id date", async () => {
  const storage = memoryStorage();
  try {
    const options = { clusteredIndex: { v: 2, key: { _id: 1 }, unique: true }, expireAfterSeconds: 60 };
    const coll = storage.catalog.createCollection("d", "k", options);
    const now = Date.UTC(2024, 0, 1);
    const docs = [
      { _id: new Date(now - 120_000) },
      { _id: new Date(now - 10_000) },
      { _id: 7 },
      { _id: "x" },
    ];
    storage.write((txn) => {
      for (const d of docs) txn.insert(coll, BSON.serialize(d), indexKeysOf(coll, d, keyOpts));
    });
    assert.equal(await sweepOnce(storage, now, keyOpts), 1);
    assert.equal(await sweepOnce(storage, now + 60_000, keyOpts), 1);
    const left = storage.read((txn) => [...txn.scan(coll)].map((r) => BSON.deserialize(r.bytes)._id));
    assert.deepEqual(left, [7, "x"]);
    // "off" (the option removed) stops expiry
    storage.catalog.updateCollection("d", "k", { clusteredIndex: options.clusteredIndex });
    storage.write((txn) => {
      const d = { _id: new Date(0) };
      txn.insert(coll, BSON.serialize(d), indexKeysOf(coll, d, keyOpts));
    });
    assert.equal(await sweepOnce(storage, now, keyOpts), 0);
  } finally {
    storage.close();
  }
});

Deno.test("TTL sweep of a time-series collection removes measurements older than expireAfterSeconds", async () => {
  const storage = memoryStorage();
  try {
    const options = { timeseries: { timeField: "at", granularity: "seconds" }, expireAfterSeconds: 60 };
    const coll = storage.catalog.createCollection("d", "ts", options);
    const now = Date.UTC(2024, 0, 1);
    const docs = Array.from(
      { length: 2500 },
      (_, i) => ({ _id: i, at: new Date(now - (i % 2 === 0 ? 120_000 : 0)) }),
    );
    storage.write((txn) => {
      for (const d of docs) txn.insert(coll, BSON.serialize(d), indexKeysOf(coll, d, keyOpts));
    });
    assert.equal(await sweepOnce(storage, now, keyOpts), 1250);
    assert.equal(storage.read((txn) => txn.count(coll)), 1250);
    storage.catalog.updateCollection("d", "ts", { timeseries: options.timeseries });
    assert.equal(await sweepOnce(storage, now + 3_600_000, keyOpts), 0);
  } finally {
    storage.close();
  }
});

Deno.test("TTL sweep over several batches removes every expired document, equal dates across batch edges", async () => {
  const storage = memoryStorage();
  try {
    let coll = createTtlCollection(storage);
    const now = Date.UTC(2024, 0, 1);
    // 2,500 expired documents sharing three dates (batches of 1,000 end inside runs of equal keys),
    // then 10 documents still alive
    storage.write((txn) => {
      for (let i = 0; i < 2_510; i++) {
        const d = { _id: i, at: new Date(i < 2_500 ? now - 120_000 - (i % 3) * 1000 : now) };
        txn.insert(coll, BSON.serialize(d), indexKeysOf(coll, d, keyOpts));
      }
    });
    coll = storage.catalog.getCollection("d", "c")!;
    assert.equal(await sweepOnce(storage, now, keyOpts), 2_500);
    assert.equal(storage.read((txn) => [...txn.scan(coll)].length), 10);
  } finally {
    storage.close();
  }
});
