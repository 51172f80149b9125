import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON, ObjectId } from "bson";
import { parseInsert, prepareInsert, prepareInsertRaw } from "./insert.ts";
import { lazyDocuments } from "../../bson/lazy_documents.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { rememberSource } from "../../bson/raw_source.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

Deno.test("insert params: documents, ordered and the collection", () => {
  const p = parseInsert({ insert: "c", documents: [{ a: 1 }], ordered: false, $db: "test" });
  assertEquals([p.collection, p.documents, p.ordered], ["c", [{ a: 1 }], false]);
});

Deno.test("insert params: an unknown field is 40415", () => {
  refuses(() => parseInsert({ insert: "c", documents: [{}], foo: 1 }), 40415, "'insert.foo'");
});

Deno.test("insert params: documents missing or null is 40414", () => {
  refuses(() => parseInsert({ insert: "c" }), 40414, "'insert.documents' is missing");
  refuses(() => parseInsert({ insert: "c", documents: null }), 40414, "'insert.documents' is missing");
});

Deno.test("insert params: a non-document entry is 14 naming insert.documents", () => {
  refuses(
    () => parseInsert({ insert: "c", documents: [{}, 5] }),
    14,
    "BSON field 'insert.documents' is the wrong type 'int', expected type 'object'",
  );
});

Deno.test("insert params: an empty batch is 16 InvalidLength", () => {
  refuses(() => parseInsert({ insert: "c", documents: [] }), 16, "between 1 and 100000. Got 0");
});

Deno.test("insert params: let must be a document even though insert ignores it", () => {
  refuses(() => parseInsert({ insert: "c", documents: [{}], let: 1 }), 14, "'insert.let'");
});

Deno.test("insert: the sent bytes are stored as they are (with a generated _id put first), else encoded", () => {
  const coll = {
    db: "d",
    name: "c",
    ident: "coll-x",
    uuid: new Uint8Array(16),
    options: {},
    indexes: [{ name: "_id_", unique: true, spec: { key: { _id: 1 }, name: "_id_" }, ident: "ix-x" }],
  } as unknown as CollectionEntry;
  const body = new Uint8Array(BSON.serialize({
    insert: "c",
    documents: [{ _id: 1, a: "x" }, { a: 2, b: [1, { c: 2.5 }] }, { b: 1, _id: 3 }, { "1": 1, _id: 4 }],
    $db: "d",
  }));
  const decoded = decodeDocument(body);
  rememberSource(decoded, body);
  const p = parseInsert(decoded);
  assertEquals(p.sources?.length, 4);
  const prepared = p.documents.map((d, i) => prepareInsert(coll, d, {}, p.sources?.[i]));
  for (const [i, x] of prepared.entries()) {
    assertEquals([...x.bytes], [...BSON.serialize(x.doc)], `document ${i}`);
  }
  assertEquals(prepared[0]!.bytes.buffer, body.buffer, "stored as sent");
  assertEquals(Object.keys(prepared[1]!.doc), ["_id", "a", "b"]);
  assertEquals(Object.keys(prepared[2]!.doc), ["_id", "b"]);
  // without the remembered body: encoded as before
  const plain = parseInsert(decodeDocument(body));
  assertEquals(plain.sources, [undefined, undefined, undefined, undefined]);
});

Deno.test("insert from the request's bytes: the same stored bytes and index keys as from the decoded document", () => {
  const ix = (name: string, key: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    name,
    unique: false,
    spec: { key, name, ...extra },
    ident: `ix-${name}`,
  });
  const collOf = (indexes: unknown[], options: Record<string, unknown> = {}) =>
    ({
      db: "d",
      name: "c",
      ident: "coll-x",
      uuid: new Uint8Array(16),
      options,
      indexes: [
        { name: "_id_", unique: true, spec: { key: { _id: 1 }, name: "_id_" }, ident: "ix-id" },
        ...indexes,
      ],
    }) as unknown as CollectionEntry;
  const colls = [
    collOf([]),
    collOf([ix("a_1", { a: 1 }), ix("b.c_-1_x_1", { "b.c": -1, x: 1 }), ix("h", { s: "hashed" })]),
    collOf([ix("tags_1", { tags: 1 }), ix("_id_1_a_1", { _id: 1, a: 1 })]),
    collOf([ix("p", { a: 1 }, { partialFilterExpression: { a: { $gt: 1 } } })]), // whole document
    collOf([], { validator: { _id: { $exists: true } } }), // whole document
  ];
  const docs = [
    { _id: new ObjectId(), a: 1, s: "x".repeat(700), b: { c: [3, 1] } },
    { a: 2, tags: ["t", "u", "t"], x: null }, // _id generated
    { b: { c: 5 }, _id: 7, a: "é" }, // _id moved first
    { _id: { k: 1 }, tags: [], s: 1.5 },
  ];
  for (const [c, coll] of colls.entries()) {
    for (const [i, d] of docs.entries()) {
      const raw = BSON.serialize(d);
      const fromRaw = prepareInsertRaw(coll, raw);
      const fromDoc = prepareInsert(coll, decodeDocument(raw));
      const stored = decodeDocument(fromRaw.bytes);
      // a generated _id differs: compare with the raw path's own
      const expected = "_id" in d
        ? fromDoc
        : prepareInsert(coll, { _id: stored["_id"], ...decodeDocument(raw) });
      assertEquals([...fromRaw.bytes], [...expected.bytes], `bytes, collection ${c}, document ${i}`);
      assertEquals(fromRaw.keys, expected.keys, `keys, collection ${c}, document ${i}`);
    }
  }
  refuses(() => prepareInsertRaw(colls[0]!, BSON.serialize({ _id: [1] })), 53, "array");
  refuses(
    () => prepareInsertRaw(colls[1]!, BSON.serialize({ _id: 1, b: [{ c: 1 }], x: [1, 2] })),
    171,
    "parallel arrays",
  );
});

Deno.test("insert params: documents the wire layer kept as bytes are taken undecoded", () => {
  const raw = [BSON.serialize({ _id: 1 }), BSON.serialize({ a: 2 })];
  const documents = lazyDocuments(raw);
  const p = parseInsert({ insert: "c", documents, $db: "d" });
  assertEquals(p.raw, raw);
  assertEquals(p.sources, undefined);
  refuses(() => parseInsert({ insert: "c", documents: lazyDocuments([]) }), 16, "Got 0");
});
