/**
 * Updates by `_id` in a collection with a text index (src/executor/index_reads.ts: a text index reads its
 * weighted paths, its language override field and its other key fields, no more): an update of another
 * field is answered by the frame I/O thread, one of a field the index reads by the command layer. The
 * same random updates (of the text, the language override, a prefix field, other fields) sent to a server
 * with the I/O thread's writes and one without get the same replies, leave the same documents, the same
 * index entries (validate recomputes each with the command layer's key generator) and the same `$text`
 * answers and scores; the I/O thread made the updates of the other fields.
 */
import assert from "node:assert/strict";
import { BSON, Int32 } from "bson";
import { found, rng, sameReplies, type WriteSide, writeSide } from "./helpers/pair_servers.ts";

type Doc = Record<string, unknown>;

const ioUpdates = (status: Doc) => Number(((status["secantus"] as Doc)["ioThread"] as Doc)["updates"]);

const WORDS = ["apple", "banana", "running", "runs", "quickly", "the", "and", "fox", "jumped", "cherries"];

function text(r: () => number): string {
  const n = 1 + Math.floor(r() * 8);
  return Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(" ");
}

function updateOf(coll: string, r: () => number): Doc {
  const k = r();
  const set: Doc = {};
  if (k < 0.45) set["n"] = new Int32(Math.floor(r() * 100)); // not read by the index: the I/O thread's
  else if (k < 0.6) set["other"] = text(r); // a string no index reads: the I/O thread's
  else if (k < 0.8) set["txt"] = text(r); // the text: the command layer's
  else if (k < 0.88) set["lang"] = r() < 0.5 ? "spanish" : "english"; // the override: the command layer's
  else if (k < 0.94) set["lang"] = 7; // not a string: 17261 from the command layer
  else set["p"] = new Int32(Math.floor(r() * 3)); // the prefix field (collection "k")
  return { update: coll, updates: [{ q: { _id: Math.floor(r() * 40) }, u: { $set: set } }], $db: "x" };
}

async function textAnswers(s: WriteSide): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const search of ["apple", "run", "cherry fox", '"quickly"']) {
    const docs = await found(s, {
      find: "t",
      filter: { $text: { $search: search } },
      projection: { score: { $meta: "textScore" } },
      sort: { _id: 1 },
      $db: "x",
    });
    out.push(docs.map((d) => Buffer.from(d).toString("hex")));
    const prefixed = await found(s, {
      find: "k",
      filter: { p: 1, $text: { $search: search } },
      projection: { score: { $meta: "textScore" } },
      sort: { _id: 1 },
      $db: "x",
    });
    out.push(prefixed.map((d) => Buffer.from(d).toString("hex")));
  }
  return out;
}

Deno.test({
  name:
    "updates in a collection with a text index: the I/O thread updates the fields the index does not read; " +
    "replies, documents, index entries and $text answers are the command layer's",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const sides = [await writeSide(true), await writeSide(false)];
    try {
      const r0 = rng(5);
      const docs = Array.from(
        { length: 40 },
        (_, i) => ({ _id: i, txt: text(r0), n: new Int32(i), p: i % 3 }),
      );
      for (const s of sides) {
        await s.ask({
          createIndexes: "t",
          indexes: [{ key: { txt: "text" }, name: "txt_text", language_override: "lang" }],
          $db: "x",
        });
        await s.ask({
          createIndexes: "k",
          indexes: [{ key: { p: 1, txt: "text" }, name: "p_txt" }],
          $db: "x",
        });
        for (const c of ["t", "k"]) await s.ask({ insert: c, documents: docs, $db: "x" });
      }
      const r = rng(11);
      for (let i = 0; i < 1500; i++) {
        await sameReplies(sides, updateOf(r() < 0.6 ? "t" : "k", r), `request ${i}`, r() < 0.3);
      }
      for (const c of ["t", "k"]) {
        const all = await Promise.all(sides.map((s) => found(s, { find: c, $db: "x" })));
        assert.deepEqual(all[0], all[1], c);
        const keys = [];
        for (const s of sides) {
          const v = await s.ask({ validate: c, full: true, $db: "x" });
          assert.equal(v["valid"], true, JSON.stringify(BSON.EJSON.serialize(v)));
          keys.push(BSON.EJSON.serialize(v["keysPerIndex"]));
        }
        assert.deepEqual(keys[0], keys[1]);
      }
      const [ta, tb] = await Promise.all(sides.map(textAnswers));
      assert.deepEqual(ta, tb);
      assert.ok((ta![0] as unknown[]).length > 0, "apple is found");
      const [sa, sb] = await Promise.all(sides.map((s) => s.ask({ serverStatus: 1, $db: "admin" })));
      assert.equal(ioUpdates(sb!), 0);
      const served = ioUpdates(sa!);
      assert.ok(served > 500, `the I/O thread made ${served} updates`);
    } finally {
      for (const s of sides) await s.close();
    }
  },
});
