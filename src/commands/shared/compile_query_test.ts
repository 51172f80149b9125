import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { compileIdPoint, compileQuery, idPointSummary } from "./compile_query.ts";
import { Int32, Long, ObjectId } from "bson";
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

Deno.test("compileIdPoint: a scalar _id point is compileQuery's IDHACK query with the value put in", () => {
  const plain: CollectionEntry = { ...coll, indexes: [coll.indexes[0]!] };
  const values: unknown[] = [
    1,
    -0,
    2.5,
    1e300,
    "a",
    "",
    true,
    false,
    new Date(5),
    new ObjectId(),
    new Long(7),
    new Int32(3),
  ];
  for (const c of [plain, coll]) {
    for (const v of values) {
      for (const filter of [{ _id: v }, { _id: { $eq: v } }]) {
        const fast = compileIdPoint(filter, c, { limit: 1, sortMemoryLimit: 99, spill: undefined });
        const full = compileQuery({ filter, limit: 1 }, c, { exactBounds: true });
        assertEquals(fast?.access, full.access, String(v));
        assertEquals(
          {
            match: fast?.match,
            sort: fast?.sort,
            project: fast?.project,
            skip: fast?.skip,
            limit: fast?.limit,
          },
          { match: full.match, sort: full.sort, project: full.project, skip: full.skip, limit: full.limit },
        );
        assertEquals(fast?.readFields, full.readFields);
        assertEquals(fast?.sortMemoryLimit, 99);
      }
    }
    assertEquals(idPointSummary(c), "IDHACK");
  }
  // not a plain scalar point, or more than _id: compiled as before
  for (
    const filter of [
      { _id: null },
      { _id: NaN },
      { _id: { a: 1 } },
      { _id: [1] },
      { _id: 1, a: 2 },
      {},
      {
        _id: { $gt: 1 },
      },
      { _id: { $eq: 1, $ne: 2 } },
      { _id: /x/ },
    ]
  ) {
    assertEquals(compileIdPoint(filter, plain), undefined, JSON.stringify(filter));
  }
  // a default collation: the point needs its collated key and match, not this shape
  const collated: CollectionEntry = { ...plain, options: { collation: { locale: "fr", strength: 1 } } };
  assertEquals(compileIdPoint({ _id: "a" }, collated), undefined);
  assertEquals(compileIdPoint({ _id: 1 }, collated), undefined);
});

Deno.test("compileQuery: a collection scan's simple filter becomes the storage engine's prefilter", () => {
  const plain: CollectionEntry = {
    ...coll,
    indexes: [
      coll.indexes[0]!,
      { name: "a_1", spec: { key: { a: 1 }, name: "a_1", v: 2 }, unique: false, ident: "i2" },
    ],
  };
  const terms = [{ path: ["b"], op: "gt", values: [{ t: "double", v: 1 }] }];
  assertEquals(compileQuery({ filter: { b: { $gt: 1 } } }, plain).prefilter, terms);
  // not for an index scan, another collation, a filter the C matcher does not decide, or no filter
  assertEquals(compileQuery({ filter: { a: 1, b: { $gt: 1 } } }, plain).prefilter, undefined);
  const collation = { locale: "fr", strength: 1 };
  assertEquals(compileQuery({ filter: { b: { $gt: 1 } }, collation }, plain).prefilter, undefined);
  assertEquals(compileQuery({ filter: { b: { $type: "int" } } }, plain).prefilter, undefined);
  assertEquals(compileQuery({ filter: {} }, plain).prefilter, undefined);
  // a long $in: the JS matcher's sets beat the C matcher's list
  const list = (n: number) => Array.from({ length: n }, (_, i) => i);
  assertEquals(compileQuery({ filter: { b: { $in: list(16) } } }, plain).prefilter?.[0]?.values.length, 16);
  assertEquals(compileQuery({ filter: { b: { $in: list(17) } } }, plain).prefilter, undefined);
});
