/**
 * `[server] io_spin_us` (ffi/wiredtiger/shim/io_loop.c sct_io_spin): after answering a request itself the
 * frame I/O thread polls its sockets that long before it sleeps. serverStatus `secantus.ioThread.spinMicros`
 * reports the value in effect (0 when off, or on a single-CPU machine), `cushionBytes` the block the thread
 * faults in for its next requests when it goes idle (io_loop.c io_cushion); with polling on or off, requests
 * answered there and by the command layer, back to back and after pauses longer than the window, get the
 * same answers.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { MALLOC_TUNING } from "../../ffi/libc/malloc.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const CPUS = navigator.hardwareConcurrency;

async function exercise(spin: number): Promise<void> {
  const d = defaultConfig();
  const server = await startServer({
    config: { ...d, server: { ...d.server, port: 0, storagePath: ":memory:", ioSpinMicros: spin } },
  });
  const client = new MongoClient(`mongodb://127.0.0.1:${server.port}/?directConnection=true`);
  try {
    const status = await client.db("admin").command({ serverStatus: 1 });
    const io = status["secantus"]["ioThread"];
    assert.equal(io["spinMicros"], CPUS >= 2 ? spin : 0, `${CPUS} CPUs`);
    // startServer set glibc's trim threshold, under which the idle cushion stays resident
    assert.equal(io["cushionBytes"], Deno.build.os === "linux" ? MALLOC_TUNING.ioCushionBytes : 0);
    const coll = client.db("s").collection<AnyDoc>("c");
    await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: i, n: 0 })));
    await coll.findOne({ _id: 0 }); // registers the collection for the I/O thread's finds
    await coll.updateOne({ _id: 0 }, { $inc: { n: 0 } }); // ... and its updates
    const before = Number(status["secantus"]["ioThread"]["finds"]);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(await coll.findOne({ _id: i }), { _id: i, n: round });
        await coll.updateOne({ _id: i }, { $inc: { n: 1 } });
      }
      // the command layer's request inside the window, then a pause longer than it
      assert.equal(await coll.countDocuments({ n: round + 1 }), 20);
      await new Promise((r) => setTimeout(r, 5));
    }
    const after = await client.db("admin").command({ serverStatus: 1 });
    assert.ok(
      Number(after["secantus"]["ioThread"]["finds"]) - before >= 60,
      "finds answered by the I/O thread",
    );
  } finally {
    await client.close();
    await server.stop();
  }
}

Deno.test("io_spin_us: the I/O thread polls after its own answers, or never with 0; answers unchanged", async () => {
  await exercise(50);
  await exercise(0);
});
