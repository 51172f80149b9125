/**
 * BSON types survive the server: a double with an integral value (2.0) stays a double through
 * insert, update of another field, $inc, projection and aggregation; int32 and int64 keep theirs.
 * (The Node driver sends JS numbers as int32 when integral, so doubles are sent as `Double`.)
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { Double, Int32, Long, MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

Deno.test({
  name: "numeric BSON types are kept through writes and reads",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
    const client = new MongoClient(server.uri, { promoteValues: false });
    try {
      const c = client.db("types").collection<AnyDoc>("c");
      await c.insertOne({
        _id: 1,
        d: new Double(2),
        i: new Int32(2),
        l: Long.fromNumber(2),
        arr: [new Double(1)],
      });
      const types = async () =>
        (await c.aggregate([{
          $project: { _id: 0, d: { $type: "$d" }, i: { $type: "$i" }, l: { $type: "$l" } },
        }])
          .toArray())[0];
      assert.deepEqual(await types(), { d: "double", i: "int", l: "long" });
      await c.updateOne({ _id: 1 }, { $set: { other: new Int32(1) } });
      assert.deepEqual(await types(), { d: "double", i: "int", l: "long" });
      await c.updateOne({ _id: 1 }, { $inc: { d: new Int32(1), i: new Int32(1) } });
      assert.deepEqual(await types(), { d: "double", i: "int", l: "long" });
      assert.equal(Number(await c.countDocuments({ d: { $type: "double" }, arr: { $type: "double" } })), 1);
      const projected = await c.findOne({ _id: 1 }, { projection: { d: 1 } });
      assert.ok(projected!.d instanceof Double, "projection keeps the double");
      assert.equal(projected!.d.value, 3);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
