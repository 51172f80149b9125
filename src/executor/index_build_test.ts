import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import type { StorageEngine } from "../storage/api.ts";
import { compilePartialFilter } from "../engine/mod.ts";
import { OpControl } from "../observability/op_control.ts";
import { normalizeTextIndex } from "../planner/text_spec.ts";
import { TEXT_TERM_KEYS } from "../keys/text_keys.ts";
import { loadTextLanguages } from "../keys/text_language.ts";
import { buildIndex, IndexBuildError, indexRecord } from "./index_build.ts";
import { indexKeysOf } from "./index_keys.ts";

await loadTextLanguages();

const keyOpts = { compilePartialFilter };
const hex = (k: Uint8Array) => [...k].map((b) => b.toString(16).padStart(2, "0")).join("");
const WORDS = ["coffee", "cake", "tea", "shop", "baking", "leche", "running", "runs"];

function open(n: number): StorageEngine {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  storage.catalog.createCollection("d", "c");
  const coll = storage.catalog.getCollection("d", "c")!;
  storage.write((txn) => {
    for (let i = 0; i < n; i++) {
      const doc = {
        _id: i,
        body: [0, 1, 2, 3].map((j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(" "),
        tags: i % 3 === 0 ? [i % 5, "x"] : i % 5,
        u: i,
      };
      txn.insert(coll, BSON.serialize(doc), indexKeysOf(coll, doc, keyOpts));
    }
  });
  return storage;
}

/** Builds `spec` both ways (record by record, and sorted batches) and returns each one's entries. */
async function bothWays(
  storage: StorageEngine,
  spec: Record<string, unknown>,
  multikey: boolean,
  extra = {},
) {
  const out: string[][] = [];
  for (const each of [indexRecord, undefined]) {
    const coll = storage.catalog.createIndex("d", "c", {
      name: "x",
      spec: { ...spec, name: "x" },
      unique: false,
      ...extra,
    });
    const ix = coll.indexes.find((i) => i.name === "x")!;
    await buildIndex(storage, coll, ix, keyOpts, new OpControl({ quantumMs: 1 }), each);
    const after = storage.catalog.getCollection("d", "c")!;
    out.push(storage.read((txn) => [...txn.scanIndex(after, "x")].map((h) => `${hex(h.key)}@${h.rid}`)));
    assert.equal(
      after.indexes.find((i) => i.name === "x")!.multikey === true,
      multikey,
    );
    storage.catalog.dropIndex("d", "c", "x");
  }
  return out;
}

Deno.test("index build: a non-unique index's batches are sorted and give the record-by-record entries", async () => {
  const storage = open(5000);
  try {
    const text = normalizeTextIndex({}, { body: "text" });
    const [a, b] = await bothWays(
      storage,
      { v: 2, key: text.key, ...text.options },
      true,
      { keyFormat: TEXT_TERM_KEYS },
    );
    assert.ok(a!.length > 5000);
    assert.deepEqual(b, a);
    const [c, d] = await bothWays(storage, { v: 2, key: { tags: 1, u: -1 } }, true);
    assert.ok(c!.length > 5000);
    assert.deepEqual(d, c);
    const [e, f] = await bothWays(storage, { v: 2, key: { u: 1 } }, false);
    assert.deepEqual(f, e);
  } finally {
    storage.close();
  }
});

Deno.test("index build: a document the index refuses fails the sorted build with its error", async () => {
  const storage = open(100);
  try {
    const coll = storage.catalog.getCollection("d", "c")!;
    storage.write((txn) => {
      const doc = { _id: "bad", body: "x", language: 7 };
      txn.insert(coll, BSON.serialize(doc), indexKeysOf(coll, doc, keyOpts));
    });
    const text = normalizeTextIndex({}, { body: "text" });
    const c2 = storage.catalog.createIndex("d", "c", {
      name: "t",
      spec: { v: 2, key: text.key, name: "t", ...text.options },
      unique: false,
      keyFormat: TEXT_TERM_KEYS,
    });
    const ix = c2.indexes.find((i) => i.name === "t")!;
    const e = await buildIndex(storage, c2, ix, keyOpts).catch((e) => e);
    assert.ok(e instanceof IndexBuildError);
    assert.equal((e.cause as { code?: number }).code, 17261);
    assert.equal(e.doc["_id"], "bad");
  } finally {
    storage.close();
  }
});
