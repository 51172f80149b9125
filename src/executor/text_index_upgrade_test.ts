import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import { compilePartialFilter } from "../engine/mod.ts";
import { OpControl } from "../observability/op_control.ts";
import { TEXT_TERM_KEYS, TEXT_TERM_KEYS_V2, textKeyShape } from "../keys/text_keys.ts";
import { textKeysV2 } from "../keys/text_keys_v2.ts";
import { IndexBuilds } from "./index_builds.ts";
import { indexKeysOf, keysForIndex, legacyTextKeys } from "./index_keys.ts";
import { legacyTextIndexes, startTextIndexUpgrades, upgradeTextIndex } from "./text_index_upgrade.ts";
import { loadTextLanguages } from "../keys/text_language.ts";

await loadTextLanguages();

const keyOpts = { compilePartialFilter };
const SPEC = {
  v: 2,
  key: { _fts: "text", _ftsx: 1 },
  name: "body_text",
  weights: { body: 1 },
  default_language: "english",
  language_override: "language",
  textIndexVersion: 3,
};
const hex = (k: Uint8Array) => [...k].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A collection with a text index as the code before term keys left it: one placeholder per document. */
function legacyCollection(
  storage: StorageEngine,
  n: number,
  spec: Record<string, unknown> = SPEC,
): CollectionEntry {
  storage.catalog.createCollection("d", "c");
  const coll = storage.catalog.createIndex("d", "c", { name: "body_text", spec, unique: false });
  const ix = coll.indexes.find((i) => i.name === "body_text")!;
  assert.equal(ix.keyFormat, undefined);
  storage.write((txn) => {
    for (let i = 0; i < n; i++) {
      const doc = { _id: i, cat: i % 2, body: i % 3 === 0 ? "coffee and cake" : `tea number ${i}` };
      const keys = new Map([[
        "_id_",
        indexKeysOf({ ...coll, indexes: [coll.indexes[0]!] }, doc, keyOpts).get("_id_")!,
      ]]);
      keys.set("body_text", legacyTextKeys(ix, doc, keyOpts)!.keys);
      txn.insert(coll, BSON.serialize(doc), keys);
    }
  });
  return storage.catalog.getCollection("d", "c")!;
}

/** Every entry of the text index, as hex, sorted; and the entries the records should produce. */
function entries(storage: StorageEngine): { have: string[]; want: string[] } {
  const coll = storage.catalog.getCollection("d", "c")!;
  const ix = coll.indexes.find((i) => i.name === "body_text")!;
  return storage.read((txn) => {
    const have = [...txn.scanIndex(coll, "body_text")].map((h) => `${hex(h.key)}@${h.rid}`).sort();
    const want: string[] = [];
    for (const r of txn.scan(coll)) {
      const doc = BSON.deserialize(r.bytes);
      for (const k of keysForIndex({ ...ix, keyFormat: TEXT_TERM_KEYS }, doc, keyOpts)?.keys ?? []) {
        want.push(`${hex(k)}@${r.rid}`);
      }
    }
    return { have, want: want.sort() };
  });
}

function open(): StorageEngine {
  return openWiredTiger({ path: ":memory:", cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });
}

Deno.test("text index upgrade: placeholders out, term entries in, marked; across yields", async () => {
  const storage = open();
  try {
    const coll = legacyCollection(storage, 5000);
    assert.deepEqual(legacyTextIndexes(storage).map((x) => x.ix.name), ["body_text"]);
    assert.equal(entries(storage).have.length, 5000); // one placeholder each
    const ix = coll.indexes.find((i) => i.name === "body_text")!;
    const ctl = new OpControl({ quantumMs: 1 });
    await upgradeTextIndex(storage, coll, ix, keyOpts, ctl);
    const { have, want } = entries(storage);
    assert.deepEqual(have, want);
    assert.ok(want.length > 5000);
    const after = storage.catalog.getCollection("d", "c")!.indexes.find((i) => i.name === "body_text")!;
    assert.equal(after.keyFormat, TEXT_TERM_KEYS);
    assert.deepEqual(legacyTextIndexes(storage), []);
  } finally {
    storage.close();
  }
});

