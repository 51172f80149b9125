import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { CollectionEntry } from "../storage/api.ts";
import { fieldsIndexesRead, insertIndexes, updateIndexes } from "./updatable_collection.ts";

function coll(
  over: Partial<{ db: string; name: string; options: Record<string, unknown>; indexes: unknown[] }>,
) {
  return {
    db: "d",
    name: "c",
    ident: "coll-1",
    options: {},
    indexes: [{ name: "_id_", spec: { key: { _id: 1 } }, ident: "i-1" }],
    ...over,
  } as unknown as CollectionEntry;
}

const ID = { name: "_id_", spec: { key: { _id: 1 } }, ident: "i-1" };

Deno.test("updatable collections: the fields their indexes read, key patterns and partial filters", () => {
  assertEquals(fieldsIndexesRead(coll({})), ["_id"]);
  assertEquals(
    fieldsIndexesRead(coll({
      indexes: [
        ID,
        { name: "a", spec: { key: { "a.b": 1, c: -1 } } },
        {
          name: "p",
          spec: { key: { x: 1 }, partialFilterExpression: { $and: [{ p: { $gt: 1 } }, { "q.r": 1 }] } },
        },
      ],
    }))?.sort(),
    ["_id", "a", "c", "p", "q", "x"],
  );
});

Deno.test("updatable collections: none where an update must run the command layer's checks or hooks", () => {
  const none = [
    coll({ db: "admin" }),
    coll({ db: "local" }),
    coll({ db: "config" }),
    coll({ name: "system.js" }),
    coll({ options: { validator: { a: 1 } } }),
    coll({ options: { capped: true, size: 4096 } }),
    coll({ options: { timeseries: { timeField: "t" } } }),
    coll({ options: { collation: { locale: "fr" } } }),
    coll({ options: { clusteredIndex: { key: { _id: 1 }, unique: true } } }),
    coll({ options: { changeStreamPreAndPostImages: { enabled: true } } }),
    coll({ indexes: [ID, { name: "t", spec: { key: { _fts: "text", _ftsx: 1 } } }] }),
    coll({ indexes: [ID, { name: "w", spec: { key: { "$**": 1 } } }] }),
  ];
  for (const c of none) assertEquals(fieldsIndexesRead(c), undefined, JSON.stringify(c));
  assertEquals(fieldsIndexesRead(coll({ options: { changeStreamPreAndPostImages: { enabled: false } } })), [
    "_id",
  ]);
});

Deno.test("insertable collections: every secondary index one of scalar top-level fields, 2dsphere or text", () => {
  const ix = (name: string, spec: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
    name,
    spec,
    unique: false,
    ident: `i-${name}`,
    ...more,
  });
  assertEquals(insertIndexes(coll({})), []);
  assertEquals(
    insertIndexes(
      coll({ indexes: [ID, ix("a_1", { key: { a: 1 } }), ix("b_1", { key: { b: 1 }, sparse: false })] }),
    ),
    [{ name: "a_1", field: "a", kind: "ascending" }, { name: "b_1", field: "b", kind: "ascending" }],
  );
  // a 2dsphere index on a top-level field (version 2 or 3): its GeoJSON points keyed there too
  assertEquals(
    insertIndexes(
      coll({
        indexes: [
          ID,
          ix("loc_2dsphere", { key: { loc: "2dsphere" }, "2dsphereIndexVersion": 3 }),
          ix("p_2dsphere", { key: { p: "2dsphere" }, "2dsphereIndexVersion": 2 }),
        ],
      }),
    ),
    [{ name: "loc_2dsphere", field: "loc", kind: "2dsphere" }, {
      name: "p_2dsphere",
      field: "p",
      kind: "2dsphere",
    }],
  );
  // a text index weighting one top-level field, already multikey, in the current key layout
  const text = (spec: Record<string, unknown>, more: Record<string, unknown> = {}) =>
    ix("t", { key: { _fts: "text", _ftsx: 1 }, weights: { txt: 2 }, language_override: "lang", ...spec }, {
      keyFormat: 3,
      multikey: true,
      ...more,
    });
  assertEquals(insertIndexes(coll({ indexes: [ID, text({})] })), [
    {
      name: "t",
      field: "txt",
      kind: "text",
      text: { weight: 2, languageOverride: "lang", language: "english" },
    },
  ]);
  for (
    const r of [
      text({}, { multikey: false }),
      text({}, { keyFormat: 2 }),
      text({ weights: { txt: 1, b: 1 } }),
      text({ weights: { "a.b": 1 } }),
      text({ weights: { "$**": 1 } }),
      text({ key: { p: 1, _fts: "text", _ftsx: 1 } }),
      text({ language_override: "txt" }),
      text({ sparse: true }),
    ]
  ) assertEquals(insertIndexes(coll({ indexes: [ID, r] })), undefined, JSON.stringify(r));
  // descending and compound indexes of plain top-level fields: named by their directions and fields
  assertEquals(
    insertIndexes(
      coll({
        indexes: [ID, ix("a_-1", { key: { a: -1 } }), ix("cd", { key: { customerId: 1, createdAt: -1 } })],
      }),
    ),
    [{ name: "a_-1", field: "\x01-a", kind: "keys" }, {
      name: "cd",
      field: "\x01+customerId\x01-createdAt",
      kind: "keys",
    }],
  );
  const refused = [
    ix("x", { key: { a: 1, "b.c": -1 } }),
    ix("x", { key: { a: 1, b: "hashed" } }),
    ix("x", { key: { a: 1, b: 1 }, unique: true }, { unique: true }),
    ix("x", { key: { a: -1, b: 1 }, sparse: true }),
    ix("x", { key: { a: 2 } }),
    ix("x", { key: { "a\x01": 1 } }),
    ix("x", { key: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 1])) }),
    ix("x", { key: { "a.b": 1 } }),
    ix("x", { key: { a: "hashed" } }),
    ix("x", { key: { "1a": 1 } }),
    ix("x", { key: { a: 1 }, unique: true }, { unique: true }),
    ix("x", { key: { a: 1 }, sparse: true }),
    ix("x", { key: { a: 1 }, partialFilterExpression: { a: 1 } }),
    ix("x", { key: { a: 1 }, collation: { locale: "fr" } }),
    ix("x", { key: { a: 1 }, prepareUnique: true }),
    ix("x", { key: { a: 1 } }, { building: true }),
    ix("x", { key: { a: "2dsphere" }, "2dsphereIndexVersion": 1 }),
    ix("x", { key: { "a.b": "2dsphere" } }),
    ix("x", { key: { a: "2dsphere", b: 1 } }),
    ix("x", { key: { a: "2dsphere" }, sparse: true }),
    ix("x", { key: { a: "2d" } }),
    ix("x", { key: { a: "text" } }),
  ];
  for (const r of refused) {
    assertEquals(insertIndexes(coll({ indexes: [ID, r] })), undefined, JSON.stringify(r));
  }
  assertEquals(insertIndexes(coll({ options: { capped: true, size: 4096 } })), undefined);
  const nine = Array.from({ length: 9 }, (_, i) => ix(`f${i}`, { key: { [`f${i}`]: 1 } }));
  assertEquals(insertIndexes(coll({ indexes: [ID, ...nine] })), undefined);
});

