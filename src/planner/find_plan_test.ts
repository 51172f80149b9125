import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { chooseAccessPath } from "./find_plan.ts";

Deno.test("_id equality on a scalar is a point lookup", () => {
  const id = new ObjectId();
  assert.deepEqual(chooseAccessPath({ filter: { _id: id } }), { kind: "idLookup", id });
  assert.deepEqual(chooseAccessPath({ filter: { _id: { $eq: 5 } } }), { kind: "idLookup", id: 5 });
});

Deno.test("a non-unique _id index (time-series collection) is scanned, never a point lookup", () => {
  const idIndex = {
    name: "_id_",
    key: { _id: 1 },
    unique: false,
    sparse: false,
    multikey: false,
    hidden: false,
  };
  const a = chooseAccessPath({ filter: { _id: 5 }, indexes: [idIndex] });
  assert.equal(a.kind, "ixScan");
});

Deno.test("anything else scans the collection", () => {
  for (
    const filter of [{}, { _id: null }, { _id: [1] }, { _id: { a: 1 } }, { _id: 1, b: 2 }, {
      _id: { $gt: 1 },
    }]
  ) {
    assert.equal(chooseAccessPath({ filter }).kind, "collScan", JSON.stringify(filter));
  }
});

Deno.test("$natural hint and sort choose the scan direction", () => {
  assert.deepEqual(chooseAccessPath({ filter: { _id: 1 }, hint: { $natural: -1 } }), {
    kind: "collScan",
    reverse: true,
  });
  assert.deepEqual(chooseAccessPath({ filter: {}, sort: { $natural: -1 } }), {
    kind: "collScan",
    reverse: true,
  });
});

Deno.test("a negation on a multikey index alone is left to the collection scan, unless hinted", () => {
  const tags = {
    name: "tags_1",
    key: { tags: 1 },
    unique: false,
    sparse: false,
    multikey: true,
    hidden: false,
  };
  const flat = { ...tags, name: "s_1", key: { s: 1 }, multikey: false };
  for (const filter of [{ tags: { $ne: "t3" } }, { tags: { $nin: ["t3", "t4"] } }]) {
    assert.equal(chooseAccessPath({ filter, indexes: [tags] }).kind, "collScan", JSON.stringify(filter));
    const hinted = chooseAccessPath({ filter, indexes: [tags], hint: "tags_1" });
    assert.equal(hinted.kind === "ixScan" && hinted.indexName, "tags_1");
  }
  // (on an index that is not multikey the complement keeps its plan)
  const a = chooseAccessPath({ filter: { s: { $ne: "x" } }, indexes: [flat] });
  assert.equal(a.kind === "ixScan" && a.indexName, "s_1");
});
