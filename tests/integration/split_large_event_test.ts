/**
 * `$changeStreamSplitLargeEvent` through npm:mongodb: an update event past 16 MiB (a 9 MiB field
 * changed, with its 9 MiB pre-image) comes as two fragments with `splitEvent: {fragment, of}` and
 * their own resume tokens; resuming from the first fragment's token delivers the second; without the
 * stage the event is 10334 BSONObjectTooLarge; the stage must be last (7182802) with an empty spec
 * (7182800).
 */
import assert from "node:assert/strict";
import { type Document, MongoServerError } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

const NINE_MIB = 9 * 1024 * 1024;

async function next(stream: { next(): Promise<unknown> }): Promise<Document> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no change event within 20 s")), 20_000);
  });
  try {
    return await Promise.race([stream.next(), timeout]) as Document;
  } finally {
    clearTimeout(timer);
  }
}

serverTest("events past 16 MiB are split into fragments; resume from a fragment", async (client) => {
  const db = client.db("split");
  await db.createCollection("c", { changeStreamPreAndPostImages: { enabled: true } });
  const coll = db.collection<{ _id: number; big?: string; n?: number }>("c");
  await coll.insertOne({ _id: 1, big: "a".repeat(NINE_MIB) });
  const opts = { fullDocumentBeforeChange: "required" as const };
  const stream = coll.watch(
    [{ $match: { operationType: "update" } }, { $changeStreamSplitLargeEvent: {} }],
    opts,
  );
  await stream.tryNext();
  await coll.updateOne({ _id: 1 }, { $set: { big: "b".repeat(NINE_MIB) } });
  await coll.updateOne({ _id: 1 }, { $set: { n: 1 } });
  const first = await next(stream);
  const second = await next(stream);
  assert.deepEqual(first["splitEvent"], { fragment: 1, of: 2 });
  assert.deepEqual(second["splitEvent"], { fragment: 2, of: 2 });
  assert.deepEqual(Object.keys(first).slice(0, 2), ["_id", "splitEvent"]);
  // the smaller fields first: the pre-image (9 MiB) before the update description (9 MiB + more)
  assert.equal((first["fullDocumentBeforeChange"] as Document)["big"].length, NINE_MIB);
  assert.equal(first["operationType"], "update");
  assert.equal(first["updateDescription"], undefined);
  assert.equal((second["updateDescription"] as Document)["updatedFields"]["big"][0], "b");
  assert.notDeepEqual(first["_id"], second["_id"]);
  const small = await next(stream);
  assert.equal(small["splitEvent"], undefined);
  assert.deepEqual(small["updateDescription"]["updatedFields"], { n: 1 });
  await stream.close();

  // resume after the first fragment: the second comes next, then the small event
  const resumed = coll.watch(
    [{ $match: { operationType: "update" } }, { $changeStreamSplitLargeEvent: {} }],
    {
      ...opts,
      resumeAfter: first["_id"],
    },
  );
  const again = await next(resumed);
  assert.deepEqual(again["splitEvent"], { fragment: 2, of: 2 });
  assert.deepEqual(again["_id"], second["_id"]);
  assert.deepEqual((await next(resumed))["updateDescription"]["updatedFields"], { n: 1 });
  await resumed.close();

  // without the stage the event is too large
  const plain = coll.watch([{ $match: { operationType: "update" } }], { ...opts, startAfter: small["_id"] });
  await coll.updateOne({ _id: 1 }, { $set: { big: "c".repeat(NINE_MIB) } });
  await assert.rejects(next(plain), (e) => e instanceof MongoServerError && e.code === 10334);
  await plain.close().catch(() => {});
});

serverTest("$changeStreamSplitLargeEvent must be last, with an empty spec", async (client) => {
  const coll = client.db("split").collection("e");
  const run = (pipeline: Document[]) =>
    client.db("split").command({
      aggregate: "e",
      pipeline: [{ $changeStream: {} }, ...pipeline],
      cursor: {},
    });
  await assert.rejects(
    run([{ $changeStreamSplitLargeEvent: {} }, { $match: {} }]),
    (e) => e instanceof MongoServerError && e.code === 7182802,
  );
  await assert.rejects(
    run([{ $changeStreamSplitLargeEvent: { x: 1 } }]),
    (e) => e instanceof MongoServerError && e.code === 7182800,
  );
  const ok = await run([{ $changeStreamSplitLargeEvent: {} }]);
  assert.equal(ok["ok"], 1);
  await coll.drop().catch(() => {});
});
