/**
 * Command parameters typed as numbers refuse a BSON Timestamp (npm bson's Timestamp is a Long subclass,
 * which once made it pass as a number): 14 TypeMismatch naming the type, as mongod's IDL does.
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Timestamp } from "bson";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("a Timestamp where a number is expected is 14 TypeMismatch", async (client) => {
  const db = client.db("pt");
  await db.collection("c").insertOne({ a: 1 });
  const ts = new Timestamp({ t: 0, i: 3 });
  for (
    const cmd of [{ find: "c", limit: ts }, { find: "c", skip: ts }, { find: "c", batchSize: ts }, {
      count: "c",
      skip: ts,
    }]
  ) {
    const e: AnyDoc = await db.command(cmd).then(() => assert.fail(JSON.stringify(cmd)), (e) => e);
    assert.equal(e.code, 14, JSON.stringify(cmd));
    assert.match(e.message, /is the wrong type 'timestamp'/);
  }
  const e: AnyDoc = await db.command({ find: "c", maxTimeMS: ts }).then(() => assert.fail(), (e) => e);
  assert.equal(e.code, 2);
});
