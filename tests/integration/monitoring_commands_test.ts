/**
 * The commands monitoring agents call beside serverStatus, through the Node driver: connPoolStats (no
 * outgoing pools), shardingState (not a shard), lockInfo (no lock manager: nothing held).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "connPoolStats, shardingState and lockInfo answer as a one-member mongod without outgoing connections",
  async (client) => {
    const admin = client.db("admin");
    const pools = await admin.command({ connPoolStats: 1 });
    assert.equal(pools.ok, 1);
    assert.equal(pools.totalInUse, 0);
    assert.equal(pools.totalCreated, 0);
    assert.deepEqual(pools.hosts, {});
    assert.deepEqual(pools.replicaSets, {});
    const sharding = await admin.command({ shardingState: 1 });
    assert.equal(sharding.enabled, false);
    assert.equal(sharding.ok, 1);
    const locks = await admin.command({ lockInfo: 1, includeStorageEngineDump: true });
    assert.deepEqual(locks.lockInfo, []);
    assert.equal((await client.db("t").command({ lockInfo: 1 }).catch((e) => e)).code, 13);
    assert.equal((await admin.command({ connPoolStats: 1, x: 1 }).catch((e) => e)).code, 40415);
  },
);
