/**
 * Through the real Node driver: the partial filter compiler loads on first use
 * (src/engine/query/partial_filter_loader.ts), and the server's own background work still finds it.
 * A restarted server whose data has a partial TTL index expires its documents with no command sent but
 * the driver's handshake (the compiler loads at start when an index needs it), and keeps the documents
 * the partial filter leaves out.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

Deno.test({
  name: "a partial TTL index on disk: after a restart the sweeper expires documents before any command",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-lazy-pfe-" });
    try {
      // TTL passes every second (the default is a minute); config file in the server's cwd
      await Deno.writeTextFile(`${work}/secantusdb.toml`, "[storage]\nttl_sweep_seconds = 1\n");
      const dataDir = `${work}/data`;
      const first = await spawnServer({ dataDir, cwd: work, args: ["--no-warm-up"] });
      const client = new MongoClient(first.uri);
      try {
        const c = client.db("lazy").collection<{ _id: number; kind: string; at: Date }>("events");
        // expires an hour after `at`: nothing is old enough yet while this server runs
        await c.createIndex({ at: 1 }, {
          expireAfterSeconds: 3600,
          partialFilterExpression: { kind: "temp" },
        });
        const old = new Date(Date.now() - 2 * 3600_000);
        await c.insertMany([
          { _id: 1, kind: "temp", at: old },
          { _id: 2, kind: "temp", at: old },
          { _id: 3, kind: "keep", at: old },
        ]);
      } finally {
        await client.close();
        assert.equal(await first.stop("SIGTERM", { keepData: true }), 0, first.output());
      }

      const second = await spawnServer({ dataDir, cwd: work, args: ["--no-warm-up"] });
      const client2 = new MongoClient(second.uri);
      try {
        await client2.connect(); // the handshake only: no command that would load the compiler
        await new Promise((r) => setTimeout(r, 3_500)); // a few sweeper passes
        const c = client2.db("lazy").collection("events");
        assert.deepEqual((await c.find().toArray()).map((d) => d["_id"]), [3]);
        assert.doesNotMatch(second.output(), /before loadPartialFilterCompiler/);
      } finally {
        await client2.close();
        assert.equal(await second.stop(), 0, second.output());
      }
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
