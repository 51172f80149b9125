import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { BSON } from "bson";
import { RandomSample, randomSampleFits, SAMPLE_MAX_ATTEMPTS } from "./random_sample.ts";
import type { CollectionEntry, ReadTxn, RecordView, StorageEngine } from "../storage/api.ts";
import { CommandError } from "../errors/command_error.ts";

const coll = {
  db: "db",
  name: "c",
  uuid: new Uint8Array(16),
  options: {},
  indexes: [],
  ident: "c",
} as CollectionEntry;

/** A storage whose random picks come from `picks` (record ids; a document `{_id: rid}` each). */
function fakeStorage(count: number, picks: () => bigint[], random = true): StorageEngine {
  const txn = {
    count: () => count,
    ...(random
      ? {
        randomRecords: (_c: CollectionEntry, n: number): RecordView[] =>
          picks().slice(0, n).map((rid) => ({ rid, bytes: BSON.serialize({ _id: Number(rid), v: "x" }) })),
      }
      : {}),
  } as unknown as ReadTxn;
  return {
    read: <T>(fn: (t: ReadTxn) => T) => fn(txn),
    catalog: { getCollection: () => coll },
  } as unknown as StorageEngine;
}

Deno.test("randomSampleFits: mongod's cut-offs (more than 100 documents, at most 5% of them)", () => {
  const fits = (count: number, size: number, random = true) =>
    randomSampleFits(fakeStorage(count, () => [], random), coll, size);
  assertEquals(fits(100, 1), false);
  assertEquals(fits(101, 5), true);
  assertEquals(fits(101, 6), false);
  assertEquals(fits(100_000, 5000), true);
  assertEquals(fits(100_000, 5001), false);
  assertEquals(fits(100_000, 0), true);
  assertEquals(fits(100_000, 10, false), false); // an engine without random picks
});

Deno.test("RandomSample: distinct documents, size honoured, repeats dropped and counted as examined", () => {
  const rounds = [[1n, 2n, 2n, 3n], [3n, 4n, 1n, 5n], [1n], [5n, 6n]];
  const s = new RandomSample(fakeStorage(1000, () => rounds.shift() ?? []), coll, 5);
  const got = s.nextDocs(4, new Set(["_id"]));
  assertEquals(got, [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
  ok(!s.done);
  assertEquals(s.nextDocs(2).map((d) => d["_id"]), [4]); // 3 and 4 picked: 3 is a repeat
  assertEquals(s.nextDocs(10), []); // asks for the one left: 1, a repeat
  ok(!s.done);
  assertEquals(s.nextDocs(10).map((d) => d["_id"]), [5]);
  ok(s.done);
  assertEquals(s.nextDocs(10), []);
  assertEquals(s.stats, { docsExamined: 4 + 2 + 1 + 1, keysExamined: 0, nReturned: 5 });
});

Deno.test("RandomSample: an empty collection ends it; size 0 reads nothing", () => {
  const empty = new RandomSample(fakeStorage(0, () => []), coll, 10);
  assertEquals(empty.next(10), []);
  ok(empty.done);
  let reads = 0;
  const none = new RandomSample(fakeStorage(1000, () => (reads++, [1n])), coll, 0);
  assertEquals(none.next(10), []);
  assertEquals(reads, 0);
});

Deno.test("RandomSample: 100 repeats in a row fail with 28799, as mongod", () => {
  const s = new RandomSample(fakeStorage(1000, () => [7n]), coll, 3);
  assertEquals(s.next(1).length, 1);
  for (let i = 1; i < SAMPLE_MAX_ATTEMPTS; i++) assertEquals(s.next(1), []);
  throws(() => s.next(1), (e: unknown) => e instanceof CommandError && e.codeName === "Location28799");
});

Deno.test("RandomSample: a collection dropped meanwhile kills the read", () => {
  const storage = fakeStorage(1000, () => [1n]);
  (storage.catalog as unknown as { getCollection: () => unknown }).getCollection = () => undefined;
  const s = new RandomSample(storage, coll, 3);
  throws(() => s.next(1), (e: unknown) => e instanceof CommandError && e.codeName === "QueryPlanKilled");
});
