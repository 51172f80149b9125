import assert from "node:assert/strict";
import { BSON } from "bson";
import { compilePartialFilter } from "../../engine/mod.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { Row } from "../../executor/rows.ts";
import { loadTextLanguages } from "../../keys/text_language.ts";
import { TEXT_TERM_KEYS } from "../../keys/text_keys.ts";
import type { CollectionEntry, IndexEntry, IndexKeys } from "../../storage/api.ts";
import { changedKeys, storedKeys } from "./entry_keys.ts";

await loadTextLanguages();

const keyOpts = { compilePartialFilter };
const ix = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({
    name,
    spec: { key: {}, ...spec },
    unique: false,
    ident: `i-${name}`,
    multikey: false,
    ...extra,
  }) as unknown as IndexEntry;

const INDEXES = [
  ix("_id_", { key: { _id: 1 } }),
  ix("a_1", { key: { a: 1 } }),
  ix("b_d", { key: { b: 1, "d.e": -1 } }),
  ix("items", { key: { "items.k": 1 } }),
  ix("txt", {
    key: { p: 1, _fts: "text", _ftsx: 1 },
    weights: { txt: 2, "t2.title": 1 },
    language_override: "lang",
    default_language: "english",
  }, { keyFormat: TEXT_TERM_KEYS }),
  ix("loc", { key: { loc: "2dsphere" } }),
  ix("c_partial", { key: { c: 1 }, partialFilterExpression: { a: { $gt: 3 } } }),
  ix("h", { key: { h: "hashed" } }),
  ix("cs", { key: { cs: 1 }, collation: { locale: "en", strength: 2 } }),
];
const coll = { db: "t", name: "c", ident: "c", indexes: INDEXES } as unknown as CollectionEntry;

const same = (a: IndexKeys, b: IndexKeys) => {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, v] of a) assert.deepEqual(v.map((x) => [...x]), b.get(k)!.map((x) => [...x]), k);
};

const docs = Array.from({ length: 60 }, (_, i) => ({
  pad: "x".repeat(50 + i),
  _id: i,
  a: i % 7,
  zz: [1, 2, 3],
  txt: `apple running ${i % 2 ? "quickly" : "maison chien"} apple`,
  b: i % 3 ? i : [i, i + 1],
  d: { e: i % 4 ? "s" + i : null },
  items: i % 2 ? [{ k: i }, { k: i + 1 }, { k: i }] : { k: "one" },
  loc: { type: "Point", coordinates: [i - 30, i / 2] },
  ...(i % 5 === 0 ? { lang: "french", t2: { title: "le chien" } } : {}),
  ...(i % 3 === 0 ? { c: i, p: "pre" } : {}),
  h: i % 4 ? { x: i } : "str",
  cs: i % 2 ? "Mixed" : "mixed",
}));

Deno.test("storedKeys: from the fields the indexes read, the same entries as from the whole document", () => {
  for (const d of docs) {
    const bytes = BSON.serialize(d);
    same(
      storedKeys(coll, new Row(BigInt(d._id + 1), bytes)),
      indexKeysOf(coll, BSON.deserialize(bytes), keyOpts),
    );
  }
});

Deno.test("changedKeys: the keys before and after of the affected indexes only", () => {
  const d = docs[7]!;
  const row = new Row(8n, BSON.serialize(d));
  const after = { ...d, a: 9, b: [1, 2] };
  const bytes = BSON.serialize(after);
  const affected = INDEXES.filter((i) => ["a_1", "b_d", "c_partial"].includes(i.name));
  const view = { ...coll, indexes: affected };
  let wholes = 0;
  const got = changedKeys(coll, affected, row, bytes, {
    decoded: undefined,
    whole: () => (wholes++, BSON.deserialize(bytes)),
  });
  same(got.oldKeys, indexKeysOf(view, d, keyOpts));
  same(got.newKeys, indexKeysOf(view, BSON.deserialize(bytes), keyOpts));
  assert.equal(wholes, 0);
  const none = changedKeys(coll, [], row, bytes, { decoded: undefined, whole: () => ({}) });
  assert.equal(none.oldKeys.size + none.newKeys.size, 0);
});

Deno.test("changedKeys: keys refused from the part are computed from the whole document (its errors show it)", () => {
  const d = docs[3]!;
  const row = new Row(4n, BSON.serialize(d));
  const bad = { ...d, loc: { type: "Point", coordinates: ["x", 1] } };
  const bytes = BSON.serialize(bad);
  const affected = INDEXES.filter((i) => i.name === "loc");
  const err = (() => {
    try {
      changedKeys(coll, affected, row, bytes, { decoded: undefined, whole: () => BSON.deserialize(bytes) });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.ok(err, "refused");
  assert.match(err.message, /pad/); // the whole document, not the part
  // a text prefix holding an array: the refusal (with the keys) comes from the whole document
  const arr = { ...d, p: ["x", "y"] };
  const abytes = BSON.serialize(arr);
  const text = INDEXES.filter((i) => i.name === "txt");
  const keys = changedKeys(coll, text, row, abytes, {
    decoded: undefined,
    whole: () => BSON.deserialize(abytes),
  });
  assert.ok(keys.newKeys.refusal);
  assert.match(keys.newKeys.refusal.message, /pad/);
});
