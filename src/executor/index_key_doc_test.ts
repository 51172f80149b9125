/** indexKeyDocOf: the index entry an index scan found a document by, as returnKey shows it. */
import assert from "node:assert/strict";
import { Long } from "bson";
import type { IndexEntry } from "../storage/api.ts";
import { indexKeyDocOf, keysForIndex } from "./index_keys.ts";

const opts = { compilePartialFilter: () => () => true };

function ix(name: string, key: Record<string, unknown>, extra: Record<string, unknown> = {}): IndexEntry {
  return { name, spec: { v: 2, key, name, ...extra }, unique: false, ident: "x" };
}

/** Every key of `doc` in `index`, each as its key document. */
function keyDocs(index: IndexEntry, doc: Record<string, unknown>) {
  return keysForIndex(index, doc, opts)!.keys.map((k) => indexKeyDocOf(index, doc, k));
}

Deno.test("indexKeyDocOf: compound key, one field per key-pattern field, dotted names stay flat", () => {
  const i = ix("a_1_b.c_-1", { a: 1, "b.c": -1 });
  assert.deepEqual(keyDocs(i, { _id: 1, a: 5, b: { c: "x" }, z: 1 }), [{ a: 5, "b.c": "x" }]);
  // a missing field indexes as null
  assert.deepEqual(keyDocs(i, { _id: 1, a: 2.5 }), [{ a: 2.5, "b.c": null }]);
});

Deno.test("indexKeyDocOf: a multikey entry shows the array element it stands for", () => {
  const i = ix("t_1", { t: 1 });
  const doc = { _id: 1, t: [3, "b", 1] };
  const got = keyDocs(i, doc);
  assert.deepEqual(got, [{ t: 1 }, { t: 3 }, { t: "b" }]);
});

Deno.test("indexKeyDocOf: _id index, hashed field (int64 hash), wildcard ($_path + path)", () => {
  assert.deepEqual(indexKeyDocOf(ix("_id_", { _id: 1 }), { _id: 7, a: 1 }, new Uint8Array()), { _id: 7 });
  const h = keyDocs(ix("a_hashed", { a: "hashed" }), { _id: 1, a: "x" });
  assert.equal(h.length, 1);
  assert.ok(h[0]!["a"] instanceof Long);
  const w = keyDocs(ix("$**_1", { "$**": 1 }), { _id: 1, p: { q: 2 }, r: "s" });
  assert.deepEqual(w, [{ $_path: "p.q", "p.q": 2 }, { $_path: "r", r: "s" }]);
});
