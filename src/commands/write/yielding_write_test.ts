import assert from "node:assert/strict";
import { RecordIds } from "./yielding_write.ts";

Deno.test("RecordIds keeps record ids in order across chunks", () => {
  const ids = new RecordIds();
  const n = RecordIds.CHUNK * 2 + 5;
  for (let i = 0; i < n; i++) ids.push(BigInt(i * 3 + 1));
  assert.equal(ids.length, n);
  assert.equal(ids.at(0), 1n);
  assert.equal(ids.at(RecordIds.CHUNK), BigInt(RecordIds.CHUNK * 3 + 1));
  assert.equal(ids.at(n - 1), BigInt((n - 1) * 3 + 1));
});
