/**
 * An in-memory server whose storage cache fills: writes are refused with 146 ExceededMemoryLimit
 * (nothing applied), while drops still run (the catalog and the oplog are exempt from the cache
 * limit, as mongod's metadata tables) and free the space for later writes.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";

Deno.test({
  name: "in memory, a full cache refuses writes with 146 while drops run and free it",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const base = defaultConfig();
    const server = await startServer({
      port: 0,
      storagePath: ":memory:",
      logLevel: "ERROR",
      config: { ...base, storage: { ...base.storage, cacheSizeBytes: 96 << 20 } },
    });
    const client = new MongoClient(server.uri);
    try {
      // the oplog's byte cap (a quarter of the cache) is the size listCollections gives it
      const [listed] = await client.db("local").listCollections({ name: "oplog.rs" }).toArray();
      assert.equal((listed as { options?: { size?: number } }).options?.size, (96 << 20) / 4);
      const coll = client.db("fill").collection("c");
      const s = "x".repeat(1 << 20);
      let n = 0;
      let code: unknown;
      for (; n < 500; n++) {
        try {
          await coll.insertOne({ s, n });
        } catch (e) {
          code = (e as { code?: unknown }).code;
          break;
        }
      }
      assert.equal(code, 146, `inserted ${n} x 1 MB`);
      assert.equal(await coll.countDocuments(), n); // the refused insert left nothing
      assert.equal(await coll.drop(), true);
      await client.db("fill").dropDatabase();
      // the dropped tables' memory comes back once the snapshot history passes them (a few seconds)
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        ok = await client.db("other").collection("x").insertOne({ s }).then(() => true, () => false);
        if (!ok) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(ok, "writes work again after the drop");
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
