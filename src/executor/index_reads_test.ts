import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { indexesReading, indexReads } from "./index_reads.ts";
import type { CollectionEntry, IndexEntry } from "../storage/api.ts";

const ix = (name: string, spec: Record<string, unknown>) =>
  ({ name, spec, unique: false, ident: `i-${name}`, multikey: false }) as unknown as IndexEntry;

Deno.test("indexReads: key pattern and partial filter fields (top level); text and wildcard read all", () => {
  assertEquals(indexReads(ix("_id_", { key: { _id: 1 } })), new Set(["_id"]));
  assertEquals(
    indexReads(ix("c", { key: { "a.b": 1, c: -1, loc: "2dsphere", h: "hashed" } })),
    new Set(["a", "c", "loc", "h"]),
  );
  assertEquals(
    indexReads(
      ix("p", {
        key: { a: 1 },
        partialFilterExpression: { $and: [{ "p.q": { $gt: 1 } }, { r: { $exists: true } }] },
      }),
    ),
    new Set(["a", "p", "r"]),
  );
  assertEquals(indexReads(ix("w", { key: { "$**": 1 } })), null);
  assertEquals(indexReads(ix("w2", { key: { "a.$**": 1 } })), null);
  assertEquals(indexReads(ix("t", { key: { _fts: "text", _ftsx: 1 } })), null); // (no weights known)
  assertEquals(indexReads(ix("t2", { key: { a: "text" } })), null);
  assertEquals(
    indexReads(ix("x", { key: { a: 1 }, partialFilterExpression: { $expr: { $gt: ["$a", 1] } } })),
    null,
  );
});

Deno.test("indexesReading: the indexes a change of some top-level fields may touch", () => {
  const coll = {
    indexes: [ix("_id_", { key: { _id: 1 } }), ix("b_1", { key: { b: 1 } }), ix("w", { key: { "$**": 1 } })],
  } as unknown as CollectionEntry;
  assertEquals(indexesReading(coll, ["counter"]).map((i) => i.name), ["w"]);
  assertEquals(indexesReading(coll, ["b", "z"]).map((i) => i.name), ["b_1", "w"]);
  assertEquals(indexesReading(coll, ["_id"]).map((i) => i.name), ["_id_", "w"]);
});

Deno.test("indexReads: a text index reads its weighted fields, its language override and its other key fields", () => {
  const text = (spec: Record<string, unknown>) =>
    indexReads(ix("t", { key: { _fts: "text", _ftsx: 1 }, default_language: "english", ...spec }));
  assertEquals(text({ weights: { txt: 1, "meta.title": 3 } }), new Set(["language", "txt", "meta"]));
  assertEquals(text({ weights: { txt: 1 }, language_override: "lang" }), new Set(["lang", "txt"]));
  assertEquals(
    indexReads(ix("c", { key: { a: 1, _fts: "text", _ftsx: 1, "z.y": -1 }, weights: { txt: 1 } })),
    new Set(["language", "txt", "a", "z"]),
  );
  assertEquals(
    indexReads(
      ix("p", { key: { _fts: "text", _ftsx: 1 }, weights: { txt: 1 }, partialFilterExpression: { q: 1 } }),
    ),
    new Set(["language", "txt", "q"]),
  );
  // every string: every field; no weights known, or an override that is a path: every field
  assertEquals(text({ weights: { "$**": 1 } }), null);
  assertEquals(text({ weights: { a: 1, "$**": 1 } }), null);
  assertEquals(text({}), null);
  assertEquals(text({ weights: { a: 1 }, language_override: "x.y" }), null);
  const coll = {
    indexes: [
      ix("_id_", { key: { _id: 1 } }),
      ix("t", { key: { _fts: "text", _ftsx: 1 }, weights: { txt: 1 } }),
    ],
  } as unknown as CollectionEntry;
  assertEquals(indexesReading(coll, ["counter", "z"]).map((i) => i.name), []);
  assertEquals(indexesReading(coll, ["txt"]).map((i) => i.name), ["t"]);
  assertEquals(indexesReading(coll, ["language"]).map((i) => i.name), ["t"]);
});
