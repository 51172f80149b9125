/**
 * BSON's deprecated undefined (type 0x06) in stored data, as legacy data brings it: restored by the
 * official mongorestore, kept byte for byte (reads, updates, aggregation, mongodump → bsondump), and
 * queried under MongoDB 8.0's rules through the Node driver — `{a: null}`, `$eq: null`, `$in: [null]`
 * and `$lookup` no longer reach it, `$exists: true` and `$type: "undefined"` do, an index on the field
 * answers alike. A filter comparing to undefined is refused with mongod's BadValue (raw OP_MSG: drivers
 * turn undefined into null before sending). Our `load`, which inserts through the Node driver, says which
 * collections held it (loaded as null). Skipped without the mongo tools.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { BSON_UNDEFINED, serializeDocument } from "../../src/bson/undefined_value.ts";
import { haveMongoTools, runTool } from "./helpers/mongo_tools.ts";
import { rawConnection } from "./helpers/raw_wire.ts";
import { runCli } from "./helpers/server_process.ts";

const U = BSON_UNDEFINED;

/** The documents of the legacy collection (`u` where the data holds BSON undefined). */
const LEGACY = [
  { _id: 1, name: "x", tags: ["a"] },
  { _id: 2, name: U, tags: [U, "b"] },
  { _id: 3, name: ["G", U], sub: { v: U, w: null } },
  { _id: 4, other: 1 },
  { _id: 5, name: null },
  { _id: 6, name: ["G", null] },
  { _id: 7, name: 1 },
];

