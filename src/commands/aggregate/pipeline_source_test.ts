import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { QuerySource } from "../../executor/query.ts";
import { OpControl } from "../../observability/op_control.ts";
import { controlSlot, SCAN_CHUNK_MAX, scanInput } from "./pipeline_source.ts";

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
