/** The deferred featureCompatibilityVersion document: written once, before non-handshake commands, hook-less. */
import assert from "node:assert/strict";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { openWiredTiger } from "../../storage/mod.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { DeferredFcvDocument, FCV_COLLECTION, FCV_DB } from "./fcv.ts";

const keysOf = (coll: CollectionEntry, doc: Doc) =>
  indexKeysOf(coll, doc, { compilePartialFilter: () => () => true });
const open = () =>
  openWiredTiger({ path: ":memory:", cacheSizeBytes: 64 << 20, sessionMax: 20, syncOnCommit: false });

Deno.test("DeferredFcvDocument: handshake commands leave it pending; the next command writes it once, hook-less", () => {
  const storage = open();
  try {
    const told: string[] = [];
    storage.addWriteHook({ onChange: (c) => void told.push(c.op) });
    const errors: unknown[] = [];
    const fcv = new DeferredFcvDocument(storage, keysOf, (e) => errors.push(e));
    for (const c of ["hello", "isMaster", "ping", "saslStart", "buildInfo"]) fcv.before(c);
    assert(fcv.pending);
    assertEquals(storage.catalog.getCollection(FCV_DB, FCV_COLLECTION), undefined);
    fcv.before("listDatabases");
    assert(!fcv.pending);
    const coll = storage.catalog.getCollection(FCV_DB, FCV_COLLECTION)!;
    const docs = storage.read((t) => [...t.scan(coll)].map((r) => decodeDocument(r.bytes)));
    assertEquals(docs, [{ _id: "featureCompatibilityVersion", version: "8.0" }]);
    assertEquals(told, []);
    fcv.before("find");
    fcv.ensure();
    assertEquals(storage.read((t) => [...t.scan(coll)].length), 1);
    assertEquals(errors, []);
  } finally {
    storage.close();
  }
});

Deno.test("DeferredFcvDocument: an unknown body (no first key) writes it; an existing document is kept", () => {
  const storage = open();
  try {
    new DeferredFcvDocument(storage, keysOf, () => {}).ensure();
    const fcv = new DeferredFcvDocument(storage, keysOf, () => {});
    fcv.before(undefined);
    assert(!fcv.pending);
    const coll = storage.catalog.getCollection(FCV_DB, FCV_COLLECTION)!;
    assertEquals(storage.read((t) => [...t.scan(coll)].length), 1);
  } finally {
    storage.close();
  }
});
