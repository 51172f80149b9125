import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { QuerySource } from "../../executor/query.ts";
import { OpControl, setRequestsWaiting } from "../../observability/op_control.ts";
import {
  controlSlot,
  PipelineSource,
  SCAN_CHUNK_CONTENDED,
  SCAN_CHUNK_MAX,
  scanInput,
} from "./pipeline_source.ts";

/** A scan over `total` documents that records the chunk sizes it was asked for. */
function fakeScan(total: number): { source: QuerySource; asked: number[] } {
  let next = 0;
  const asked: number[] = [];
  const source = {
    nextDocs(max: number) {
      asked.push(max);
      const docs = [];
      for (; docs.length < max && next < total; next++) docs.push({ _id: next });
      return { docs, done: next >= total };
    },
  } as unknown as QuerySource;
  return { source, asked };
}

function take(it: Iterator<unknown>, n: number): number {
  let got = 0;
  while (got < n && !it.next().done) got++;
  return got;
}

Deno.test("scanInput: chunks start small for every command and double up to the maximum", () => {
  const { source, asked } = fakeScan(10_000);
  const slot = controlSlot(new OpControl());
  const it = scanInput(source, slot)[Symbol.iterator]();
  assertEquals(take(it, 101), 101); // a first batch pulls 16 + 32 + 64, not a 1,000-document chunk
  assertEquals(asked, [16, 32, 64]);
  slot.current = new OpControl(); // a getMore
  assertEquals(take(it, 5000), 5000);
  assertEquals(asked.slice(3, 6), [16, 32, 64]);
  assertEquals(Math.max(...asked), SCAN_CHUNK_MAX);
});

Deno.test("scanInput: while other requests wait, chunks stay small (the scan yields soon)", () => {
  const { source, asked } = fakeScan(10_000);
  const slot = controlSlot(new OpControl());
  const it = scanInput(source, slot)[Symbol.iterator]();
  assertEquals(take(it, 3000), 3000);
  assertEquals(Math.max(...asked), SCAN_CHUNK_MAX);
  let waiting = true;
  const uninstall = setRequestsWaiting(() => waiting);
  try {
    const from = asked.length;
    assertEquals(take(it, 3000), 3000);
    assertEquals(Math.max(...asked.slice(from)), SCAN_CHUNK_CONTENDED);
    waiting = false;
    assertEquals(take(it, 3000), 3000);
    assertEquals(asked.at(-1), SCAN_CHUNK_MAX);
  } finally {
    uninstall();
  }
});

Deno.test("PipelineSource: a batch never passes its byte limit; the document that would opens the next batch", async () => {
  const docs = Array.from({ length: 7 }, (_, i) => ({ _id: i, pad: "p".repeat(1000) })); // ~1,020 bytes each
  const src = new PipelineSource(docs, () => {});
  const ctl = new OpControl();
  const sizes: number[] = [];
  const ids: unknown[] = [];
  for (let round = 0; round < 10; round++) {
    const { docs: batch, done } = await src.nextBatch(100, 3_500, ctl);
    sizes.push(batch.reduce((n, b) => n + b.length + 8, 0));
    for (const b of batch) ids.push(new DataView(b.buffer, b.byteOffset).getInt32(4 + 1 + 4, true));
    if (done) break;
  }
  assertEquals(sizes.every((n) => n <= 3_500), true);
  assertEquals(sizes.length, 3); // 3 + 3 + 1 documents
  assertEquals(ids, [0, 1, 2, 3, 4, 5, 6]);
  // one document larger than the limit still goes alone
  const big = new PipelineSource([{ _id: 0, pad: "q".repeat(5000) }, { _id: 1 }], () => {});
  const first = await big.nextBatch(100, 3_500, ctl);
  assertEquals([first.docs.length, first.done], [1, false]);
  const second = await big.nextBatch(100, 3_500, ctl);
  assertEquals([second.docs.length, second.done], [1, true]);
});

Deno.test("PipelineSource: a large batch's packed documents are freed by release(); the held one is a copy", async () => {
  const docs = Array.from({ length: 600 }, (_, i) => ({ _id: i, pad: "p".repeat(1000) })); // ~600 KB
  const src = new PipelineSource(docs, () => {});
  const ctl = new OpControl();
  const first = await src.nextBatch(Infinity, 400_000, ctl);
  const n = first.docs.length;
  assertEquals(typeof first.release, "function"); // past PACK_BATCH_AT, documents were packed
  const last = first.docs[n - 1]!;
  assertEquals(last.length > 1000, true);
  first.release!();
  assertEquals(last.length, 0); // its chunk is freed
  assertEquals(first.docs[0]!.length > 1000, true); // the first 256 KiB are documents of their own
  const second = await src.nextBatch(Infinity, 400_000, ctl);
  // the document held back from the first batch opens the second, intact
  assertEquals(new DataView(second.docs[0]!.buffer, second.docs[0]!.byteOffset).getInt32(4 + 1 + 4, true), n);
  assertEquals(second.done, true);
  // a small batch has nothing packed
  const small = await new PipelineSource([{ _id: 1 }], () => {}).nextBatch(10, 1000, ctl);
  assertEquals(small.release, undefined);
});
