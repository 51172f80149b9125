/**
 * Behaviours the MikroORM and TypeORM test suites (run against us; docs/driver_suites.md) expect of mongod:
 * `unique` and `sparse` are part of an index's signature (mongod 5.0+, SERVER-47657) — indexes on one key
 * that differ in them coexist, and the same name with another signature is 86 — and listIndexes shows a
 * `sparse: false` that was given.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest(
  "index signature: unique and sparse distinguish indexes on one key; sparse: false is kept",
  async (client) => {
    const c = client.db("orm").collection<AnyDoc>("c");
    await c.createIndex({ x: 1 }, { name: "x_plain" });
    await c.createIndex({ x: 1 }, { name: "x_uniq", unique: true });
    await c.createIndex({ s: 1 }, { name: "s_plain" });
    await c.createIndex({ s: 1 }, { name: "s_sparse", sparse: true });
    assert.deepEqual((await c.indexes()).map((i) => i.name), [
      "_id_",
      "x_plain",
      "x_uniq",
      "s_plain",
      "s_sparse",
    ]);
    // the same (auto-generated) name with another signature: 86 and mongod's words
    await c.createIndex({ e: 1 });
    const e: AnyDoc = await c.createIndex({ e: 1 }, { unique: true }).then(() => assert.fail(), (x) => x);
    assert.equal(e.code, 86);
    assert.match(
      e.message,
      /^An existing index has the same name as the requested index\. When index names are not specified/,
    );
    // the same signature again is a no-op; absent and false flags are the same (SERVER-91562)
    await c.createIndex({ x: 1 }, { name: "x_plain", unique: false });
    const same: AnyDoc = await c.createIndex({ x: 1 }, { name: "other", unique: true }).then(
      () => assert.fail(),
      (x) => x,
    );
    assert.equal(same.code, 85);
    // the unique one is enforced, the plain one is not in its way
    await c.insertOne({ x: 1 });
    assert.equal((await c.insertOne({ x: 1 }).then(() => assert.fail(), (x) => x)).code, 11000);
    // listIndexes echoes a given sparse: false (unique: false is dropped, as mongod's _fixIndexSpec does)
    await c.createIndex({ a: 1 }, { unique: true, sparse: false });
    await c.createIndex({ d: 1 }, { unique: false });
    const byName = Object.fromEntries((await c.indexes()).map((i) => [i.name, i]));
    assert.equal(byName["a_1"]!.sparse, false);
    assert.equal(byName["a_1"]!.unique, true);
    assert.equal("unique" in byName["d_1"]!, false);
  },
);
