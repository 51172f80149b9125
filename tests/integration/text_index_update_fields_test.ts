/**
 * Updates on a collection with a text index recompute its entries only when they change a field it
 * reads (executor/index_reads.ts: its weighted fields, its language override, its other key fields),
 * through the Node driver: after random updateMany / updateOne of read and unread fields (the
 * override's language changing the stems), `$text` answers — documents and scores — what the same
 * documents inserted afresh into a second collection answer, and validate finds the index whole.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

const WORDS = ["running", "runs", "coffee", "cafés", "corriendo", "casas", "houses", "the", "leche", "shops"];
const LANGS = ["english", "spanish", "none"];

Deno.test({
  name:
    "text index: updates of the fields it reads re-key it, updates of others leave it as a fresh insert's",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("textupd");
      const a = db.collection<AnyDoc>("a");
      const b = db.collection<AnyDoc>("b");
      const index = {
        key: { cat: 1, txt: "text", "meta.title": "text" },
        weights: { txt: 1, "meta.title": 3 },
        language_override: "lang",
        name: "t",
      } as const;
      for (const c of [a, b]) {
        await c.createIndexes([{
          key: index.key,
          weights: index.weights,
          language_override: "lang",
          name: "t",
        }]);
      }
      let seed = 11;
      const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
      await a.insertMany(Array.from({ length: 200 }, (_, i) => ({
        _id: i,
        cat: i % 3,
        txt: words(4),
        meta: { title: words(2), n: i },
        lang: pick(LANGS),
        z: 0,
      })));
      for (let k = 0; k < 60; k++) {
        const lo = Math.floor(rnd() * 200);
        const filter = { _id: { $gte: lo, $lt: lo + 30 } };
        const r = rnd();
        const update = r < 0.3
          ? { $inc: { z: 1 } } // (no field it reads)
          : r < 0.45
          ? { $set: { other: words(2) } }
          : r < 0.6
          ? { $set: { lang: pick(LANGS) } } // (the override: other stems)
          : r < 0.75
          ? { $set: { txt: words(3) } }
          : r < 0.85
          ? { $set: { "meta.title": words(2) } }
          : r < 0.92
          ? { $set: { "meta.n": k } } // (under a weighted field's top-level name, not itself weighted)
          : { $set: { cat: k % 4 } }; // (a key field)
        if (rnd() < 0.5) await a.updateMany(filter, update);
        else await a.updateOne({ _id: lo }, update);
      }
      await b.insertMany(await a.find({}).sort({ _id: 1 }).toArray());
      for (const search of ["run", "coffee", "cafe", "casa", "house leche", "corr", "shop"]) {
        for (const cat of [0, 1, 2, 3]) {
          const q = { cat, $text: { $search: search } };
          const found = await Promise.all(
            [a, b].map((c) =>
              c.find(q, { projection: { _id: 1, s: { $meta: "textScore" } } }).sort({ _id: 1 }).toArray()
            ),
          );
          assert.deepEqual(found[0], found[1], `${search} in cat ${cat}`);
        }
      }
      const v = await db.command({ validate: "a", full: true });
      assert.equal(v["valid"], true, JSON.stringify(v));
      const stats = await Promise.all(
        [a, b].map((c) => c.aggregate([{ $indexStats: {} }, { $match: { name: "t" } }]).toArray()),
      );
      assert.equal(stats[0]!.length, 1);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
