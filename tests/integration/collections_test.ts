/**
 * Collections through npm:mongodb: renameCollection (collection.rename), views (create with viewOn,
 * find / aggregate / count / distinct on views, views on views, cycles, writes refused, drop,
 * listCollections, collMod of the pipeline), schema validation (query-operator and $jsonSchema
 * validators, levels, actions, bypassDocumentValidation, errInfo.details) and collMod of collection
 * options. One server for the file.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { type CollectionInfo, type Db, MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { code } from "./helpers/error_code.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** listCollections with full documents. */
async function infos(db: Db, filter: AnyDoc): Promise<CollectionInfo[]> {
  return await db.listCollections(filter).toArray() as CollectionInfo[];
}

Deno.test({
  name: "collections: rename, views, schema validation, collMod",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db: Db = client.db("colls");

      await t.step("renameCollection keeps documents, indexes and options; errors as mongod", async () => {
        const a = db.collection<AnyDoc>("a");
        await db.createCollection("a", { validator: { x: { $type: "number" } } });
        await a.insertMany([{ _id: 1, x: 1 }, { _id: 2, x: 2 }]);
        await a.createIndex({ x: 1 });
        const cursor = a.find({}, { batchSize: 1 });
        await cursor.next();
        const b = await a.rename("b");
        assertEquals(b.collectionName, "b");
        assertEquals(await b.countDocuments(), 2);
        assertEquals((await b.indexes()).map((i) => i.name), ["_id_", "x_1"]);
        const info = await infos(db, { name: "b" });
        assertEquals(info[0]?.options, { validator: { x: { $type: "number" } } });
        assertEquals(await infos(db, { name: "a" }), []);
        assertEquals(await code(cursor.next()), 175); // QueryPlanKilled "collection renamed", as mongod
        assertEquals(await code(db.collection<AnyDoc>("nope").rename("x")), 26);
        await db.collection<AnyDoc>("c").insertOne({ _id: 1 });
        assertEquals(await code(b.rename("c")), 48);
        assertEquals(
          await code(client.db("admin").command({ renameCollection: "colls.b", to: "colls.b" })),
          20,
        );
        const c = await b.rename("c", { dropTarget: true });
        assertEquals(await c.countDocuments(), 2);
        // Cross-database.
        const moved = await client.db("admin").command({ renameCollection: "colls.c", to: "colls2.moved" });
        assertEquals(moved["ok"], 1);
        assertEquals(await client.db("colls2").collection<AnyDoc>("moved").countDocuments(), 2);
        assertEquals(await code(db.command({ renameCollection: "colls.x", to: "colls.y" })), 13);
      });

      await t.step("views: create, read through find/aggregate/count/distinct, refuse writes", async () => {
        const base = db.collection<AnyDoc>("people");
        await base.insertMany([
          { _id: 1, name: "ann", age: 30, tags: ["a", "b"] },
          { _id: 2, name: "bob", age: 17, tags: ["b"] },
          { _id: 3, name: "cid", age: 45, tags: ["c"] },
        ]);
        await db.createCollection("adults", {
          viewOn: "people",
          pipeline: [{ $match: { age: { $gte: 18 } } }, { $project: { age: 0 } }],
        });
        const adults = db.collection<AnyDoc>("adults");
        assertEquals(await adults.find().sort({ _id: 1 }).toArray(), [
          { _id: 1, name: "ann", tags: ["a", "b"] },
          { _id: 3, name: "cid", tags: ["c"] },
        ]);
        assertEquals(await adults.find({ name: "cid" }, { projection: { name: 1 } }).toArray(), [
          { _id: 3, name: "cid" },
        ]);
        assertEquals(await adults.find().sort({ _id: -1 }).skip(1).limit(1).toArray(), [
          { _id: 1, name: "ann", tags: ["a", "b"] },
        ]);
        assertEquals(await adults.countDocuments(), 2);
        assertEquals(await adults.estimatedDocumentCount(), 2);
        assertEquals((await adults.distinct("tags")).sort(), ["a", "b", "c"]);
        assertEquals(await adults.aggregate([{ $group: { _id: null, n: { $sum: 1 } } }]).toArray(), [
          { _id: null, n: 2 },
        ]);
        // A view on a view.
        await db.createCollection("annOnly", { viewOn: "adults", pipeline: [{ $match: { name: "ann" } }] });
        assertEquals(await db.collection<AnyDoc>("annOnly").find().toArray(), [{
          _id: 1,
          name: "ann",
          tags: ["a", "b"],
        }]);
        // Batches through getMore keep the view's namespace.
        const many = await db.collection<AnyDoc>("adults").find({}, { batchSize: 1 }).toArray();
        assertEquals(many.length, 2);
        // listCollections
        const views = await infos(db, { type: "view" });
        assertEquals(views.map((v) => v.name).sort(), ["adults", "annOnly"]);
        const adultsInfo = views.find((v) => v.name === "adults")!;
        assertEquals(adultsInfo.options, {
          viewOn: "people",
          pipeline: [{ $match: { age: { $gte: 18 } } }, { $project: { age: 0 } }],
        });
        assertEquals((adultsInfo as { info?: unknown }).info, { readOnly: true });
        ok((await infos(db, { name: "system.views" })).length === 1);
        // Writes and index builds are 166.
        assertEquals(await code(adults.insertOne({ x: 1 })), 166);
        assertEquals(await code(adults.updateOne({}, { $set: { x: 1 } })), 166);
        assertEquals(await code(adults.deleteMany({})), 166);
        assertEquals(await code(adults.createIndex({ x: 1 })), 166);
        assertEquals(await code(adults.indexes()), 166);
        assertEquals(await code(adults.rename("other")), 166);
        // Names taken, cycles.
        assertEquals(await code(db.createCollection("people", { viewOn: "adults" })), 48);
        assertEquals(await code(db.createCollection("adults", { viewOn: "people" })), 48);
        assertEquals(
          await code(db.command({ collMod: "adults", viewOn: "annOnly", pipeline: [] })),
          5,
        );
        // collMod of the view's definition.
        await db.command({
          collMod: "adults",
          viewOn: "people",
          pipeline: [{ $match: { age: { $lt: 18 } } }],
        });
        assertEquals(await adults.find().toArray(), [{ _id: 2, name: "bob", age: 17, tags: ["b"] }]);
        assertEquals(await code(db.command({ collMod: "adults", viewOn: "people" })), 72);
        // $lookup from a view.
        const joined = await base.aggregate([
          { $match: { _id: 1 } },
          { $lookup: { from: "adults", pipeline: [{ $project: { name: 1, _id: 0 } }], as: "minors" } },
          { $project: { minors: 1 } },
        ]).toArray();
        assertEquals(joined, [{ _id: 1, minors: [{ name: "bob" }] }]);
        // drop
        assertEquals(await db.collection<AnyDoc>("annOnly").drop(), true);
        assertEquals((await infos(db, { type: "view" })).map((v) => v.name), ["adults"]);
      });

      await t.step("schema validation: query operators, $jsonSchema, levels, actions, bypass", async () => {
        await db.createCollection("v1", {
          validator: {
            $jsonSchema: {
              bsonType: "object",
              required: ["name"],
              properties: { name: { bsonType: "string" }, age: { bsonType: "int", minimum: 0 } },
            },
          },
        });
        const v1 = db.collection<AnyDoc>("v1");
        await v1.insertOne({ _id: 1, name: "ok", age: 3 });
        const err = await rejects(v1.insertOne({ _id: 2, age: -1 }), (e: MongoServerError) => {
          assertEquals(e.code, 121);
          const info = e.errInfo as Record<string, unknown>;
          assertEquals(info["failingDocumentId"], 2);
          const details = info["details"] as Record<string, unknown>;
          assertEquals(details["operatorName"], "$jsonSchema");
          const rules = details["schemaRulesNotSatisfied"] as Record<string, unknown>[];
          assertEquals(rules.map((r) => r["operatorName"]).sort(), ["properties", "required"]);
          assertEquals(rules.find((r) => r["operatorName"] === "required")!["missingProperties"], ["name"]);
          return true;
        });
        void err;
        // Updates are validated too; bypassDocumentValidation skips the check.
        assertEquals(await code(v1.updateOne({ _id: 1 }, { $set: { name: 5 } })), 121);
        await v1.updateOne({ _id: 1 }, { $set: { name: 5 } }, { bypassDocumentValidation: true });
        await v1.insertOne({ _id: 3 }, { bypassDocumentValidation: true });
        // moderate: documents that already fail may be updated.
        await db.command({ collMod: "v1", validationLevel: "moderate" });
        await v1.updateOne({ _id: 1 }, { $set: { other: 1 } });
        assertEquals(await code(v1.insertOne({ _id: 4 })), 121);
        // warn: the write goes through.
        await db.command({ collMod: "v1", validationAction: "warn" });
        await v1.insertOne({ _id: 5 });
        // off
        await db.command({ collMod: "v1", validationAction: "error", validationLevel: "off" });
        await v1.insertOne({ _id: 6 });
        const info = (await infos(db, { name: "v1" }))[0]!;
        assertEquals(info.options?.["validationLevel"], "off");
        assertEquals(info.options?.["validationAction"], "error");
        // A query-operator validator added by collMod; findOneAndUpdate reports errInfo.
        await db.createCollection("v2");
        const v2 = db.collection<AnyDoc>("v2");
        await v2.insertOne({ _id: 1, x: "a" });
        await db.command({ collMod: "v2", validator: { x: { $type: "string" } } });
        await rejects(v2.findOneAndUpdate({ _id: 1 }, { $set: { x: 1 } }), (e: MongoServerError) => {
          assertEquals(e.code, 121);
          const details = (e.errInfo as Record<string, Record<string, unknown>>)["details"]!;
          assertEquals(details["operatorName"], "$type");
          assertEquals(details["consideredValue"], 1);
          return true;
        });
        // Bulk writes get per-document write errors with errInfo.
        const res = await v2.insertMany([{ _id: 2, x: "b" }, { _id: 3, x: 3 }], { ordered: false }).catch((
          e,
        ) => e);
        assertEquals(res.code, 121);
        assertEquals(
          res.writeErrors?.[0]?.errInfo?.failingDocumentId ?? res.writeErrors?.errInfo?.failingDocumentId,
          3,
        );
        assertEquals(await v2.countDocuments(), 2);
        // Bad options.
        assertEquals(await code(db.createCollection("v3", { validationLevel: "bogus" as "off" })), 2);
        assertEquals(await code(db.createCollection("v3", { validator: { $where: "true" } })), 224);
      });

      await t.step("collMod: changeStreamPreAndPostImages, index options, errors", async () => {
        await db.createCollection("m", { changeStreamPreAndPostImages: { enabled: true } });
        const m = db.collection<AnyDoc>("m");
        await m.createIndex({ t: 1 }, { expireAfterSeconds: 100 });
        await db.command({ collMod: "m", changeStreamPreAndPostImages: { enabled: false } });
        const r = await db.command({ collMod: "m", index: { keyPattern: { t: 1 }, expireAfterSeconds: 50 } });
        assertEquals(r["expireAfterSeconds_new"], 50);
        const info = (await infos(db, { name: "m" }))[0]!;
        assertEquals(info.options, { changeStreamPreAndPostImages: { enabled: false } });
        assertEquals(await code(db.command({ collMod: "missing", validator: {} })), 26);
        assertEquals(await code(db.command({ collMod: "m", viewOn: "x", pipeline: [] })), 72);
      });
      await t.step(
        "a collection's default collation applies to queries, sorts, distinct, updates, indexes",
        async () => {
          await db.createCollection("ci", { collation: { locale: "en", strength: 2 } });
          const ci = db.collection<AnyDoc>("ci");
          await ci.insertMany([{ _id: 1, x: "b" }, { _id: 2, x: "A" }, { _id: 3, x: "a" }, {
            _id: 4,
            x: "B",
          }]);
          assertEquals((await ci.find({ x: "a" }).toArray()).map((d) => d["_id"]).sort(), [2, 3]);
          assertEquals(await ci.countDocuments({ x: "B" }), 2);
          assertEquals((await ci.distinct("x")).length, 2);
          const sorted = (await ci.find({}).sort({ x: 1, _id: 1 }).toArray()).map((d) => d["_id"]);
          assertEquals(sorted, [2, 3, 1, 4]);
          assertEquals((await ci.updateMany({ x: "a" }, { $set: { y: 1 } })).modifiedCount, 2);
          assertEquals(
            (await ci.aggregate([{ $match: { x: "b" } }, { $count: "n" }]).toArray())[0]?.["n"],
            2,
          );
          await ci.createIndex({ x: 1 });
          const ix = (await ci.indexes()).find((i) => i.name === "x_1")!;
          assertEquals(ix.collation?.["locale"], "en");
          assertEquals(ix.collation?.["strength"], 2);
          assertEquals((ix.collation as AnyDoc)?.version, "57.1");
          // An explicit simple collation overrides the default.
          assertEquals(await ci.countDocuments({ x: "a" }, { collation: { locale: "simple" } }), 1);
        },
      );
      await t.step(
        "DBRefs survive updates and their $ref/$id/$db are queryable; $pull with $or",
        async () => {
          const r = db.collection<AnyDoc>("refs");
          await r.insertOne({
            _id: 1,
            owner: { $ref: "users", $id: 7, $db: "app" },
            arr: [{ k: 1 }, { k: 2 }, { k: 3 }],
          });
          await r.updateOne({ _id: 1 }, { $set: { touched: true } });
          assertEquals(await r.countDocuments({ "owner.$id": 7 }), 1);
          assertEquals(await r.countDocuments({ "owner.$ref": "users", "owner.$db": "app" }), 1);
          const raw = await r.findOne({ _id: 1 });
          assertEquals(raw?.owner?.collection, "users"); // still a DBRef once decoded by the driver
          await r.updateOne({ _id: 1 }, { $pull: { arr: { $or: [{ k: 1 }, { k: 3 }] } } } as AnyDoc);
          assertEquals((await r.findOne({ _id: 1 }))?.arr, [{ k: 2 }]);
        },
      );
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
