/** Buckets unpacked a chunk at a time: chunk bounds, failures ordered and unordered, `n` in buckets. */
import assert from "node:assert/strict";
import { bucketsStored, nextBucketsChunk } from "./insert_buckets.ts";
import type { Doc } from "../spec.ts";

const ts = { timeField: "t" };
/** A version 1 bucket of `k` measurements. */
const bucket = (k: number): Doc => ({
  control: { version: 1 },
  data: { t: Object.fromEntries(Array.from({ length: k }, (_, i) => [String(i), new Date(i)])) },
});
const broken: Doc = { control: { version: 9 }, data: {} };

Deno.test("nextBucketsChunk: whole buckets until the chunk size is reached", () => {
  const docs = [bucket(3), bucket(3), bucket(3), bucket(1)];
  const a = nextBucketsChunk(docs, 0, ts, true, 5);
  assert.deepEqual([a.measurements.length, a.index, a.origin, a.next, a.stop], [
    6,
    [0, 1],
    [0, 0, 0, 1, 1, 1],
    2,
    false,
  ]);
  const b = nextBucketsChunk(docs, a.next, ts, true, 5);
  assert.deepEqual([b.measurements.length, b.index, b.next], [4, [2, 3], 4]);
});

Deno.test("nextBucketsChunk: a bucket that cannot be unpacked is a failure; ordered stops there", () => {
  const docs = [bucket(1), broken, bucket(2)];
  const ordered = nextBucketsChunk(docs, 0, ts, true);
  assert.deepEqual([ordered.index, ordered.failures.map(([i]) => i), ordered.next, ordered.stop], [
    [0],
    [1],
    2,
    true,
  ]);
  const unordered = nextBucketsChunk(docs, 0, ts, false);
  assert.deepEqual([unordered.index, unordered.failures.map(([i]) => i), unordered.next], [[0, 2], [1], 3]);
  assert.equal((unordered.failures[0]![1] as { code: number }).code, 121);
});

Deno.test("bucketsStored: a bucket counts when all its measurements were stored", () => {
  const c = nextBucketsChunk([bucket(2), bucket(2)], 0, ts, true);
  assert.equal(bucketsStored(c, 4, new Set(), -1), 2);
  assert.equal(bucketsStored(c, 2, new Set([1]), 2), 1); // second bucket's first measurement failed
});
