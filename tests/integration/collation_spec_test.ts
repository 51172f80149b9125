/**
 * Collations are reported back as mongod 8.0 reports them: the full ICU spec (locale, caseLevel,
 * caseFirst, strength, numericOrdering, alternate, maxVariable, normalization, backwards, version
 * "57.1") with the locale's own defaults, in listCollections options (views too) and listIndexes;
 * `{locale: "simple"}` as no collation; invalid ones refused
 * with mongod's codes — through the Node driver.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";

const full = (locale: string, over: AnyDoc = {}) => ({
  locale,
  caseLevel: false,
  caseFirst: "off",
  strength: 3,
  numericOrdering: false,
  alternate: "non-ignorable",
  maxVariable: "punct",
  normalization: false,
  backwards: false,
  version: "57.1",
  ...over,
});

Deno.test({
  name: "collations are listed as mongod's full ICU spec",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("collspec");
    try {
      await db.createCollection("fr", { collation: { locale: "fr_CA" } });
      const [info] = await db.listCollections({ name: "fr" }).toArray() as AnyDoc[];
      assert.deepEqual(info.options.collation, full("fr_CA", { backwards: true }));
      // an index with no collation inherits the default; one naming another keeps its own
      await db.collection("fr").createIndex({ a: 1 });
      await db.collection("fr").createIndex({ b: 1 }, { collation: { locale: "en_US", strength: 2 } });
      await db.collection("fr").createIndex({ c: 1 }, { collation: { locale: "simple" } });
      const ix = Object.fromEntries((await db.collection("fr").indexes()).map((i) => [i.name, i])) as AnyDoc;
      assert.deepEqual(ix["a_1"].collation, full("fr_CA", { backwards: true }));
      assert.deepEqual(ix["b_1"].collation, full("en_US", { strength: 2 }));
      assert.equal("collation" in ix["c_1"], false);
      // a query with the short form uses the index built with the full form
      const plan = await db.collection("fr").find({ b: "x" }).collation({ locale: "en_US", strength: 2 })
        .explain() as AnyDoc;
      assert.match(JSON.stringify(plan.queryPlanner.winningPlan), /IXSCAN/);

      await db.createCollection("plain", { collation: { locale: "simple" } });
      const [plain] = await db.listCollections({ name: "plain" }).toArray() as AnyDoc[];
      assert.equal("collation" in plain.options, false);

      await db.createCollection("da", { collation: { locale: "da" } });
      const [da] = await db.listCollections({ name: "da" }).toArray() as AnyDoc[];
      assert.equal(da.options.collation.caseFirst, "upper");

      await db.createCollection("v", { viewOn: "fr", pipeline: [], collation: { locale: "th" } });
      const [v] = await db.listCollections({ name: "v" }).toArray() as AnyDoc[];
      assert.deepEqual(v.options.collation, full("th", { alternate: "shifted", normalization: true }));

      assert.equal(await code(db.createCollection("bad1", { collation: { locale: "xx" } })), 2);
      assert.equal(
        await code(db.createCollection("bad2", { collation: { locale: "en", blah: 1 } as AnyDoc })),
        9,
      );
      assert.equal(
        await code(db.createCollection("bad3", { collation: { locale: "en", version: "1" } as AnyDoc })),
        161,
      );
      assert.equal(await code(db.collection("fr").find({}).collation({ locale: "en-US" }).toArray()), 2);
      assert.equal(await code(db.collection("fr").createIndex({ d: 1 }, { collation: { locale: "zz" } })), 2);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
