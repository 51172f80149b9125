import assert from "node:assert/strict";
import { Long, ObjectId } from "bson";
import { boundedText, opKind, redactSecrets, snipForLog, truncatedCommand } from "./op_description.ts";
import { lazyDocuments } from "../bson/lazy_documents.ts";

Deno.test("opKind: mongod's op names", () => {
  assert.equal(opKind("find"), "query");
  assert.equal(opKind("getMore"), "getmore");
  assert.equal(opKind("delete"), "remove");
  assert.equal(opKind("aggregate"), "command");
});

Deno.test("truncatedCommand: small commands unchanged; large ones $truncated within the bound, comment kept", () => {
  const small = { find: "c", filter: { a: 1 } };
  assert.equal(truncatedCommand(small, 1000), small);
  const big = {
    insert: "c",
    documents: Array.from({ length: 500 }, (_, i) => ({ _id: i, s: "x".repeat(50) })),
    comment: "why",
  };
  const t = truncatedCommand(big, 1000);
  assert.equal(typeof t["$truncated"], "string");
  const text = t["$truncated"] as string;
  assert.equal(text.length, 1000);
  assert.ok(text.startsWith('{insert: "c", documents: [{_id: 0, s: "xxx'), text.slice(0, 60));
  assert.ok(text.endsWith("..."));
  assert.equal(t["comment"], "why");
});

Deno.test("snipForLog: a batch write's statements become their count", () => {
  const docs = [{ a: 1 }, { a: 2 }, { a: 3 }];
  assert.deepEqual(snipForLog("insert", { insert: "c", documents: docs }), { insert: "c", documents: 3 });
  assert.deepEqual(snipForLog("update", { update: "c", updates: [{ q: {}, u: {} }] }), {
    update: "c",
    updates: [{ q: {}, u: {} }],
  });
  assert.deepEqual(snipForLog("find", { find: "c", documents: docs }), { find: "c", documents: docs });
});

Deno.test("boundedText: stops at the limit without walking the rest; BSON values print", () => {
  const huge = Array.from({ length: 1_000_000 }, (_, i) => i);
  assert.equal(boundedText(huge, 50).length, 50);
  const id = new ObjectId("64b7f0c2a1b2c3d4e5f60718");
  assert.equal(
    boundedText({ id, n: Long.fromNumber(5), b: 1n }, 1000),
    "{id: 64b7f0c2a1b2c3d4e5f60718, n: 5, b: 1}",
  );
});

Deno.test("redactSecrets: a user command's pwd and a SASL payload are shown as xxx", () => {
  assert.deepEqual(redactSecrets("createUser", { createUser: "u", pwd: "secret", roles: [] }), {
    createUser: "u",
    pwd: "xxx",
    roles: [],
  });
  assert.deepEqual(redactSecrets("updateUser", { updateUser: "u", pwd: "s" })["pwd"], "xxx");
  assert.deepEqual(redactSecrets("saslContinue", { saslContinue: 1, payload: "p" })["payload"], "xxx");
  const find = { find: "c", filter: { pwd: 1 } };
  assert.equal(redactSecrets("find", find), find);
  assert.deepEqual(redactSecrets("createUser", { createUser: "x509user", roles: [] }), {
    createUser: "x509user",
    roles: [],
  });
});

Deno.test("snipForLog: an insert's documents kept as bytes are counted, not decoded", () => {
  const notBson = new Uint8Array([5, 0, 0, 0, 1]); // decoding it would throw
  const documents = lazyDocuments([notBson, notBson, notBson]);
  assert.deepEqual(snipForLog("insert", { insert: "c", documents }), { insert: "c", documents: 3 });
});
