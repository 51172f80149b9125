/**
 * An update statement's `c` (constants of a pipeline update, `$$name`) through the Node driver's raw
 * command: read by the pipeline, alongside the command's `let`; on an update that is not a pipeline,
 * mongod's write error 51198 — before, `c` was accepted and ignored (a pipeline naming it failed on an
 * undefined variable, a modifier update ran as if it were absent).
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

serverTest("update statements' c: constants of pipeline updates; 51198 elsewhere", async (client) => {
  const db = client.db("t");
  const c = db.collection<{ _id: number }>("c");
  await c.insertMany([{ _id: 1 }, { _id: 2 }]);
  const one = await db.command({
    update: "c",
    updates: [{ q: { _id: 1 }, u: [{ $set: { z: "$$k" } }], c: { k: 7 } }],
  });
  assert.equal(one.nModified, 1);
  assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, z: 7 });
  await db.command({
    update: "c",
    updates: [{ q: { _id: 2 }, u: [{ $set: { z: { $add: ["$$k", "$$m"] } } }], c: { k: 1 } }],
    let: { m: 10 },
  });
  assert.deepEqual(await c.findOne({ _id: 2 }), { _id: 2, z: 11 });
  for (const q of [{}, { _id: 1 }]) {
    const r = await db.command({ update: "c", updates: [{ q, u: { $set: { w: 1 } }, c: { z: 2 } }] });
    assert.equal(r.n, 0);
    assert.equal(r.writeErrors[0].code, 51198);
    assert.equal(r.writeErrors[0].errmsg, "Constant values may only be specified for pipeline updates");
  }
  assert.equal(await c.countDocuments({ w: 1 }), 0);
});
