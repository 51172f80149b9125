import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Decimal128, Int32, Long, ObjectId } from "bson";
import { indexedFindShape, IndexedShape as S } from "./indexed_find_shape.ts";
import type { AccessPath } from "../planner/plan.ts";
import type { CollectionEntry } from "../storage/api.ts";

function coll(extra: Record<string, unknown>[] = [], options: Record<string, unknown> = {}): CollectionEntry {
  return {
    db: "d",
    name: "c",
    ident: "c-1",
    uuid: new Uint8Array(16),
    options,
    indexes: [
      { name: "_id_", spec: { key: { _id: 1 } }, unique: true, ident: "i-0" },
      { name: "a_1", spec: { key: { a: 1 } }, unique: false, ident: "i-1" },
      ...extra,
    ],
  } as unknown as CollectionEntry;
}

function scan(over: Record<string, unknown> = {}): AccessPath {
  return {
    kind: "ixScan",
    indexName: "a_1",
    keyPattern: { a: 1 },
    unique: false,
    multikey: false,
    sparse: false,
    partial: false,
    intervals: [],
    reverse: false,
    indexBounds: {},
    providesSort: true,
    dedup: false,
    score: 1,
    ...over,
  } as AccessPath;
}

const shape = (find: Record<string, unknown>, c = coll(), a = scan()) => indexedFindShape(find, c, a)?.shape;

Deno.test("indexed find shapes: equality and ranges on the one index naming the field", () => {
  assertEquals(shape({ filter: { a: "x" } }), S.EQ);
  assertEquals(shape({ filter: { a: 5 } }), S.EQ);
  assertEquals(shape({ filter: { a: new Long(5) } }), S.EQ);
  assertEquals(shape({ filter: { a: new ObjectId() } }), S.EQ);
  assertEquals(shape({ filter: { a: "x" }, sort: { a: 1 } }), S.EQ_SORTED);
  assertEquals(shape({ filter: { a: "x" }, sort: { a: new Int32(1) } }), S.EQ_SORTED);
  assertEquals(shape({ filter: { a: { $gte: 1, $lt: 5 } } }), S.RANGE);
  assertEquals(shape({ filter: { a: { $gt: 1 } }, sort: { a: 1 } }), S.RANGE_SORTED);
  assertEquals(shape({ filter: { a: { $in: [1, "x", new ObjectId()] } } }), S.IN);
  assertEquals(shape({ filter: { a: { $in: [2, 1] } }, sort: { a: 1 } }), S.IN_SORTED);
  const idScan = scan({ indexName: "_id_", keyPattern: { _id: 1 }, unique: true });
  assertEquals(shape({ filter: { _id: { $in: [1, 2] } } }, coll(), idScan), S.IN);
});

Deno.test("indexed find shapes: everything else stays with the command layer", () => {
  for (
    const find of [
      { filter: { a: { $in: [] } } },
      { filter: { a: { $in: [1, null] } } },
      { filter: { a: { $in: [1], $gt: 0 } } },
      { filter: { _id: { $gt: 1 } } },
      { filter: { a: { $gte: 1, $ne: 3 } } },
      { filter: { a: { b: 1 } } },
      { filter: { a: [1] } },
      { filter: { a: null } },
      { filter: { a: Decimal128.fromString("1") } },
      { filter: { a: /x/ } },
      { filter: { a: 1, b: 2 } },
      { filter: { "a.b": 1 } },
      { filter: { a: 1 }, sort: { a: -1 } },
      { filter: { a: 1 }, sort: { b: 1 } },
      { filter: { a: 1 }, hint: "a_1" },
      { filter: { a: 1 }, collation: { locale: "fr" } },
      { filter: { a: 1 }, min: { a: 0 } },
      { filter: { _id: 1 } },
      {},
    ]
  ) assertEquals(shape(find), undefined, JSON.stringify(find));
  assertEquals(shape({ filter: { a: 1 } }, coll(), scan({ multikey: true })), undefined);
  assertEquals(shape({ filter: { a: 1 } }, coll(), scan({ reverse: true })), undefined);
  assertEquals(shape({ filter: { a: 1 } }, coll(), scan({ keyPattern: { a: -1 } })), undefined);
  assertEquals(shape({ filter: { a: 1 } }, coll(), scan({ keyPattern: { a: 1, b: 1 } })), undefined);
  assertEquals(shape({ filter: { a: 1 }, sort: { a: 1 } }, coll(), scan({ providesSort: false })), undefined);
  assertEquals(shape({ filter: { a: 1 } }, coll([], { collation: { locale: "fr" } })), undefined);
  // another index the planner could weigh for the field
  for (const key of [{ a: 1, b: 1 }, { b: 1, a: 1 }, { "a.x": 1 }, { "$**": 1 }, { t: "text" }]) {
    assertEquals(
      shape({ filter: { a: 1 } }, coll([{ name: "o", spec: { key }, unique: false, ident: "i-2" }])),
      undefined,
    );
  }
  assertEquals(
    shape(
      { filter: { a: 1 } },
      coll([{ name: "b_1", spec: { key: { b: 1 } }, unique: false, ident: "i-2" }]),
    ),
    S.EQ,
  );
});
