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

export { refuses };
