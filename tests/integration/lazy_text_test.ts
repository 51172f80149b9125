/**
 * Through the real Node driver, against fresh server processes with no background warm-up: the
 * text-search packages (src/keys/text_language.ts) load only before a command that can create a text
 * index — createIndexes, or applyOps running one — or at start when a text index exists
 * (src/commands/dispatch.ts), not before every first command. Whatever stems afterwards finds them: a
 * text index made either way keys the writes and answers `$text`, and so does a restarted server's
 * first command; a `$text` before any text index exists is still 27 IndexNotFound.
 */
import assert from "node:assert/strict";
import { type Db, MongoClient, MongoServerError } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const DOCS = [
  { _id: 1, t: "running dogs" },
  { _id: 2, t: "a quiet cat" },
];

/** Writes after the text index exists are keyed (stemmed): `$text` finds them by a word's stem. */
async function searchable(db: Db): Promise<void> {
  const c = db.collection<AnyDoc>("c");
  await c.insertOne({ _id: 3, t: "the dog runs" });
  await c.updateOne({ _id: 2 }, { $set: { t: "quietly running cats" } });
  const hits = await c.find({ $text: { $search: "run" } }, { projection: { _id: 1 } }).sort({ _id: 1 })
    .toArray();
  assert.deepEqual(hits, [{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
}

Deno.test({
  name: "text packages: loaded by createIndexes, and at start when a text index exists; not before",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "secantus-lazy-text-" });
    try {
      const first = await spawnServer({ dataDir, args: ["--no-warm-up"] });
      let client = new MongoClient(first.uri);
      try {
        const db = client.db("lazy");
        await db.collection<AnyDoc>("c").insertMany(DOCS);
        assert.equal((await db.collection("c").find({ t: /dogs/ }).toArray()).length, 1);
        await assert.rejects(
          () => db.collection("c").find({ $text: { $search: "dogs" } }).toArray(),
          (e: unknown) => e instanceof MongoServerError && e.code === 27 && e.codeName === "IndexNotFound",
        );
        // the build stems the documents already there
        await db.collection("c").createIndex({ t: "text" });
        await searchable(db);
      } finally {
        await client.close();
        await first.stop(undefined, { keepData: true });
      }
      const second = await spawnServer({ dataDir, args: ["--no-warm-up"] });
      client = new MongoClient(second.uri);
      try {
        const c = client.db("lazy").collection<AnyDoc>("c");
        // a write first: its text keys stem before any query asked for the packages
        await c.insertOne({ _id: 4, t: "runner" });
        assert.deepEqual(await c.find({ $text: { $search: "dog" } }, { projection: { _id: 1 } }).toArray(), [
          { _id: 1 },
          { _id: 3 },
        ]);
      } finally {
        await client.close();
        await second.stop();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "text packages: loaded by applyOps running a createIndexes of a text index",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer({ args: ["--no-warm-up"] });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("lazy");
      await db.collection<AnyDoc>("c").insertMany(DOCS);
      const reply = await client.db("admin").command({
        applyOps: [{
          op: "c",
          ns: "lazy.$cmd",
          o: { createIndexes: "c", key: { t: "text" }, name: "t_text", v: 2 },
        }],
      });
      assert.equal(reply["ok"], 1);
      await searchable(db);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