Deno.test("updates keep indexes of scalar top-level fields; every other index's fields stay unsafe", () => {
  const ix = (name: string, spec: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
    name,
    spec,
    ident: `i-${name}`,
    ...more,
  });
  assertEquals(updateIndexes(coll({})), { unsafe: ["_id"], kept: [] });
  assertEquals(
    updateIndexes(coll({
      indexes: [
        ID,
        ix("status_1", { key: { status: 1 } }),
        ix("email_1", { key: { email: 1 }, unique: true }, { unique: true }),
        ix("ab", { key: { a: 1, b: 1 } }),
        ix("s", { key: { s: 1 }, sparse: true }),
        ix("p", { key: { p: 1 }, partialFilterExpression: { q: { $gt: 1 } } }),
        ix("c", { key: { c: 1 }, collation: { locale: "fr" } }),
        ix("d", { key: { d: -1 } }),
        ix("g", { key: { g: "2dsphere" } }),
        ix("h", { key: { h: "hashed" } }),
        ix("n", { key: { "n.x": 1 } }),
        ix("bld", { key: { bld: 1 } }, { building: true }),
        ix("old", { key: { old: 1 } }, { keyFormat: 1 }),
        ix("score_1", { key: { score: 1 } }),
      ],
    })),
    {
      unsafe: ["_id", "email", "s", "p", "q", "c", "g", "h", "n", "bld", "old"],
      kept: [
        { name: "status_1", field: "status", fields: ["status"] },
        { name: "ab", field: "\x01+a\x01+b", fields: ["a", "b"] },
        { name: "d", field: "\x01-d", fields: ["d"] },
        { name: "score_1", field: "score", fields: ["score"] },
      ],
    },
  );
  // a field another index reads too is unsafe; a kept index reading it is not kept, its other fields
  // unsafe in turn (and so on)
  assertEquals(
    updateIndexes(coll({
      indexes: [
        ID,
        ix("ab", { key: { a: 1, b: -1 } }),
        ix("b_1", { key: { b: 1 } }),
        ix("a_h", { key: { a: "hashed" } }),
        ix("c_1", { key: { c: 1 } }),
      ],
    })),
    { unsafe: ["_id", "a", "b"], kept: [{ name: "c_1", field: "c", fields: ["c"] }] },
  );
  assertEquals(
    updateIndexes(coll({ indexes: [ID, ix("a_1", { key: { a: 1 } }), ix("ab", { key: { a: 1, b: 1 } })] })),
    {
      unsafe: ["_id"],
      kept: [{ name: "a_1", field: "a", fields: ["a"] }, {
        name: "ab",
        field: "\x01+a\x01+b",
        fields: ["a", "b"],
      }],
    },
  );
  // the collection's own conditions first (a validator: nothing updated off the command layer)
  assertEquals(updateIndexes(coll({ options: { validator: { a: 1 } } })), undefined);
  // more ascending indexes than the I/O thread keeps: the rest are unsafe
  const many = Array.from({ length: 10 }, (_, i) => ix(`f${i}`, { key: { [`f${i}`]: 1 } }));
  const got = updateIndexes(coll({ indexes: [ID, ...many] }))!;
  assertEquals(got.kept.length, 8);
  assertEquals(got.unsafe, ["_id", "f8", "f9"]);
});
