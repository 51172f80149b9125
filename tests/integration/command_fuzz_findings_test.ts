/**
 * Bugs the command fuzzer (tests/fuzz/command_fuzz.ts) found, kept as tests through the Node driver:
 * each bad body now gets mongod's code and codeName (no InternalError), and the server still answers
 * a ping afterwards.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import type { Db, MongoClient } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { RawClient } from "../fuzz/client.ts";
import { RawDate } from "../fuzz/encode.ts";

const fail = (p: Promise<unknown>) => p.then(() => assert.fail("expected an error"), (e: AnyDoc) => e);

async function refuses(db: Db, body: AnyDoc, code: number, codeName: string): Promise<AnyDoc> {
  const e = await fail(db.command(body));
  assert.equal(e.codeName, codeName, `${JSON.stringify(body)}: ${e.message}`);
  assert.equal(e.code, code);
  return e;
}

async function stillServes(client: MongoClient): Promise<void> {
  assert.equal((await client.db("admin").command({ ping: 1 })).ok, 1);
}

serverTest(
  "top after a command whose string value holds NUL (buildInfo: 'a\\0z') still answers",
  async (client) => {
    const db = client.db("cff");
    assert.equal((await db.command({ buildInfo: "a\u0000z" })).ok, 1);
    await fail(db.command({ getMore: 1, collection: "a\u0000z" }));
    const top = await client.db("admin").command({ top: 1 });
    assert.equal(top.ok, 1);
    assert.ok(Object.keys(top.totals).every((k) => !k.includes("\u0000")));
    await stillServes(client);
  },
);

serverTest(
  "a datetime outside a JS Date's range is refused (22 InvalidBSON), not stored as the epoch (tests/diff 13)",
  async (client, server) => {
    const db = client.db("cff");
    // (the Node driver cannot encode such a datetime: raw OP_MSG, as the fuzzer sent it)
    const raw = await RawClient.connect(Number(new URL(server.uri).port));
    try {
      for (const ms of [9223372036854775807n, -9223372036854775808n, 8640000000000001n]) {
        for (
          const body of [
            { insert: "dates", documents: [{ _id: String(ms), t: new RawDate(ms) }] },
            { find: "dates", filter: { t: { $lt: new RawDate(ms) } } },
            { update: "dates", updates: [{ q: {}, u: { $set: { t: new RawDate(ms) } }, upsert: true }] },
          ]
        ) {
          const o = await raw.ask("cff", body, 5000);
          assert.equal(o.kind, "reply");
          const r = (o as { reply: AnyDoc }).reply;
          assert.equal(r.ok, 0, JSON.stringify(r));
          assert.equal(r.code, 22);
          assert.equal(r.codeName, "InvalidBSON");
          assert.match(r.errmsg, /datetime is outside the range/);
        }
      }
      const edge = await raw.ask("cff", {
        insert: "dates",
        documents: [{ _id: "max", t: new RawDate(8640000000000000n) }],
      }, 5000);
      assert.equal((edge as { reply: AnyDoc }).reply.n, 1);
    } finally {
      raw.close();
    }
    assert.equal(await db.collection("dates").countDocuments(), 1);
    assert.equal((await db.collection<AnyDoc>("dates").findOne({ _id: "max" }))!.t.getTime(), 8.64e15);
    await stillServes(client);
  },
);

export { refuses };
