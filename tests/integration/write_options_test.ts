/**
 * Options of writes that do not come through insert/update, through the Node driver and mongosh:
 * `$out`, `$merge` (inserted and matched documents) and mapReduce's output are checked against the
 * target's validator (121) unless the command says `bypassDocumentValidation: true`; createIndexes'
 * `ignoreUnknownIndexOptions: true` drops the options an index cannot have instead of refusing them (197).
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";
import { runMongosh } from "./helpers/mongosh.ts";

serverTest(
  "$out, $merge and mapReduce validate what they write; bypassDocumentValidation skips it",
  async (client) => {
    const db = client.db("wv");
    await db.createCollection("target", { validator: { a: { $type: "int" } } });
    await db.collection<AnyDoc>("target").insertOne({ _id: 1, a: 1 });
    await db.collection<AnyDoc>("src").insertMany([{ _id: 1, a: "one" }, { _id: 2, a: "two" }]);
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e: AnyDoc) => e.code);
    const merge = [{ $merge: { into: "target", whenMatched: "merge", whenNotMatched: "insert" } }];
    // a $merge that would insert or update an invalid document
    assert.equal(await code(db.collection("src").aggregate(merge).toArray()), 121);
    assert.equal(
      await code(db.collection("src").aggregate([{ $match: { _id: 1 } }, ...merge]).toArray()),
      121,
    );
    assert.deepEqual(await db.collection("target").find().toArray(), [{ _id: 1, a: 1 }]);
    // whenMatched "merge" of an invalid update, alone (its _id exists)
    const matchedOnly = [{ $match: { _id: 1 } }, {
      $merge: { into: "target", whenMatched: "merge", whenNotMatched: "discard" },
    }];
    assert.equal(await code(db.collection("src").aggregate(matchedOnly).toArray()), 121);
    assert.equal(
      await code(db.collection("src").aggregate(merge, { bypassDocumentValidation: true }).toArray()),
      "ok",
    );
    assert.deepEqual(await db.collection("target").find().sort({ _id: 1 }).toArray(), [
      { _id: 1, a: "one" },
      { _id: 2, a: "two" },
    ]);
    // $out into a collection with a validator
    await db.createCollection("outT", { validator: { a: { $type: "int" } } });
    assert.equal(await code(db.collection("src").aggregate([{ $out: "outT" }]).toArray()), 121);
    assert.equal(await db.collection("outT").countDocuments(), 0);
    assert.equal(
      await code(
        db.collection("src").aggregate([{ $out: "outT" }], { bypassDocumentValidation: true }).toArray(),
      ),
      "ok",
    );
    assert.equal(await db.collection("outT").countDocuments(), 2);
    // validationAction "warn": written, as an insert would be
    await db.createCollection("warned", { validator: { a: { $type: "int" } }, validationAction: "warn" });
    await db.collection("src").aggregate([{ $merge: { into: "warned" } }]).toArray();
    assert.equal(await db.collection("warned").countDocuments(), 2);
    // mapReduce into a validated collection
    await db.createCollection("mrT", { validator: { value: { $type: "int" } } });
    const mr = (extra: AnyDoc) =>
      db.command({
        mapReduce: "src",
        map: "function() { emit(this._id, this.a) }",
        reduce: "function(k, v) { return v[0] }",
        out: { merge: "mrT" },
        ...extra,
      });
    assert.equal(await code(mr({})), 121);
    assert.equal(await code(mr({ bypassDocumentValidation: true })), "ok");
    assert.equal(await db.collection("mrT").countDocuments(), 2);
    // the option's type
    assert.equal(
      await code(db.command({ aggregate: "src", pipeline: [], cursor: {}, bypassDocumentValidation: "x" })),
      14,
    );
  },
);

serverTest(
  "createIndexes: ignoreUnknownIndexOptions drops unknown options; without it 197",
  async (client, server) => {
    const db = client.db("ix");
    await db.collection("c").insertOne({ a: 1 });
    const e: AnyDoc = await db.command({
      createIndexes: "c",
      indexes: [{ key: { a: 1 }, name: "a_1", bogus: 1 }],
    }).catch((e) => e);
    assert.equal(e.code, 197);
    assert.equal(e.codeName, "InvalidIndexSpecificationOption");
    await db.command({
      createIndexes: "c",
      indexes: [{ key: { a: 1 }, name: "a_1", bogus: 1, unique: true }],
      ignoreUnknownIndexOptions: true,
    });
    const a = (await db.collection("c").listIndexes().toArray()).find((i) => i.name === "a_1");
    assert.deepEqual(a, { v: 2, key: { a: 1 }, name: "a_1", unique: true });
    // the same request again: the index exists with those options (no conflict)
    await db.command({
      createIndexes: "c",
      indexes: [{ key: { a: 1 }, name: "a_1", bogus: 1, unique: true }],
      ignoreUnknownIndexOptions: true,
    });
    assert.equal(
      (await db.command({
        createIndexes: "c",
        indexes: [{ key: { b: 1 }, name: "b_1" }],
        ignoreUnknownIndexOptions: 1,
      })
        .catch((e) => e)).code,
      14,
    );
    // through mongosh (whose createIndex helper leaves unknown options out itself)
    const out = await runMongosh(
      server.uri,
      `const r = db.getSiblingDB("ix").runCommand({ createIndexes: "c", indexes: [{ key: { z: 1 }, name: "z_1", bogusOpt: 1 }],
       ignoreUnknownIndexOptions: true });
     print(r.ok, JSON.stringify(db.getSiblingDB("ix").c.getIndexes().find((i) => i.name === "z_1")))`,
    );
    assert.match(out, /^1 \{"v":2,"key":\{"z":1\},"name":"z_1"\}$/m);
  },
);
