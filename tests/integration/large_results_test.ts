/**
 * Large results (issue 15 item 9) through npm:mongodb: every cursor-returning command honours
 * `batchSize` and the 16 MiB reply limit and continues with getMore — find and aggregate over 24 MiB
 * of documents, listCollections / listIndexes with small batches, and a client bulkWrite whose
 * 100,001 error items (~1 KiB each, ~110 MiB of results) come back through its results cursor instead
 * of one reply that cannot be serialised.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClientBulkWriteError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "find, aggregate, listCollections and listIndexes continue past 16 MiB and batchSize",
  async (client) => {
    const db = client.db("big");
    const c = db.collection<AnyDoc>("c");
    const pad = "x".repeat(1024 * 1024);
    for (let i = 0; i < 24; i++) await c.insertOne({ _id: i, pad });
    assert.equal((await c.find().toArray()).length, 24);
    assert.equal((await c.aggregate([{ $match: {} }]).toArray()).length, 24);
    const first = await db.command({ find: "c", batchSize: 1000 });
    assert.ok(first.cursor.firstBatch.length < 24 && first.cursor.id > 0n, "first batch stops before 16 MiB");

    for (let i = 0; i < 5; i++) await db.createCollection(`l${i}`);
    await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 } }]);
    const lc = await db.command({ listCollections: 1, cursor: { batchSize: 2 } });
    assert.equal(lc.cursor.firstBatch.length, 2);
    assert.notEqual(Number(lc.cursor.id), 0);
    assert.equal((await db.listCollections({}, { batchSize: 2 }).toArray()).length, 6);
    const li = await db.command({ listIndexes: "c", cursor: { batchSize: 1 } });
    assert.equal(li.cursor.firstBatch.length, 1);
    assert.equal((await c.listIndexes({ batchSize: 1 }).toArray()).length, 4);
  },
);

serverTest(
  "a client bulkWrite with 100,001 errors returns them all through its results cursor",
  async (client) => {
    const key = "k".repeat(1000);
    const n = 100_002;
    const models: AnyDoc[] = Array.from({ length: n }, () => ({
      name: "insertOne" as const,
      namespace: "big.dups",
      document: { _id: key },
    }));
    let err: unknown;
    try {
      await client.bulkWrite(models, { ordered: false, verboseResults: true });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof MongoClientBulkWriteError, String(err));
    assert.equal(err.writeErrors.size, n - 1);
    assert.equal(err.partialResult?.insertedCount, 1);
    const firstErr = err.writeErrors.get(1);
    assert.equal(firstErr?.code, 11000);
    assert.ok(err.writeErrors.has(n - 1));
  },
);
