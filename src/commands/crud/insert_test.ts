import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON } from "bson";
import { parseInsert, prepareInsert } from "./insert.ts";
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
