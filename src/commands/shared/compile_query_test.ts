import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { compileQuery } from "./compile_query.ts";
import { TEXT_TERM_KEYS } from "../../keys/text_keys.ts";
import { loadTextLanguages } from "../../keys/text_language.ts";
import type { CollectionEntry } from "../../storage/api.ts";

await loadTextLanguages();

const coll: CollectionEntry = {
  db: "d",
  name: "c",
  uuid: new Uint8Array(16),
  options: {},
  ident: "c",
  indexes: [
    { name: "_id_", spec: { key: { _id: 1 }, name: "_id_", v: 2 }, unique: true, ident: "i0" },
    {
      name: "body_text",
      spec: {
        key: { _fts: "text", _ftsx: 1 },
        name: "body_text",
        v: 2,
        weights: { body: 1 },
        default_language: "english",
        language_override: "language",
        textIndexVersion: 3,
      },
      unique: false,
      ident: "i1",
      keyFormat: TEXT_TERM_KEYS,
    },
  ],
};

const badValue = (message: string) => ({ code: 2, codeName: "BadValue", message });

Deno.test("compileQuery: $text refuses a hint and a $natural sort (mongod's CanonicalQuery::isValid)", () => {
  const text = { $text: { $search: "coffee" } };
  for (const hint of [{ $natural: 1 }, { _id: 1 }, "body_text", { $natural: -1 }]) {
    throws(
      () => compileQuery({ filter: text, hint }, coll),
      badValue("text and hint not allowed in same query"),
    );
    throws(
      () => compileQuery({ filter: { $and: [{ a: 1 }, text] }, hint }, coll),
      badValue("text and hint not allowed in same query"),
    );
  }
  throws(
    () => compileQuery({ filter: text, sort: { $natural: 1 } }, coll),
    badValue("text expression not allowed with $natural sort order"),
  );
  // an empty hint is no hint: the text index is read
  const q = compileQuery({ filter: text, hint: {} }, coll);
  assertEquals(q.access.kind === "ixScan" && q.access.text?.terms, ["coffe"]);
  // without $text a hint stays allowed; without a text index $text is 27 first
  assertEquals(compileQuery({ filter: { a: 1 }, hint: { $natural: 1 } }, coll).access.kind, "collScan");
  throws(
    () => compileQuery({ filter: text, hint: { $natural: 1 } }, { ...coll, indexes: [coll.indexes[0]!] }),
    {
      code: 27,
    },
  );
});

Deno.test("compileQuery: $text inside $nor is BadValue (after the text-index check)", () => {
  throws(
    () => compileQuery({ filter: { $nor: [{ $text: { $search: "coffee" } }] } }, coll),
    badValue("text expression not allowed in nor"),
  );
  throws(
    () => compileQuery({ filter: { $nor: [{ $and: [{ $text: { $search: "x" } }] }] } }, coll),
    badValue("text expression not allowed in nor"),
  );
  throws(
    () => compileQuery({ filter: { $nor: [{ $text: { $search: "coffee" } }] } }, { ...coll, indexes: [] }),
    { code: 27 },
  );
});
