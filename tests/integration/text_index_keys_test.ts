/**
 * `$text` reads its candidates from the text index's term entries (TEXT_OR) and re-checks and scores
 * them (TEXT_MATCH): same documents, scores and order as the engine's `$text` matcher gives over every
 * document of the collection (`expectText`; mongod refuses a hint with `$text`), entries maintained by inserts, updates and deletes, explain shaped as mongod's — through the
 * Node driver. A text index written before term keys (one placeholder entry per document) is never
 * read by `$text` and is rewritten at startup.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { openWiredTiger } from "../../src/storage/mod.ts";
import { compileFilter, compilePartialFilter } from "../../src/engine/mod.ts";
import { textIndexInfo, textScoreOf } from "../../src/engine/text/mod.ts";
import { loadTextLanguages } from "../../src/keys/text_language.ts";
import { legacyTextKeys } from "../../src/executor/index_keys.ts";
import { TEXT_TERM_KEYS_V2, textKeyShape } from "../../src/keys/text_keys.ts";
import { textKeysV2 } from "../../src/keys/text_keys_v2.ts";
import { createLogger } from "../../src/observability/log.ts";

await loadTextLanguages();

/**
 * What a `$text` query with `{score: {$meta: "textScore"}}` must answer, computed without `$text` on
 * the server: every document (natural order = record-id order, TEXT_OR's fetch order) matched and
 * scored by the engine's `$text` matcher under the collection's text index.
 */
async function expectText(c: AnyDoc, q: AnyDoc): Promise<AnyDoc[]> {
  const spec = (await c.listIndexes().toArray()).find((ix: AnyDoc) => ix.key._fts === "text");
  const m = compileFilter(q, { textIndex: textIndexInfo(spec)! });
  const out: AnyDoc[] = [];
  for (const d of await c.find({}).toArray()) if (m.matches(d)) out.push({ ...d, score: textScoreOf(d) });
  return out;
}

const WORDS = ["coffee", "cake", "shop", "tea", "baking", "shops", "the", "Café", "leche", "running", "runs"];

