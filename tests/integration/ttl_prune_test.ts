/**
 * `secantusAdmin.pruneTtl` through the driver: one TTL pass on demand removes every expired document
 * (thousands, over several batches) and keeps live ones, while another client keeps being answered;
 * bad arguments are refused with mongod's codes. setParameter `ttlMonitorSleepSecs` / `ttlMonitorEnabled` set
 * the monitor's period and switch at run time.
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

serverTest(
  "setParameter ttlMonitorSleepSecs / ttlMonitorEnabled: the TTL monitor's period and switch",
  async (client) => {
    const admin = client.db("admin");
    const c = client.db("ttlm").collection<{ _id: number; at: Date }>("e");
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 0 });
    const params = await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1, ttlMonitorEnabled: 1 });
    assert.deepEqual([params.ttlMonitorSleepSecs, params.ttlMonitorEnabled], [60, true]);
    // off: nothing expires however short the period
    assert.equal((await admin.command({ setParameter: 1, ttlMonitorEnabled: false })).was, true);
    assert.equal((await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 })).was, 60);
    await c.insertOne({ _id: 1, at: new Date(Date.now() - 1000) });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await c.countDocuments(), 1);
    // on, every second: gone within a few seconds
    await admin.command({ setParameter: 1, ttlMonitorEnabled: true });
    const deadline = Date.now() + 10_000;
    while (await c.countDocuments() > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(await c.countDocuments(), 0);
    await assert.rejects(
      admin.command({ setParameter: 1, ttlMonitorSleepSecs: 0 }),
      (e: unknown) => e instanceof MongoServerError && e.code === 2,
    );
    await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 60 });
  },
);
