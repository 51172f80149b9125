import assert from "node:assert/strict";
import { Binary, BSON, ObjectId } from "bson";
import { compilePipeline } from "./mod.ts";
import { decodeDocument, decodeDocumentCopy } from "../../bson/decode.ts";
import { storedItem } from "./stored_doc.ts";
import { rootGroupPlan, storedFieldKey } from "./group_root.ts";
import { valueKey } from "./group_key.ts";
import { objectIdKey, objectIdKeyAt } from "../../bson/object_id.ts";
import type { Document, SpillRun, SpillStore } from "./types.ts";

/** A spill store that round-trips every document through BSON, as the files do. */
class BsonSpillStore implements SpillStore {
  runs = 0;
  newRun(): SpillRun {
    this.runs++;
    let chunks: Uint8Array[] = [];
    return {
      append: (d) => void chunks.push(BSON.serialize(d)),
      appendBytes: (b) => void chunks.push(b.slice()),
      read: function* () {
        const all = chunks;
        chunks = [];
        for (const b of all) yield decodeDocumentCopy(b);
      },
      discard: () => void (chunks = []),
    };
  }
}

const raw: Uint8Array[] = Array.from({ length: 1500 }, (_, i) =>
  BSON.serialize({
    _id: i,
    c: new ObjectId((0x10000000 + (i * 7) % 97).toString(16).padStart(24, "0")),
    t: (i * 7919) % 1000,
    v: i % 5 === 0 ? undefined : { x: i, s: "p".repeat(i % 40) },
    bin: new Binary(new Uint8Array([i & 255, 1, 2])),
    pad: "y".repeat(i % 300),
    ...(i % 6 === 5
      ? {}
      : { m: [new ObjectId((0x30000000 + i % 4).toString(16).padStart(24, "0")), null, "s", 1, 1.0][i % 6] }),
  }));

/** The stored documents one at a time through one reused buffer (a view valid until the next pull). */
function* storedInput(): Iterable<Document> {
  const buf = new Uint8Array(64 * 1024);
  for (const b of raw) {
    buf.fill(0xee);
    buf.set(b);
    yield storedItem(buf.subarray(0, b.length));
  }
}

const decoded = () => raw.map((b) => decodeDocument(b));

const groups: Document[] = [
  { _id: "$c", f: { $first: "$$ROOT" } },
  { _id: "$c", l: { $last: "$$CURRENT" }, n: { $sum: 1 }, m: { $max: "$t" } },
  { _id: "$c", top: { $top: { output: "$$ROOT", sortBy: { t: -1 } } } },
  { _id: "$c", bot: { $bottom: { output: "$$ROOT", sortBy: { t: -1, _id: 1 } } }, f: { $first: "$v.x" } },
  { _id: { $mod: ["$t", 7] }, f: { $first: "$$ROOT" }, l: { $last: "$$ROOT" }, ids: { $push: "$_id" } },
  // keys of several types, missing too (read from the bytes: ObjectIds, null and missing; the rest decoded)
  { _id: "$m", f: { $first: "$$ROOT" }, l: { $last: "$$ROOT" }, n: { $sum: 1 }, c: { $count: {} } },
];

Deno.test("a $group keeping whole documents gives the same answer from stored input as from decoded", () => {
  for (const g of groups) {
    const want = [...compilePipeline([{ $group: g }]).run(decoded())];
    const p = compilePipeline([{ $group: g }]);
    assert.ok(p.storedInput({ prefixApplied: true }), JSON.stringify(g));
    const got = [...p.run(storedInput())];
    assert.deepEqual(BSON.serialize({ r: got }), BSON.serialize({ r: want }), JSON.stringify(g));
  }
});

Deno.test("a $group keeping whole documents spills stored input and gives the same answer", () => {
  for (const g of [groups[0]!, groups[1]!, groups[4]!]) {
    const want = [...compilePipeline([{ $group: g }]).run(decoded())];
    const spill = new BsonSpillStore();
    const got = [...compilePipeline([{ $group: g }], { memoryLimitBytes: 4_000, spill }).run(storedInput())];
    assert.ok(spill.runs > 0, JSON.stringify(g));
    const byId = (a: Document[]) =>
      a.map((d) => BSON.serialize(d)).map((b) => Buffer.from(b).toString("hex")).sort();
    assert.deepEqual(byId(got), byId(want), JSON.stringify(g));
  }
});

Deno.test("rootGroupPlan: only groups with a root accumulator whose other reads are named", () => {
  assert.deepEqual(
    [...rootGroupPlan({ _id: "$c", f: { $first: "$$ROOT" }, s: { $sum: "$a.b" } })!.fields].sort(),
    ["a", "c"],
  );
  assert.deepEqual(
    [...rootGroupPlan({ _id: "$c", t: { $top: { output: "$$ROOT", sortBy: { "d.e": 1 } } } })!.fields].sort(),
    ["c", "d"],
  );
  assert.equal(rootGroupPlan({ _id: "$c", f: { $first: "$x" } }), undefined); // nothing kept whole
  assert.equal(rootGroupPlan({ _id: "$$ROOT", f: { $first: "$$ROOT" } }), undefined);
  assert.equal(rootGroupPlan({ _id: "$c", f: { $first: "$$ROOT" }, p: { $push: "$$ROOT" } }), undefined);
  assert.equal(
    rootGroupPlan({ _id: "$c", t: { $top: { output: "$$ROOT", sortBy: { s: { $meta: "textScore" } } } } }),
    undefined,
  );
  assert.equal(
    rootGroupPlan({ _id: "$c", f: { $first: "$$ROOT" }, g: { $last: { $getField: "x" } } }),
    undefined,
  );
});

Deno.test("storedFieldKey reads valueKey's key of an ObjectId, null or missing field from the bytes", () => {
  const name = new TextEncoder().encode("k");
  const oid = new ObjectId("d800dfff0000ffffabcdef01");
  for (const d of [{ a: 1, k: oid }, { k: null }, { a: "x" }, {}, { kk: oid, k: oid }, { k: oid, b: [1] }]) {
    const b = BSON.serialize(d);
    assert.equal(storedFieldKey(b, name), valueKey((d as Document)["k"]), JSON.stringify(d));
  }
  // other types: decoded by the caller
  for (const v of ["s", 1, 2.5, { x: 1 }, [1], true, new Date(0)]) {
    assert.equal(storedFieldKey(BSON.serialize({ a: 1, k: v }), name), undefined);
  }
  // the first of a repeated name counts (as decodeFields)
  const twice = new Uint8Array(
    [...BSON.serialize({ k: null })].slice(0, -1).concat([...BSON.serialize({ k: 1 })].slice(4)),
  );
  new DataView(twice.buffer).setInt32(0, twice.length, true);
  assert.equal(storedFieldKey(twice, name), "n");
  // objectIdKeyAt of the stored bytes is objectIdKey of the id
  const b = BSON.serialize({ k: oid });
  assert.equal(objectIdKeyAt(b, 4 + 1 + 2), objectIdKey(oid));
});