Deno.test("text index upgrade: writes while unmarked add term entries and remove the old placeholder", async () => {
  const storage = open();
  try {
    // a compound text index: a prefix change moves the placeholder, which used to leave a stale one
    const coll = legacyCollection(storage, 3000, { ...SPEC, key: { cat: 1, _fts: "text", _ftsx: 1 } });
    const ix = coll.indexes.find((i) => i.name === "body_text")!;
    const doc = { _id: 99, cat: 1, body: "coffee shop" };
    const k = indexKeysOf(coll, doc, keyOpts);
    assert.deepEqual(
      k.get("body_text"),
      keysForIndex({ ...ix, keyFormat: TEXT_TERM_KEYS }, doc, keyOpts)!.keys,
    );
    assert.deepEqual(k.removeOnly?.get("body_text"), legacyTextKeys(ix, doc, keyOpts)!.keys);
    assert.equal(keysForIndex(ix, { _id: 1 }, keyOpts), null);
    const ctl = new OpControl({ quantumMs: 1 });
    const rewrite = upgradeTextIndex(storage, coll, ix, keyOpts, ctl);
    await new Promise((r) => setTimeout(r, 0)); // the first batches are done: _id 0 is rewritten
    const update = (id: number, change: Record<string, unknown>) =>
      storage.write((txn) => {
        const c = storage.catalog.getCollection("d", "c")!;
        const rid = [...txn.scan(c)].find((r) => BSON.deserialize(r.bytes)["_id"] === id)!.rid;
        const before = BSON.deserialize([...txn.scan(c)].find((r) => r.rid === rid)!.bytes);
        const after = { ...before, ...change };
        txn.update(
          c,
          rid,
          BSON.serialize(after),
          indexKeysOf(c, before, keyOpts),
          indexKeysOf(c, after, keyOpts),
        );
      });
    update(0, { cat: 7 }); // already rewritten
    update(2999, { cat: 8, body: "coffee again" }); // not yet
    storage.write((txn) => {
      const c = storage.catalog.getCollection("d", "c")!;
      const r = [...txn.scan(c)].find((r) => BSON.deserialize(r.bytes)["_id"] === 2998)!;
      txn.remove(c, r.rid, indexKeysOf(c, BSON.deserialize(r.bytes), keyOpts));
    });
    await rewrite;
    const { have, want } = entries(storage);
    assert.deepEqual(have, want); // no placeholder left, every term entry there
  } finally {
    storage.close();
  }
});

Deno.test("text index upgrade: started at startup, registered as a build, logged; stop leaves it unmarked", async () => {
  const storage = open();
  try {
    legacyCollection(storage, 3000);
    const lines: string[] = [];
    const log = { warning: (m: string) => lines.push(`W ${m}`), info: (m: string) => lines.push(`I ${m}`) };
    const builds = new IndexBuilds();
    const u = startTextIndexUpgrades(storage, builds, keyOpts, log);
    assert.equal(builds.building("d.c"), true);
    await u.done;
    assert.equal(builds.building("d.c"), false);
    assert.match(
      lines[0]!,
      /^W text index d\.c index body_text was written in an earlier key format \(placeholders\)/,
    );
    assert.match(lines[1]!, /^I text index d\.c index body_text rewritten/);
    assert.deepEqual(legacyTextIndexes(storage), []);
    // nothing left to do the next time
    const again = startTextIndexUpgrades(storage, builds, keyOpts, log);
    await again.done;
    assert.equal(lines.length, 2);
  } finally {
    storage.close();
  }
  const s2 = open();
  try {
    legacyCollection(s2, 20000);
    const lines: string[] = [];
    const log = { warning: (m: string) => lines.push(`W ${m}`), info: (m: string) => lines.push(`I ${m}`) };
    const u = startTextIndexUpgrades(s2, new IndexBuilds(), keyOpts, log);
    await u.stop();
    assert.equal(legacyTextIndexes(s2).length, 1);
    assert.match(lines.at(-1)!, /not rewritten/);
  } finally {
    s2.close();
  }
});

/** Documents whose entries differ between the second layout and the current one. */
function v2Doc(i: number): Record<string, unknown> {
  switch (i % 5) {
    case 0: // the override field's value was indexed with $**
      return { _id: i, s: i, body: "coffee", language: "spanish" };
    case 1: // a sub-document's own language was ignored
      return { _id: i, s: i, body: "running", sub: { language: "spanish", t: "corriendo leches" } };
    case 2: // an array in the suffix field: its first element was kept (mongod refuses it)
      return { _id: i, s: [i, 1], body: "cakes and coffee" };
    case 3: // title scored twice (weight 1 through $**, 5 through its own weight)
      return { _id: i, s: i, title: "baking shops" };
    default: // the same entries in both layouts
      return { _id: i, s: i, other: `tea number ${i}` };
  }
}

