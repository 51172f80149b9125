/**
 * planCacheClear through the Node driver and mongosh's `getPlanCache()`: a collection's cached plans (as
 * `$planCacheStats` lists them) are forgotten whole or one query shape at a time; mongod's refusals.
 */
import assert from "node:assert/strict";
import type { Db } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { MONGOSH, runMongosh } from "./helpers/mongosh.ts";

/** The filters of the cached shapes of `coll` (`$planCacheStats`), as JSON, sorted. */
async function cachedShapes(db: Db, coll: string): Promise<string[]> {
  const docs = await db.collection(coll).aggregate([{ $planCacheStats: {} }]).toArray();
  return docs.map((d) => JSON.stringify(d["createdFromQuery"].query)).sort();
}

/** Two indexes both able to answer `{a, b}` and `{a, c}` filters: a plan is ranked, so it is cached. */
async function seed(db: Db): Promise<void> {
  const c = db.collection("c");
  await c.insertMany(Array.from({ length: 200 }, (_, i) => ({ a: i % 10, b: i % 7, c: i % 3 })));
  await c.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 } }]);
  await c.find({ a: 1, b: 2 }).toArray();
  await c.find({ a: 1, c: 2 }).toArray();
  await c.find({ b: 1, c: 2 }).sort({ a: 1 }).toArray();
}

serverTest(
  "planCacheClear: one query shape, then the whole collection; refusals as mongod",
  async (client) => {
    const db = client.db("pc");
    await seed(db);
    assert.equal((await cachedShapes(db, "c")).length, 3);

    // another values, same shape: that shape's plan goes, the others stay
    assert.equal((await db.command({ planCacheClear: "c", query: { a: 9, b: 5 } })).ok, 1);
    assert.deepEqual(await cachedShapes(db, "c"), [
      `{"a":"number","c":"number"}`,
      `{"b":"number","c":"number"}`,
    ]);
    // a shape with a sort is named with its sort
    await db.command({ planCacheClear: "c", query: { b: 0, c: 0 } });
    assert.equal((await cachedShapes(db, "c")).length, 2);
    await db.command({ planCacheClear: "c", query: { b: 0, c: 0 }, sort: { a: 1 } });
    assert.deepEqual(await cachedShapes(db, "c"), [`{"a":"number","c":"number"}`]);
    // no query: everything of the collection
    await db.command({ planCacheClear: "c" });
    assert.deepEqual(await cachedShapes(db, "c"), []);

    const noQuery = await db.command({ planCacheClear: "c", sort: { a: 1 } }).catch((e) => e);
    assert.equal(noQuery.code, 2);
    assert.equal(noQuery.message, "sort, projection, or collation provided without query");
    const badFilter = await db.command({ planCacheClear: "c", query: { $bogus: 1 } }).catch((e) => e);
    assert.equal(badFilter.code, 2);
    const badType = await db.command({ planCacheClear: "c", query: 5 }).catch((e) => e);
    assert.equal(badType.code, 14);
    const unknown = await db.command({ planCacheClear: "c", hint: { a: 1 } }).catch((e) => e);
    assert.equal(unknown.code, 40415);
    assert.equal((await db.command({ planCacheClear: "absent" })).ok, 1);
    // the cache fills again and answers as before
    assert.equal((await db.collection("c").find({ a: 1, b: 2 }).toArray()).length, 3);
    assert.equal((await cachedShapes(db, "c")).length, 1);
  },
);

serverTest(
  "planCacheClear: mongosh's getPlanCache().clearPlansByQuery() and clear()",
  async (client, server) => {
    if (!MONGOSH) throw new Error("mongosh is not installed (scripts/setup.sh installs it)");
    const db = client.db("pcsh");
    await seed(db);
    const out = await runMongosh(
      server.uri,
      `const pc = db.getSiblingDB("pcsh").c.getPlanCache();
     print("LIST " + pc.list().length);
     pc.clearPlansByQuery({ a: 3, b: 4 });
     print("AFTER-ONE " + pc.list().length);
     pc.clear();
     print("AFTER-ALL " + pc.list().length);`,
    );
    assert.match(out, /LIST 3/);
    assert.match(out, /AFTER-ONE 2/);
    assert.match(out, /AFTER-ALL 0/);
  },
);
