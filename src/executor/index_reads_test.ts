import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { indexesReading, indexReads, keyFieldsOf } from "./index_reads.ts";
import type { CollectionEntry, IndexEntry } from "../storage/api.ts";

const ix = (name: string, spec: Record<string, unknown>) =>
  ({ name, spec, unique: false, ident: `i-${name}`, multikey: false }) as unknown as IndexEntry;

Deno.test("indexReads: key pattern and partial filter fields (top level); text its fields; wildcard all", () => {
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
  // text: the weighted paths, the language override field, the other key fields; `$**` every field
  assertEquals(
    indexReads(ix("t", { key: { _fts: "text", _ftsx: 1 }, weights: { txt: 1, "n.title": 5 } })),
    new Set(["language", "txt", "n"]),
  );
  assertEquals(
    indexReads(
      ix("t1", {
        key: { p: 1, _fts: "text", _ftsx: 1, s: -1 },
        weights: { txt: 1 },
        language_override: "idioma",
      }),
    ),
    new Set(["idioma", "p", "s", "txt"]),
  );
  assertEquals(indexReads(ix("t2", { key: { a: "text" }, weights: { a: 1 } })), new Set(["language", "a"]));
  assertEquals(indexReads(ix("t3", { key: { _fts: "text", _ftsx: 1 }, weights: { "$**": 1 } })), null);
  assertEquals(indexReads(ix("t4", { key: { _fts: "text", _ftsx: 1 } })), null); // (no weights: unknown)
  assertEquals(
    indexReads(ix("t5", { key: { _fts: "text", _ftsx: 1 }, weights: { a: 1 }, language_override: "x.y" })),
    null,
  );
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

Deno.test("keyFieldsOf: the union of the indexes' fields with _id, undefined when one reads any field", () => {
  const indexes = [
    ix("_id_", { key: { _id: 1 } }),
    ix("a_1", { key: { "a.b": 1, c: -1 } }),
    ix("t", { key: { _fts: "text", _ftsx: 1 }, weights: { txt: 1 }, language_override: "lang" }),
    ix("g", { key: { loc: "2dsphere" }, partialFilterExpression: { k: { $gt: 1 } } }),
  ];
  const fields = keyFieldsOf(indexes);
  assertEquals(fields, new Set(["_id", "a", "c", "txt", "lang", "loc", "k"]));
  assertEquals(keyFieldsOf(indexes) === fields, true); // cached per list
  assertEquals(keyFieldsOf(indexes.slice(0, 2), false), new Set(["_id", "a", "c"]));
  assertEquals(keyFieldsOf([ix("_id_", { key: { _id: 1 } })]), new Set(["_id"]));
  assertEquals(keyFieldsOf([...indexes, ix("w", { key: { "$**": 1 } })]), undefined);
});
