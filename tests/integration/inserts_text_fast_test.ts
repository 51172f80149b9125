/**
 * Inserts into a collection with a text index answered by the frame I/O thread
 * (ffi/wiredtiger/shim/io_fast_text.c: the terms of words the command layer has stemmed before, their
 * scores and entries made there): the same random inserts (texts of known and new words, stop words,
 * apostrophes, capitals, digits, non-ASCII words, a language override, values that are not strings) and
 * deletes sent to a server with the I/O thread's writes and one without get the same replies (17261
 * included) and leave the same documents, the same index entries (validate recomputes every entry with
 * the command layer's key generator and compares the bytes) and the same `$text` answers and scores; the
 * I/O thread made most of the inserts. Also the Node driver's insertOne.
 */
import assert from "node:assert/strict";
import { BSON, Int32 } from "bson";
import { MongoClient } from "mongodb";
import { found, rng, sameReplies, type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const ioInserts = (status: Doc) => Number(((status["secantus"] as Doc)["ioThread"] as Doc)["inserts"]);

const WORDS = [
  "the",
  "The",
  "and",
  "apple",
  "Apples",
  "running",
  "runs",
  "quickly",
  "fox's",
  "don't",
  "dogs'",
  "cherries",
  "x42",
  "2026",
  "generously",
  "nationalization",
  "a",
  "I",
  "café",
  "naïve",
];

function text(r: () => number, i: number): string {
  const n = Math.floor(r() * 12);
  const seps = [" ", " ", ", ", ". ", " - ", "\n", "  "];
  let s = "";
  for (let k = 0; k < n; k++) {
    const w = r() < 0.03 ? `new${i}w${k}` : WORDS[Math.floor(r() * WORDS.length)]!;
    s += (k ? seps[Math.floor(r() * seps.length)] : "") + w;
  }
  return s;
}

function insertOf(coll: string, i: number, r: () => number): Doc {
  const doc: Doc = { _id: r() < 0.92 ? i : Math.floor(r() * i), a: new Int32(i % 7) };
  const k = r();
  if (k < 0.85) doc["txt"] = text(r, i);
  else if (k < 0.88) doc["txt"] = new Int32(5); // not a string: no entry, the command layer's
  else if (k < 0.9) doc["txt"] = ["apple", "runs"];
  else if (k < 0.92) {
    doc["txt"] = text(r, i);
    doc["lang"] = r() < 0.5 ? "spanish" : 3; // the override: the command layer's (17261 for a number)
  } else if (k < 0.94) doc["txt"] = "apple";
  // (else no text at all)
  return { insert: coll, documents: [doc], $db: "x" };
}

async function textAnswers(s: WriteSide, coll: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const search of ["apple", "run", "cherry fox", '"quickly"', "nationalization -dogs", "cafe", "2026"]) {
    const docs = await found(s, {
      find: coll,
      filter: { $text: { $search: search } },
      projection: { score: { $meta: "textScore" } },
      sort: { _id: 1 },
      $db: "x",
    });
    out.push(docs.map((d) => Buffer.from(d).toString("hex")));
  }
  return out;
}

Deno.test({
  name:
    "inserts with a text index: the I/O thread's replies, documents, index entries and $text answers are " +
    "the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await writeSide(true), await writeSide(false)];
    try {
      for (const s of sides) {
        await s.ask({
          createIndexes: "t",
          indexes: [{ key: { txt: "text" }, name: "txt_text", language_override: "lang" }, {
            key: { a: 1 },
            name: "a_1",
          }],
          $db: "x",
        });
        await s.ask({
          createIndexes: "w",
          indexes: [{ key: { txt: "text" }, name: "txt_w", weights: { txt: 3 } }],
          $db: "x",
        });
      }
      const r = rng(17);
      for (let i = 0; i < 2500; i++) {
        const coll = r() < 0.6 ? "t" : "w";
        const q = r() < 0.9
          ? insertOf(coll, i, r)
          : { delete: coll, deletes: [{ q: { _id: Math.floor(r() * i) }, limit: 1 }], $db: "x" };
        await sameReplies(sides, q, `request ${i}`, r() < 0.3);
      }
      for (const c of ["t", "w"]) {
        const all = await Promise.all(sides.map((s) => found(s, { find: c, $db: "x" })));
        assert.deepEqual(all[0], all[1], c);
        const keys = [];
        for (const s of sides) {
          const v = await s.ask({ validate: c, full: true, $db: "x" });
          assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
          keys.push(BSON.EJSON.serialize(v["keysPerIndex"]));
        }
        assert.deepEqual(keys[0], keys[1]);
        const [ta, tb] = await Promise.all(sides.map((s) => textAnswers(s, c)));
        assert.deepEqual(ta, tb);
        assert.ok((ta![0] as unknown[]).length > 20, "apple is found");
      }
      const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
      assert.equal(ioInserts(sb!), 0);
      const served = ioInserts(sa!);
      assert.ok(served > 1000, `the I/O thread answered ${served} inserts`);
    } finally {
      for (const s of sides) await s.close();
    }
  },
});

Deno.test({
  name:
    "inserts with a text index through the Node driver: made on the I/O thread once their words are known",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const s = await writeSide(true);
    const client = new MongoClient(`mongodb://127.0.0.1:${s.port}/?directConnection=true`);
    try {
      const coll = client.db("x").collection<Doc>("drv");
      await coll.createIndex({ body: "text" });
      const io = async () => ioInserts(await s.ask({ serverStatus: 1, $db: "admin" }));
      const before = await io();
      const words = ["quick", "brown", "foxes", "jumped", "over", "the", "lazy", "dogs", "yesterday"];
      const bodies: string[] = [];
      for (let i = 0; i < 200; i++) {
        const body = Array.from({ length: 6 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(" ");
        bodies.push(body);
        await coll.insertOne({ _id: i, body } as Doc);
      }
      assert.ok(await io() - before > 150, "the driver's inserts were made there");
      const foxes = bodies.filter((b) => b.includes("foxes")).length;
      assert.ok(foxes > 0);
      assert.equal(await coll.countDocuments({ $text: { $search: "fox" } }), foxes);
      const v = await s.ask({ validate: "drv", full: true, $db: "x" });
      assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
    } finally {
      await client.close();
      await s.close();
    }
  },
});
