import assert from "node:assert/strict";
import { BSON } from "bson";
import { compilePipeline } from "./mod.ts";
import { PAUSE } from "./pause.ts";
import { storedItem } from "./stored_doc.ts";
import type { Document as Doc } from "../../bson/document.ts";

const docs: Doc[] = Array.from({ length: 300 }, (_, i) => ({
  _id: i,
  a: i % 7,
  t: new Date(1.7e12 + ((i * 7919) % 300) * 1000),
  pad: "p".repeat(i % 30),
}));

/** The documents as a collection scan hands them over: views over one reused buffer, with pauses. */
const stored = (input: readonly Doc[]) =>
  (function* () {
    const buf = new Uint8Array(4096);
    for (const d of input) {
      if ((d["_id"] as number) % 50 === 0) yield PAUSE;
      const b = BSON.serialize(d);
      buf.set(b);
      yield storedItem(buf.subarray(0, b.length));
      buf.fill(0);
    }
  })();

const json = (out: Iterable<Doc>) => JSON.stringify([...out].filter((d) => d !== PAUSE));

Deno.test("$facet over stored documents: the same document as over decoded ones", () => {
  const facets = [
    { data: [{ $skip: 40 }, { $limit: 20 }], total: [{ $count: "n" }] },
    { data: [{ $sort: { t: -1 } }, { $skip: 10 }, { $limit: 5 }], total: [{ $count: "n" }] },
    { byA: [{ $group: { _id: "$a", n: { $sum: 1 } } }, { $sort: { _id: 1 } }], ids: [{ $limit: 3 }] },
    { one: [{ $match: { a: 3 } }, { $count: "c" }], two: [{ $project: { a: 1 } }, { $limit: 2 }] },
    { none: [{ $match: { a: 99 } }, { $count: "c" }], last: [{ $skip: 299 }] },
    {
      byA: [{ $group: { _id: "$a", n: { $sum: 1 }, t: { $max: "$t" } } }, { $sort: { _id: 1 } }],
      byT: [{
        $bucket: { groupBy: "$t", boundaries: [new Date(0), new Date(1.7e12 + 150000), new Date(2e12)] },
      }],
      page: [{ $skip: 3 }, { $limit: 2 }],
      whole: [{ $match: { a: 2 } }, { $limit: 2 }],
    },
  ];
  for (const spec of facets) {
    const p = compilePipeline([{ $facet: spec }]);
    assert.equal(p.storedInput(), true);
    const want = json(p.run(docs));
    assert.equal(json(p.run(stored(docs))), want, JSON.stringify(spec));
  }
  const [out] = [...compilePipeline([{ $facet: facets[0]! }]).run(stored(docs))].filter((d) => d !== PAUSE);
  assert.deepEqual((out!["total"] as Doc[])[0], { n: 300 });
  assert.deepEqual(
    (out!["data"] as Doc[]).map((d) => d["_id"]),
    Array.from({ length: 20 }, (_, i) => 40 + i),
  );
});

Deno.test("$count: no document for no input; counts stored documents", () => {
  assert.equal(json(compilePipeline([{ $count: "n" }]).run([])), "[]");
  assert.equal(json(compilePipeline([{ $count: "n" }]).run(stored(docs))), '[{"n":300}]');
});
