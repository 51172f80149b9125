import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON } from "bson";
import { QuerySortBuffer } from "./query_sort.ts";
import { Row } from "./rows.ts";
import type { CompiledQuery, ExecStats } from "./compiled_query.ts";
import { compileSortKeys } from "../engine/mod.ts";

type Doc = Record<string, unknown>;

function sortAll(docs: Doc[], skip: number, limit: number, cap?: number, keyed = false): number[] {
  const q = {
    sort: (a: Doc, b: Doc) => (a["x"] as number) - (b["x"] as number),
    ...(keyed ? { sortKeys: compileSortKeys({ x: 1 }) } : {}),
    readFields: null,
    skip,
    limit,
    rowMeta: false,
    ...(cap !== undefined ? { sortMemoryLimit: cap } : {}),
  } as unknown as CompiledQuery;
  const buf = new QuerySortBuffer(q, { keysExamined: 0, docsExamined: 0, nReturned: 0 } as ExecStats);
  docs.forEach((d, i) => buf.add(new Row(BigInt(i), BSON.serialize(d))));
  let sorted;
  while (!(sorted = buf.finish())) { /* (a big sort: one chunk per call) */ }
  const out: number[] = [];
  for (let r = sorted.peek(); r; sorted.advance(), r = sorted.peek()) out.push(r.view(null)["i"] as number);
  return limit > 0 ? out.slice(0, skip + limit) : out;
}

Deno.test("QuerySortBuffer: a limited sort keeps the best skip + limit rows, ties in input order", () => {
  let seed = 3;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const docs = Array.from({ length: 3000 }, (_, i) => ({ x: rnd(50), i }));
  const full = sortAll(docs, 0, 0);
  for (const [skip, limit] of [[0, 1], [0, 10], [5, 20], [0, 3000], [100, 2950], [0, 20_000]]) {
    assertEquals(sortAll(docs, skip!, limit!), full.slice(0, skip! + limit!), `skip ${skip} limit ${limit}`);
  }
  // past the memory limit the kept rows go to the whole sort (which refuses without a spill): same order below it
  assertEquals(sortAll(docs, 0, 10, 1 << 20), full.slice(0, 10));
  // the same with each row's key computed once (compiled_query.ts sortKeys)
  for (const [skip, limit] of [[0, 1], [5, 20], [100, 2950]]) {
    assertEquals(sortAll(docs, skip!, limit!, undefined, true), full.slice(0, skip! + limit!));
  }
  assertEquals(sortAll(docs, 0, 10, 1 << 20, true), full.slice(0, 10));
});
