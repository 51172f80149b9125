/**
 * `secantusAdmin.pruneTtl` through the driver: one TTL pass on demand removes every expired document
 * (thousands, over several batches) and keeps live ones, while another client keeps being answered;
 * bad arguments are refused with mongod's codes.
 */
import assert from "node:assert/strict";
import { MongoServerError } from "mongodb";
import { startBackgroundPings } from "./helpers/background_pings.ts";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "secantusAdmin.pruneTtl removes expired documents now, in batches, while others are served",
  async (client, server) => {
    const c = client.db("ttl").collection<{ _id: number; at: Date }>("events");
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 3600 });
    const old = new Date(Date.now() - 2 * 3600_000);
    await c.insertMany(Array.from({ length: 5_000 }, (_, i) => ({ _id: i, at: old })));
    await c.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: 10_000 + i, at: new Date() })));
    const pinger = startBackgroundPings(server.uri);
    try {
      const r = await client.db("admin").command({ "secantusAdmin.pruneTtl": 1 });
      const { pings } = await pinger.stop();
      assert.equal(r.removed, 5_000);
      assert.ok(pings >= 1);
      assert.equal(await c.countDocuments(), 5);
      assert.equal((await client.db("admin").command({ "secantusAdmin.pruneTtl": 1 })).removed, 0);
      await assert.rejects(
        client.db("admin").command({ "secantusAdmin.pruneTtl": 1, bogus: 1 }),
        (e: unknown) => e instanceof MongoServerError && e.code === 40415,
      );
    } finally {
      await pinger.stop();
    }
  },
);
