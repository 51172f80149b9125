import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import { compilePartialFilter } from "../engine/mod.ts";
import { OpControl } from "../observability/op_control.ts";
import { TEXT_TERM_KEYS } from "../keys/text_keys.ts";
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
    assert.match(lines[0]!, /^W text index d\.c index body_text was written before term keys/);
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