Deno.test({
  name:
    "stored BSON undefined: kept through mongorestore, reads, writes and mongodump; matched by 8.0's rules",
  ignore: !haveMongoTools,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-undefined-" });
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const file = `${work}/people.bson`;
      const sent = LEGACY.map((d) => serializeDocument(d));
      await Deno.writeFile(file, new Uint8Array(sent.flatMap((b) => [...b])));
      const restore = await runTool("mongorestore", [
        `--uri=${server.uri}`,
        "--db=legacy",
        "--collection=people",
        file,
      ]);
      assert.equal(restore.code, 0, restore.stderr);

      const people = client.db("legacy").collection<{ _id: number }>("people");
      // stored as sent: the driver's raw reads return the restored bytes
      const raw = await people.find({}, { raw: true }).sort({ _id: 1 }).toArray();
      assert.deepEqual(raw.map((b) => [...(b as unknown as Uint8Array)]), sent.map((b) => [...b]));

      const ids = async (filter: Record<string, unknown>, hint?: string) =>
        (await people.find(filter, hint ? { hint } : {}).sort({ _id: 1 }).toArray()).map((d) => d._id);
      const expected: [Record<string, unknown>, number[]][] = [
        [{ name: null }, [4, 5, 6]],
        [{ name: { $eq: null } }, [4, 5, 6]],
        [{ name: { $in: [null, "x"] } }, [1, 4, 5, 6]],
        [{ name: { $ne: null } }, [1, 2, 3, 7]],
        [{ name: { $nin: [null] } }, [1, 2, 3, 7]],
        [{ name: { $exists: true } }, [1, 2, 3, 5, 6, 7]],
        [{ name: { $exists: false } }, [4]],
        [{ name: { $type: "undefined" } }, [2, 3]],
        [{ name: { $type: "null" } }, [5, 6]],
        [{ name: { $lte: null } }, [4, 5, 6]],
        [{ "sub.v": { $type: 6 } }, [3]],
        [{ "sub.v": null }, [1, 2, 4, 5, 6, 7]],
        [{ "sub.w": null }, [1, 2, 3, 4, 5, 6, 7]],
      ];
      for (const [f, want] of expected) assert.deepEqual(await ids(f), want, JSON.stringify(f));
      assert.deepEqual(
        (await people.aggregate([{ $match: { name: null } }, { $project: { _id: 1 } }]).toArray()).map((d) =>
          d._id
        ),
        [4, 5, 6],
      );
      await people.createIndex({ name: 1 });
      for (const [f, want] of expected.slice(0, 10)) {
        assert.deepEqual(await ids(f, "name_1"), want, `${JSON.stringify(f)} with the index`);
      }
      const plan = await people.find({ name: null }).hint("name_1").explain();
      assert.match(JSON.stringify(plan.queryPlanner.winningPlan), /"name":\["\[null, null\]"\]/);

      // expressions: undefined is its own type and nullish; $lookup's null no longer meets it
      const shaped = await people.aggregate([
        { $match: { _id: { $in: [2, 5] } } },
        { $project: { t: { $type: "$name" }, dflt: { $ifNull: ["$name", "none"] } } },
      ]).toArray();
      assert.deepEqual(shaped, [{ _id: 2, t: "undefined", dflt: "none" }, {
        _id: 5,
        t: "null",
        dflt: "none",
      }]);
      const joined = await people.aggregate([
        { $match: { _id: 5 } },
        { $lookup: { from: "people", localField: "name", foreignField: "name", as: "m" } },
        { $project: { m: "$m._id" } },
      ]).toArray();
      assert.deepEqual(joined, [{ _id: 5, m: [4, 5, 6] }]);

      // a write to the document keeps its undefined fields
      await people.updateOne({ _id: 2 }, { $set: { touched: true } });
      await people.updateOne({ _id: 3 }, { $push: { extra: 1 } });
      assert.deepEqual(await ids({ name: { $type: "undefined" } }), [2, 3]);
      assert.deepEqual(await ids({ tags: { $type: "undefined" } }), [2]);
      assert.deepEqual(await ids({ "sub.v": { $type: "undefined" } }), [3]);

      // mongodump's copy holds them: bsondump prints canonical {"$undefined": true}
      const dump = await runTool("mongodump", [`--uri=${server.uri}`, "--db=legacy", `--out=${work}/dump`]);
      assert.equal(dump.code, 0, dump.stderr);
      const printed = await runTool("bsondump", [`${work}/dump/legacy/people.bson`]);
      assert.equal(printed.code, 0, printed.stderr);
      const lines = printed.stdout.trim().split("\n");
      assert.equal(lines.length, LEGACY.length);
      assert.equal(lines.join("\n").match(/\{"\$undefined":true\}/g)?.length, 4, printed.stdout);

      // our own `load` goes through the Node driver, which writes undefined as null: it says so per collection
      const target = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
      try {
        const l = await runCli(["load", "--uri", target.uri, "--dir", `${work}/dump`], { timeoutMs: 60_000 });
        assert.equal(l.code, 0, l.stderr);
        assert.match(
          l.stderr,
          /legacy\.people: 2 documents held BSON undefined \(deprecated\), loaded as null/,
        );
      } finally {
        await target.stop();
      }

      // a filter comparing to undefined is refused as mongod refuses it (and _id may not be undefined)
      const conn = await rawConnection(server.port);
      try {
        const ask = async (body: Record<string, unknown>) => {
          const frame = await conn.ask(serializeDocument(body));
          return BSON.deserialize(frame.subarray(5));
        };
        const refused: [Record<string, unknown>, string][] = [
          [{ name: U }, "cannot compare to undefined"],
          [{ name: { $ne: U } }, "cannot compare to undefined"],
          [{ name: { $gt: U } }, "cannot compare to undefined"],
          [{ name: { $in: [null, U] } }, "InMatchExpression equality cannot be undefined"],
        ];
        for (const [filter, errmsg] of refused) {
          const r = await ask({ find: "people", filter, $db: "legacy" });
          assert.deepEqual([r.ok, r.code, r.codeName, r.errmsg], [0, 2, "BadValue", errmsg]);
        }
        const r = await ask({ insert: "people", documents: [{ _id: U }], $db: "legacy" });
        assert.deepEqual(
          [r.n, r.writeErrors?.[0]?.code, r.writeErrors?.[0]?.errmsg],
          [0, 53, "The '_id' value cannot be of type undefined"],
        );
      } finally {
        conn.close();
      }
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
