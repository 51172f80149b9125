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

Deno.test("spill runs: bytesWritten counts every byte that reaches the files, whatever the write buffer", () => {
  const files = new SpillFiles(":memory:");
  try {
    const docs = Array.from({ length: 5000 }, (_, i) => ({ _id: i, k: i + 0.5 }));
    const sizes: number[] = [];
    for (const wb of [undefined, 64 * 1024, 1]) {
      const before = files.stats.bytesWritten;
      const run = files.newRun(wb);
      for (const d of docs) run.append(d);
      const big = new Uint8Array(200_000);
      new DataView(big.buffer).setInt32(0, big.length, true);
      run.appendBytes(big); // bigger than the write buffer: written straight through
      run.finish();
      sizes.push(files.stats.bytesWritten - before);
      assert.equal(run.bytes, files.stats.bytesWritten - before);
    }
    // 5000 documents of 25 bytes ({_id: int32, k: double}) and one of 200,000
    assert.deepEqual(sizes, [325_000, 325_000, 325_000]);
    assert.equal(files.stats.runs, 3);
  } finally {
    files.close();
  }
});
