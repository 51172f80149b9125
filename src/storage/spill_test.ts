import assert from "node:assert/strict";
import { SpillFiles } from "./spill.ts";

Deno.test("spill runs: read back in order through a small read buffer, a document bigger than it, file deleted", () => {
  const files = new SpillFiles(":memory:");
  try {
    const run = files.newRun();
    const docs = Array.from({ length: 300 }, (_, i) => ({ i, s: "x".repeat(i === 150 ? 200_000 : 1000) }));
    for (const d of docs) run.append(d);
    run.finish();
    run.finish(); // idempotent: the write buffer is already freed
    const out = [...run.read(1)]; // asks for less than the smallest buffer: gets 64 KiB
    assert.deepEqual(out, docs);
    assert.equal(files.stats.runs, 1);
    const again = files.newRun();
    again.append({ a: 1 });
    const it = again.readBytes(100_000);
    assert.equal(it.next().done, false);
    it.return(undefined); // a merge that stops early still deletes the file
    assert.deepEqual([...again.readBytes()], []);
  } finally {
    files.close();
  }
});
