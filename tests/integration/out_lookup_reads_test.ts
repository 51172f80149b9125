/**
 * What the forty-first session's `$out` / `$lookup` reads change, through the Node driver (one server):
 *
 * - a pipeline of only a `$match` hands the stored documents' bytes on: a cursor returns the bytes
 *   `find` returns, `$out` writes them (the target's indexes, validator and unique keys still apply:
 *   a refused document leaves the old contents), `$merge` decodes them;
 * - `$out` over a target holding documents removes them with keys from the indexed fields only;
 * - a `$lookup` whose index serves each outer document decodes only what its sub-pipeline, or (joined
 *   as they are) the stages after it, read: the same results as reading whole documents.
 */
import assert from "node:assert/strict";
import { Binary, Decimal128, Double, Int32, Long } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";

type D = { _id: number | string; [k: string]: unknown };
type Spec = Record<string, unknown>;

serverTest("$out / $merge of stored bytes and $lookup's partial reads keep their results", async (client) => {
  const db = client.db("olr");
  const src = db.collection<D>("src");
  const docs: D[] = [];
  for (let i = 0; i < 300; i++) {
    docs.push({
      _id: i,
      a: i % 10,
      k: i % 30,
      d: new Double(i % 3), // a double that looks like an int32 stays a double
      l: Long.fromNumber(i * 1e10),
      i32: new Int32(i),
      dec: Decimal128.fromString(`${i}.5`),
      bin: new Binary(new Uint8Array([i % 256, 1, 2])),
      when: new Date(1.7e12 + i),
      sub: { x: i % 7, arr: [i, { y: `s${i}` }] },
      txt: `é${i}`,
    });
  }
  await src.insertMany(docs);
  await src.createIndex({ a: 1 });
  const raw = { raw: true } as const;
  const bytes = (rows: unknown[]) => rows.map((r) => Buffer.from(r as Uint8Array).toString("hex"));

  // a cursor over a $match-only pipeline: the bytes find returns
  const viaFind = bytes(await src.find({ a: { $lt: 3 } }, raw).toArray());
  assert.equal(viaFind.length, 90);
  assert.deepEqual(bytes(await src.aggregate([{ $match: { a: { $lt: 3 } } }], raw).toArray()), viaFind);
  const byId = bytes(await src.find({ a: { $lt: 3 } }, raw).sort({ _id: 1 }).toArray());

  // $out replacing a target with documents, indexes and a validator: the target's indexes and options
  // stay, the documents are the source's bytes
  const o = db.collection<D>("o");
  await db.createCollection("o", { validator: { a: { $type: "number" } } });
  await o.createIndex({ "sub.x": 1 });
  await o.createIndex({ txt: 1 }, { unique: true });
  await o.insertMany([{ _id: "old1", a: 1, txt: "o1" }, { _id: "old2", a: 2, txt: "o2" }]);
  for (let round = 0; round < 2; round++) {
    await src.aggregate([{ $match: { a: { $lt: 3 } } }, { $out: "o" }]).toArray();
    assert.deepEqual(bytes(await o.find({}, raw).sort({ _id: 1 }).toArray()), byId);
  }
  assert.deepEqual((await o.indexes()).map((ix) => ix.name).sort(), ["_id_", "sub.x_1", "txt_1"]);
  assert.equal(
    await o.countDocuments({ "sub.x": 3 }),
    await src.countDocuments({ a: { $lt: 3 }, "sub.x": 3 }),
  );
  assert.equal(await o.countDocuments({ txt: "é12" }), 1); // (served by the unique index)
  const info = (await db.listCollections({ name: "o" }).toArray())[0] as unknown as Spec;
  assert.deepEqual((info["options"] as Spec)["validator"], { a: { $type: "number" } });

  // a stored document the validator refuses: 121, the old contents kept
  await src.insertOne({ _id: 1000, a: "text", k: 999 });
  await assert.rejects(
    src.aggregate([{ $match: { $or: [{ a: { $lt: 3 } }, { _id: 1000 }] } }, { $out: "o" }]).toArray(),
    (e: { code?: number }) => e.code === 121,
  );
  assert.deepEqual(bytes(await o.find({}, raw).sort({ _id: 1 }).toArray()), byId);
  // ...unless validation is bypassed
  await src.aggregate([{ $match: { _id: 1000 } }, { $out: "o" }], { bypassDocumentValidation: true })
    .toArray();
  assert.deepEqual(await o.find().toArray(), [{ _id: 1000, a: "text", k: 999 }]);
  await src.deleteOne({ _id: 1000 });

  // the target's unique index refuses a duplicate (11000), the old contents kept
  await src.insertMany([{ _id: 2000, txt: "dup", a: 20 }, { _id: 2001, txt: "dup", a: 20 }]);
  await assert.rejects(
    src.aggregate([{ $match: { a: { $gte: 20 } } }, { $out: "o" }]).toArray(),
    (e: { code?: number }) => e.code === 11000,
  );
  assert.deepEqual(await o.find().toArray(), [{ _id: 1000, a: "text", k: 999 }]);
  await src.deleteMany({ _id: { $gte: 2000 } });

  // a blocking $sort last (its stored output) and a $project (decoded documents) write the same values
  await src.aggregate([{ $match: { a: 4 } }, { $sort: { "sub.x": -1, _id: 1 } }, { $out: "o" }]).toArray();
  assert.deepEqual(
    bytes(await o.find({}, raw).sort({ _id: 1 }).toArray()),
    bytes(await src.find({ a: 4 }, raw).sort({ _id: 1 }).toArray()),
  );
  await src.aggregate([{ $match: { a: 5 } }, { $project: { a: 1, l: 1, txt: 1 } }, { $out: "o" }]).toArray();
  assert.deepEqual(
    await o.find().sort({ _id: 1 }).toArray(),
    await src.find({ a: 5 }, { projection: { a: 1, l: 1, txt: 1 } }).sort({ _id: 1 }).toArray(),
  );

  // $merge of stored documents
  await src.aggregate([{ $match: { a: 6 } }, { $merge: { into: "m" } }]).toArray();
  await src.aggregate([{ $match: { a: { $in: [6, 7] } } }, {
    $merge: { into: "m", whenMatched: "keepExisting" },
  }])
    .toArray();
  assert.deepEqual(
    bytes(await db.collection("m").find({}, raw).sort({ _id: 1 }).toArray()),
    bytes(await src.find({ a: { $in: [6, 7] } }, raw).sort({ _id: 1 }).toArray()),
  );

  // $lookup: the same joined results with the foreign index (partial reads) as without it (whole ones)
  const lookups: Spec[][] = [
    [
      { $match: { _id: { $lt: 40 } } },
      {
        $lookup: {
          from: "src",
          let: { k: "$k" },
          pipeline: [{ $match: { $expr: { $eq: ["$k", "$$k"] } } }, { $project: { _id: 1, sub: 1 } }],
          as: "j",
        },
      },
    ],
    [
      { $match: { a: 3 } },
      { $lookup: { from: "src", localField: "k", foreignField: "k", as: "j" } },
      { $unwind: "$j" },
      { $project: { "j.l": 1, "j.sub.x": 1 } },
    ],
    [
      { $match: { a: 3 } },
      { $lookup: { from: "src", localField: "k", foreignField: "_id", as: "j" } },
      { $unwind: "$j" },
      { $project: { "j.dec": 1 } },
    ],
    [
      { $match: { a: 3 } },
      { $lookup: { from: "src", localField: "k", foreignField: "k", as: "j" } },
      { $project: { n: { $size: "$j" }, first: { $first: "$j.bin" } } },
    ],
    [
      { $match: { a: 2 } },
      { $lookup: { from: "src", localField: "k", foreignField: "k", as: "j" } },
      { $unwind: "$j" },
      { $count: "n" },
    ],
  ];
  const results = async () => {
    const out: string[][] = [];
    for (const p of lookups) out.push(bytes(await src.aggregate(p, raw).toArray()));
    return out;
  };
  await src.dropIndex("a_1");
  const unindexed = await results(); // (k: a hash join over whole documents)
  await src.createIndex({ k: 1 });
  const uses = async () =>
    Number(
      (await src.aggregate([{ $indexStats: {} }, { $match: { name: "k_1" } }]).toArray())[0]?.accesses?.ops,
    );
  const before = await uses();
  const indexed = await results();
  assert.ok((await uses()) - before >= 40 + 30 + 30, "the foreign index serves each outer document");
  assert.deepEqual(indexed, unindexed);
  assert.equal(indexed[0]!.length, 40);
  assert.equal(indexed[1]!.length, 300);
  assert.equal(indexed[4]!.length, 1);
});