Deno.test({
  name: "$text through the text index's term entries",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const c = client.db("textkeys").collection<AnyDoc>("c");
    try {
      let seed = 7;
      const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const docs = Array.from({ length: 300 }, (_, i) => ({
        _id: i,
        title: Array.from(
          { length: 1 + Math.floor(rnd() * 3) },
          () => WORDS[Math.floor(rnd() * WORDS.length)],
        ).join(" "),
        tags: [WORDS[Math.floor(rnd() * WORDS.length)], { x: 1 }],
        ...(i % 10 === 0 ? { language: "spanish" } : {}),
      }));
      await c.insertMany(docs.slice(0, 200));
      await c.createIndex({ title: "text", tags: "text" }, { weights: { title: 3 } });
      await c.insertMany(docs.slice(200)); // maintained on insert
      await c.updateMany({ _id: { $lt: 20 } }, { $set: { title: "coffee shop" } });
      await c.deleteMany({ _id: { $gte: 290 } });
      for (
        const search of [
          "coffee",
          "cake -shop",
          '"coffee shop"',
          "running",
          "leche",
          "the",
          "tea baking",
          "cafe",
        ]
      ) {
        const q = { $text: { $search: search } };
        const projection = { score: { $meta: "textScore" } };
        const viaIndex = await c.find(q, { projection }).toArray();
        const viaScan = await expectText(c, q);
        assert.deepEqual(viaIndex, viaScan, search);
        const plan = (await c.find(q).explain("executionStats")) as AnyDoc;
        const wp = plan.queryPlanner.winningPlan;
        assert.equal(wp.stage, "TEXT_MATCH", search);
        assert.equal(wp.inputStage.stage, "TEXT_OR", search);
        assert.equal(wp.inputStage.inputStages.length, wp.parsedTextQuery.terms.length, search);
        for (const s of wp.inputStage.inputStages) {
          assert.deepEqual([s.stage, s.indexBounds, s.direction, s.isMultiKey], [
            "IXSCAN",
            {},
            "backward",
            true,
          ]);
        }
        assert.ok(plan.executionStats.totalDocsExamined <= 290, search);
      }
      // mongod refuses a hint (any but {}) or a $natural sort beside $text, and $text inside $nor
      const text = { $text: { $search: "coffee" } };
      const refused = async (p: Promise<unknown>, message: string) => {
        const e = await p.then(() => undefined, (e) => e);
        // (a write error carries no codeName)
        assert.deepEqual([e?.code, e?.codeName ?? "BadValue", e?.message], [2, "BadValue", message]);
      };
      const noHint = "text and hint not allowed in same query";
      for (const hint of [{ $natural: 1 }, { _id: 1 }, "_id_"]) {
        await refused(c.find(text, { hint }).toArray(), noHint);
        await refused(c.find({ $and: [{ _id: { $gte: 0 } }, text] }, { hint }).toArray(), noHint);
        await refused(c.countDocuments(text, { hint }), noHint);
        await refused(c.aggregate([{ $match: text }], { hint }).toArray(), noHint);
        await refused(c.find(text, { hint }).explain(), noHint);
        await refused(c.deleteMany({ ...text, _id: -1 }, { hint }), noHint);
        await refused(client.db("textkeys").command({ count: "c", query: text, hint }), noHint);
        await refused(
          client.db("textkeys").command({ distinct: "c", key: "_id", query: text, hint }),
          noHint,
        );
      }
      await refused(
        c.find(text, { sort: { $natural: 1 } }).toArray(),
        "text expression not allowed with $natural sort order",
      );
      await refused(c.find({ $nor: [text] }).toArray(), "text expression not allowed in nor");
      assert.deepEqual(
        await c.find(text, { hint: {}, projection: { score: { $meta: "textScore" } } }).toArray(),
        await expectText(c, text),
      );
      assert.equal(await c.countDocuments({ _id: { $gte: 0 } }, { hint: { $natural: 1 } }), 290);
      // a rare term examines only its own documents
      await c.insertOne({ _id: 1000, title: "zanzibar" });
      const rare = (await c.find({ $text: { $search: "zanzibar" } }).explain("executionStats")) as AnyDoc;
      assert.equal(rare.executionStats.totalDocsExamined, 1);
      assert.equal(rare.executionStats.nReturned, 1);
      // $caseSensitive / $diacriticSensitive read the folded terms' entries, then TEXT_MATCH applies
      // the sensitivity (mongod uses the text index for them too): the scan's answers
      for (
        const t of [
          { $search: "Café", $caseSensitive: true },
          { $search: "café", $caseSensitive: true },
          { $search: "Café", $diacriticSensitive: true },
          { $search: "cafe", $diacriticSensitive: true },
          { $search: "CAFÉ Coffee", $caseSensitive: true, $diacriticSensitive: true },
        ]
      ) {
        const q = { $text: t };
        const projection = { score: { $meta: "textScore" } };
        const viaIndex = await c.find(q, { projection }).toArray();
        const viaScan = await expectText(c, q);
        assert.deepEqual(viaIndex, viaScan, JSON.stringify(t));
        const wp = ((await c.find(q).explain()) as AnyDoc).queryPlanner.winningPlan;
        assert.equal(`${wp.inputStage.stage} > ${wp.inputStage.inputStages[0].stage}`, "TEXT_OR > IXSCAN");
      }
      const cs = await c.find({ $text: { $search: "Café", $caseSensitive: true } }).toArray();
      assert.ok(cs.length > 0 && cs.every((d) => JSON.stringify(d).includes("Café")));
      // another $language reads the index too: the query's words stemmed in its language, each
      // document's entries in its own (override, else the index default), as mongod
      await c.insertMany([
        { _id: 2001, title: "corriendo leche", language: "spanish" },
        { _id: 2002, title: "corriendo" },
        { _id: 2003, title: "corre", language: "spanish" },
      ]);
      for (
        const t of [
          { $search: "corriendo", $language: "spanish" },
          { $search: "leche corriendo -corre", $language: "es" },
          { $search: '"corriendo leche"', $language: "spanish" },
          { $search: "running coffee", $language: "none" },
          { $search: "runs", $language: "english" },
          { $search: "Corriendo", $language: "spanish", $caseSensitive: true },
        ]
      ) {
        const q = { $text: t };
        const projection = { score: { $meta: "textScore" } };
        const viaIndex = await c.find(q, { projection }).toArray();
        const viaScan = await expectText(c, q);
        assert.deepEqual(viaIndex, viaScan, JSON.stringify(t));
        const wp = ((await c.find(q).explain()) as AnyDoc).queryPlanner.winningPlan;
        assert.equal(wp.inputStage.stage, "TEXT_OR", JSON.stringify(t));
      }
      const es = await c.find({ $text: { $search: "corriendo", $language: "spanish" } }).toArray();
      assert.deepEqual(es.map((d) => d._id).sort(), [2001, 2003]);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

for (const format of [undefined, TEXT_TERM_KEYS_V2]) {
  Deno.test({
    name: `$text over a text index written in an earlier key format (${
      format ?? "placeholders"
    }): every match, rewritten at startup`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "secantus-textold-" });
      const N = 6000;
      const docs = Array.from({ length: N }, (_, i) => ({
        _id: i,
        body: i % 7 === 0 ? `coffee cake number ${i}` : i % 5 === 0 ? "Café shops" : `tea ${i}`,
        // the second layout indexed the override's value with $**, and one language per document
        ...(i % 11 === 0 ? { language: "english" } : {}),
        ...(i % 13 === 0 ? { sub: { language: "spanish", t: "corriendo" } } : {}),
      }));
      try {
        let server = await startServer({ port: 0, storagePath: dir, logLevel: "ERROR" });
        let client = new MongoClient(server.uri);
        let c = client.db("old").collection<AnyDoc>("c");
        await c.insertMany(docs);
        await c.createIndex(format === undefined ? { body: "text" } : { "$**": "text" }, {
          name: "body_text",
        });
        const listed = await c.listIndexes().toArray();
        await client.close();
        await server.stop();

        // Put the index back as the earlier code wrote it: no marker and one placeholder per document, or
        // marker 2 and that layout's term entries.
        const storage = openWiredTiger({
          path: dir,
          cacheSizeBytes: 64 << 20,
          sessionMax: 20,
          syncOnCommit: false,
        });
        try {
          const before = storage.catalog.getCollection("old", "c")!;
          const spec = before.indexes.find((i) => i.name === "body_text")!.spec;
          storage.catalog.dropIndex("old", "c", "body_text");
          storage.catalog.createIndex("old", "c", {
            name: "body_text",
            spec,
            unique: false,
            ...(format ? { keyFormat: format } : {}),
          });
          // (sticky multikey set, as writes of documents with arrays would have left it: not a marker)
          const coll = storage.catalog.updateIndex("old", "c", "body_text", { multikey: true });
          const ix = coll.indexes.find((i) => i.name === "body_text")!;
          assert.equal(ix.keyFormat, format);
          const { deserialize } = await import("bson");
          storage.write((txn) => {
            for (const r of [...txn.scan(coll)]) {
              const doc = deserialize(r.bytes);
              const keys = format === undefined
                ? legacyTextKeys(ix, doc, { compilePartialFilter })!.keys
                : textKeysV2(textKeyShape(spec)!, doc);
              txn.insertIndexKeys(coll, r.rid, new Map([["body_text", keys]]));
            }
          });
        } finally {
          storage.close();
        }

        const lines: string[] = [];
        const logger = createLogger("INFO", { sink: (l) => lines.push(l) });
        server = await startServer({ port: 0, storagePath: dir, logger });
        client = new MongoClient(server.uri);
        c = client.db("old").collection<AnyDoc>("c");
        try {
          const expectCoffee = docs.filter((d) => d.body.includes("coffee")).map((d) => d._id);
          const expectCafe = docs.filter((d) => d.body.includes("Café")).map((d) => d._id);
          const expectSub = docs.filter((d) => d.sub).map((d) => d._id);
          const ids = async (search: string, $language?: string) =>
            (await c.find({ $text: { $search: search, ...($language ? { $language } : {}) } }, {
              projection: { _id: 1 },
            }).toArray())
              .map((d) => d._id).sort((a, b) => a - b);
          const same = async () => {
            assert.deepEqual(await ids("coffee"), expectCoffee);
            assert.deepEqual(await ids("cafe"), expectCafe);
            if (format === undefined) return;
            // as mongod: the override's value is no text, a sub-document's language is its own
            assert.deepEqual(await ids("english"), []);
            assert.deepEqual(await ids("corriendo", "spanish"), expectSub);
            assert.deepEqual(await ids("corriendo"), []);
          };
          // while the rewrite runs (or after): every match, never a partial answer
          await same();
          assert.ok(
            lines.some((l) =>
              l.includes("WARNING") && l.includes("old.c index body_text") && l.includes("rewriting")
            ),
            lines.join("\n"),
          );
          // the rewrite ends: $text then reads the term entries, with the same answers
          const deadline = Date.now() + 60_000;
          let stage = "";
          while (Date.now() < deadline) {
            const e = (await c.find({ $text: { $search: "coffee" } }).explain()) as AnyDoc;
            const or = e.queryPlanner.winningPlan.inputStage;
            stage = `${or?.stage} > ${or?.inputStages?.[0]?.stage ?? or?.inputStage?.stage}`;
            if (stage === "TEXT_OR > IXSCAN") break;
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.equal(stage, "TEXT_OR > IXSCAN");
          assert.ok(lines.some((l) => l.includes("old.c index body_text rewritten")), lines.join("\n"));
          await same();
          assert.deepEqual(await c.listIndexes().toArray(), listed);
          const v = await client.db("old").command({ validate: "c", full: true });
          assert.equal(v["valid"], true, JSON.stringify(v["errors"]));
          assert.equal(v["extraIndexEntries"].length, 0);
        } finally {
          await client.close();
          await server.stop();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "$text over a compound text index reads the entries under the prefix equality",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("textprefix");
    try {
      let seed = 11;
      const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const docs = Array.from({ length: 400 }, (_, i) => ({
        _id: i,
        body: Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(WORDS)).join(" "),
        ...(i % 9 === 0 ? {} : { category: pick(["x", "y", "z", 7, null]) }),
        a: pick([1, 2]),
        b: pick(["p", "q"]),
        n: i,
      }));
      const c = db.collection<AnyDoc>("c");
      await c.insertMany(docs.slice(0, 250));
      await c.createIndex({ category: 1, body: "text" });
      await c.insertMany(docs.slice(250));
      await c.updateMany({ _id: { $lt: 30 } }, { $set: { category: "x" } }); // entries move prefix
      await c.deleteMany({ _id: { $gte: 390 } });
      const projection = { score: { $meta: "textScore" } };
      const queries: AnyDoc[] = [];
      for (const category of ["x", "y", 7, null, "none"]) {
        for (const search of ["coffee", "cake -shop", '"coffee shop"', "running tea"]) {
          queries.push({ category, $text: { $search: search } });
        }
      }
      queries.push({ $and: [{ category: { $eq: "y" } }, { $text: { $search: "baking" } }] });
      queries.push({ category: "x", n: { $gt: 100 }, $text: { $search: "coffee cake" } });
      for (const q of queries) {
        const viaIndex = await c.find(q, { projection }).toArray();
        const viaScan = await expectText(c, q);
        assert.deepEqual(viaIndex, viaScan, JSON.stringify(q));
        const plan = (await c.find(q).explain("executionStats")) as AnyDoc;
        const wp = plan.queryPlanner.winningPlan;
        assert.equal(
          `${wp.stage} > ${wp.inputStage?.stage}`,
          "TEXT_MATCH > TEXT_OR",
          JSON.stringify([q, wp]),
        );
        const category = "category" in q ? q.category : "y";
        assert.deepEqual(wp.indexPrefix, { category });
        // only that prefix's documents are read
        const inPrefix = await c.countDocuments(
          category === null ? { category: null } : { category },
          { hint: { $natural: 1 } },
        );
        assert.ok(plan.executionStats.totalDocsExamined <= inPrefix, JSON.stringify(q));
      }
      const x = await c.find({ category: "x", $text: { $search: "coffee" } }).toArray();
      assert.ok(x.length > 0 && x.every((d) => d.category === "x"));
      // mongod's planner error without an equality on every prefix field
      for (
        const q of [
          { $text: { $search: "coffee" } },
          { category: { $in: ["x", "y"] }, $text: { $search: "coffee" } },
          { category: { $gte: "x" }, $text: { $search: "coffee" } },
        ]
      ) {
        const e = await c.find(q).toArray().catch((e) => e);
        assert.equal(e?.code, 291, JSON.stringify(q));
        assert.equal(e.codeName, "NoQueryExecutionPlans");
        assert.match(
          e.message,
          /planner returned error :: caused by :: failed to use text index to satisfy \$text query \(if text index is compound, are equality predicates given for all prefix fields\?\)/,
        );
      }
      const agg = await c.aggregate([{ $match: { $text: { $search: "coffee" } } }]).toArray().catch((e) => e);
      assert.equal(agg?.code, 291);
      const aggOk = await c.aggregate([
        { $match: { category: "x", $text: { $search: "coffee" } } },
        { $addFields: { score: { $meta: "textScore" } } },
      ]).toArray();
      assert.deepEqual(
        aggOk,
        await c.find({ category: "x", $text: { $search: "coffee" } }, { projection }).toArray(),
      );
      // two prefix fields (one descending) and a suffix field
      const d = db.collection<AnyDoc>("d");
      await d.insertMany(docs);
      await d.createIndex({ a: 1, b: -1, body: "text", n: 1 });
      for (const [a, b] of [[1, "p"], [2, "q"], [3, "p"]]) {
        const q = { a, b, $text: { $search: "coffee tea" } };
        const viaIndex = await d.find(q, { projection }).toArray();
        const viaScan = await expectText(d, q);
        assert.deepEqual(viaIndex, viaScan, JSON.stringify(q));
        const wp = ((await d.find(q).explain()) as AnyDoc).queryPlanner.winningPlan;
        assert.deepEqual(wp.indexPrefix, { a, b });
      }
      const partial = await d.find({ a: 1, $text: { $search: "coffee" } }).toArray().catch((e) => e);
      assert.equal(partial?.code, 291);
      // an array in a prefix or suffix field cannot be indexed (mongod 8.0's 201 CannotBuildIndexKeys)
      const arr = await c.insertOne({ _id: 5000, category: ["x"], body: "coffee" }).catch((e) => e);
      assert.equal(arr?.code, 201);
      assert.equal(
        arr.message,
        `Field 'category' of text index contains an array in document: { _id: 5000, category: [ "x" ], body: "coffee" }`,
      );
      assert.equal(await c.countDocuments({ _id: 5000 }), 0);
      const sfx = await d.insertOne({ _id: 5001, a: 1, b: "p", body: "coffee", n: [1, 2] }).catch((e) => e);
      assert.equal(sfx?.code, 201);
      assert.match(sfx.message, /^Field 'n' of text index contains an array in document: /);
      // mongod: a text index takes no collation (67), given or from the collection's default; with
      // {locale: "simple"} it is created, and a string prefix equality reads it only under the simple
      // collation (under the default's it is 291, numbers read it under any)
      await db.createCollection("e", { collation: { locale: "en", strength: 2 } });
      const e = db.collection<AnyDoc>("e");
      await e.insertMany(docs);
      for (const opts of [{}, { collation: { locale: "fr" } }]) {
        const err = await e.createIndex({ category: 1, body: "text" }, opts).catch((x) => x);
        assert.equal(err?.code, 67, JSON.stringify(opts));
        assert.match(err.message, /^Index type 'text' does not support collation: \{ locale: "/);
      }
      const err2d = await db.collection("f").createIndex({ p: "2d" }, { collation: { locale: "fr" } })
        .catch((x) => x);
      assert.match(err2d?.message, /^Index type '2d' does not support collation/);
      await e.createIndex({ category: 1, body: "text" }, { collation: { locale: "simple" } });
      const simple = { locale: "simple" };
      for (
        const q of [{ category: "x", $text: { $search: "coffee" } }, {
          category: 7,
          $text: { $search: "tea" },
        }]
      ) {
        const opts = typeof q.category === "string" ? { collation: simple } : {};
        const got = await e.find(q, { projection, ...opts }).toArray();
        assert.deepEqual(got, await expectText(e, q), JSON.stringify(q));
        assert.ok(got.length > 0);
        const wp = ((await e.find(q, opts).explain()) as AnyDoc).queryPlanner.winningPlan;
        assert.deepEqual([wp.inputStage.stage, wp.indexPrefix], ["TEXT_OR", { category: q.category }]);
      }
      const under = await e.find({ category: "X", $text: { $search: "coffee" } }).toArray().catch((x) => x);
      assert.equal(under?.code, 291);
      for (const name of ["c", "d", "e"]) {
        const v = await db.command({ validate: name, full: true });
        assert.equal(v.valid, true, JSON.stringify(v));
      }
    } finally {
      await client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "text keys as mongod builds them: languages per sub-document, $** skips the override, refusals",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    const db = client.db("textrules");
    try {
      const w = db.collection<AnyDoc>("w");
      await w.createIndex({ "$**": "text" }, { weights: { title: 5 } });
      await w.insertMany([
        { _id: 1, title: "coffee", language: "english" },
        { _id: 2, body: "running", sub: { language: "spanish", t: "corriendo leches" } },
        { _id: 3, notes: [{ language: "none", t: "runs" }, { t: "runs" }], language: "english" },
        { _id: 4, body: "spanish coffee", about: "cake" },
      ]);
      const ids = async (t: AnyDoc) =>
        (await w.find({ $text: t }).toArray()).map((d) => d._id).sort((a: number, b: number) => a - b);
      assert.deepEqual(await ids({ $search: "english" }), []); // the override's value is not text
      assert.deepEqual(await ids({ $search: "spanish" }), [4]);
      assert.deepEqual(await ids({ $search: "corriendo", $language: "es" }), [2]);
      assert.deepEqual(await ids({ $search: "corriendo" }), []);
      assert.deepEqual(await ids({ $search: "runs", $language: "none" }), [3]);
      assert.deepEqual(await ids({ $search: "run" }), [2, 3]);
      for (const search of ["coffee", "cake", "runs", "leches", '"spanish coffee"']) {
        const q = { $text: { $search: search } };
        assert.deepEqual(
          await w.find(q, { projection: { score: { $meta: "textScore" } } }).toArray(),
          await expectText(w, q),
          search,
        );
      }
      // a weighted field's string counts once, at its weight; a field sorting before it takes that weight
      const score = async (id: number, search: string) =>
        (await w.findOne({ _id: id, $text: { $search: search } }, {
          projection: { s: { $meta: "textScore" } },
        }))?.s;
      assert.equal(await score(1, "coffee"), 5); // ("coffe" is not the whole string: no 1.1)
      assert.equal(await score(4, "cake"), 5 * 1.1); // "about" < "title"
      // a language override mongod cannot use refuses the write (17261 / 17262)
      const bad = await w.insertOne({ _id: 10, body: "x", language: 5 }).catch((e) => e);
      assert.deepEqual([bad?.code, bad?.message], [
        17261,
        "found language override field in document with non-string type",
      ]);
      const bad2 = await w.insertOne({ _id: 11, sub: { language: "klingon", t: "x" } }).catch((e) => e);
      assert.deepEqual([bad2?.code, bad2?.message], [17262, "language override unsupported: klingon"]);
      const many = await w.insertMany([{ _id: 12 }, { _id: 13, language: null }, { _id: 14 }], {
        ordered: false,
      }).catch((e) => e);
      assert.deepEqual(many.writeErrors.map((e: AnyDoc) => [e.index, e.code]), [[1, 17261]]);
      const upd = await w.updateOne({ _id: 4 }, { $set: { language: ["en"] } }).catch((e) => e);
      assert.equal(upd?.code, 17261);
      assert.deepEqual((await w.find({ _id: { $gte: 10 } }).toArray()).map((d) => d._id), [12, 14]);
      // an index build over a document it refuses fails with its error, and leaves no index
      const b = db.collection<AnyDoc>("b");
      await b.insertMany([{ _id: 1, s: "cake" }, { _id: 2, s: "tea", language: "klingon" }]);
      const build = await b.createIndex({ s: "text" }).catch((e) => e);
      assert.equal(build?.code, 17262);
      assert.equal((await b.listIndexes().toArray()).length, 1);
      const built = await b.createIndex({ s: "text" }, { language_override: "lang" });
      assert.equal(built, "s_text");
      for (const name of ["w", "b"]) {
        const v = await db.command({ validate: name, full: true });
        assert.equal(v.valid, true, JSON.stringify(v));
      }
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