Deno.test("text index upgrade: second-layout term entries out, current ones in, writes meanwhile exact", async () => {
  const storage = open();
  try {
    const spec = { ...SPEC, key: { _fts: "text", _ftsx: 1, s: 1 }, weights: { "$**": 1, title: 5 } };
    storage.catalog.createCollection("d", "c");
    let coll = storage.catalog.createIndex("d", "c", {
      name: "body_text",
      spec,
      unique: false,
      keyFormat: TEXT_TERM_KEYS_V2,
    });
    const ix = coll.indexes.find((i) => i.name === "body_text")!;
    const shape = textKeyShape(spec)!;
    storage.write((txn) => {
      for (let i = 0; i < 3000; i++) {
        const doc = v2Doc(i);
        const keys = new Map([[
          "_id_",
          indexKeysOf({ ...coll, indexes: [coll.indexes[0]!] }, doc, keyOpts).get("_id_")!,
        ]]);
        keys.set("body_text", textKeysV2(shape, doc));
        txn.insert(coll, BSON.serialize(doc), keys);
      }
    });
    coll = storage.catalog.getCollection("d", "c")!;
    const differ = [0, 1, 2, 3].filter((i) => {
      const doc = v2Doc(i);
      const now = keysForIndex({ ...ix, keyFormat: TEXT_TERM_KEYS }, doc, keyOpts)!.keys.map(hex).sort();
      return JSON.stringify(now) !== JSON.stringify(textKeysV2(shape, doc).map(hex).sort());
    });
    assert.deepEqual(differ, [0, 1, 2, 3]);
    assert.deepEqual(legacyTextIndexes(storage).map((x) => x.ix.keyFormat), [TEXT_TERM_KEYS_V2]);
    const rewrite = upgradeTextIndex(storage, coll, ix, keyOpts, new OpControl({ quantumMs: 1 }));
    await new Promise((r) => setTimeout(r, 0));
    const update = (id: number, change: Record<string, unknown>) =>
      storage.write((txn) => {
        const c = storage.catalog.getCollection("d", "c")!;
        const r = [...txn.scan(c)].find((r) => BSON.deserialize(r.bytes)["_id"] === id)!;
        const before = BSON.deserialize(r.bytes);
        const after = { ...before, ...change };
        txn.update(
          c,
          r.rid,
          BSON.serialize(after),
          indexKeysOf(c, before, keyOpts),
          indexKeysOf(c, after, keyOpts),
        );
      });
    // entries shared by both layouts stay when an update keeps them (before and after the rewrite)
    update(4, { s: 4, other: "tea number 4 and coffee" });
    update(2995, { other: "tea number 2995 and coffee" });
    update(2990, { language: "english" }); // drops the override's own term
    // a document stored with an array in the suffix field can still be changed and removed
    assert.throws(() => update(2992, { body: "more cakes" }), { code: 201 }); // still an array: refused
    update(2992, { s: 2992, body: "more cakes" });
    storage.write((txn) => {
      const c = storage.catalog.getCollection("d", "c")!;
      const r = [...txn.scan(c)].find((r) => BSON.deserialize(r.bytes)["_id"] === 2997)!;
      txn.remove(c, r.rid, indexKeysOf(c, BSON.deserialize(r.bytes), keyOpts));
    });
    await rewrite;
    const { have, want } = entries(storage);
    assert.deepEqual(have, want);
    assert.deepEqual(legacyTextIndexes(storage), []);
    // a new document with an array in the suffix field is refused, before anything is written
    const c = storage.catalog.getCollection("d", "c")!;
    const refused = indexKeysOf(c, { _id: -1, s: [1, 2], body: "x" }, keyOpts);
    assert.equal((refused.refusal as { code?: number } | undefined)?.code, 201);
    storage.write((txn) => {
      assert.throws(() => txn.insert(c, BSON.serialize({ _id: -1, s: [1, 2] }), refused), { code: 201 });
      txn.insert(c, BSON.serialize({ _id: -2, s: 1 }), indexKeysOf(c, { _id: -2, s: 1 }, keyOpts));
    });
    assert.equal(storage.read((txn) => txn.count(storage.catalog.getCollection("d", "c")!)), 3000);
  } finally {
    storage.close();
  }
});
