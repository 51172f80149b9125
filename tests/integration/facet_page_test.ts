/**
 * Pagination shapes through the Node driver (docs/performance.md, forty-third session): a `$facet` of a
 * page (`$sort`/`$skip`/`$limit`) and a `$count` over a large match, a pipeline closing with `$count`
 * (counted from index entries), and `$sort` + `$skip` + `$limit` with no index for the order (a top k of
 * skip + limit documents). Each answer equals the one worked out here from the documents.
 */
import assert from "node:assert/strict";
import { serverTest } from "./helpers/embedded_server.ts";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const N = 3000;
const doc = (i: number) => ({
  _id: i,
  status: i % 20 === 0 ? "archived" : "active",
  createdAt: new Date(1.7e12 + ((i * 7919) % N) * 60000),
  score: (i * 31) % 1000,
  bin: new Uint8Array([i % 256, 1, 2]),
  pad: "x".repeat(50 + (i % 9)),
});

serverTest("a $facet page and count, a closing $count, a sort-skip-limit with no index", async (client) => {
  const c = client.db("page").collection<AnyDoc>("d");
  await c.insertMany(Array.from({ length: N }, (_, i) => doc(i)));
  await c.createIndex({ score: 1 });
  const all = Array.from({ length: N }, (_, i) => doc(i));
  const matching = all.filter((d) => d.score >= 100);
  const byCreatedDesc = [...matching].sort((x, y) =>
    y.createdAt.getTime() - x.createdAt.getTime() || x._id - y._id
  );
  const norm = (docs: AnyDoc[]) =>
    JSON.stringify(
      docs.map((
        d,
      ) => [d._id, d.status, d.createdAt.getTime(), d.score, d.pad, [
        ...(d.bin instanceof Uint8Array ? d.bin : d.bin.buffer),
      ]]),
    );

  // a page sorted by a field no index orders, and the total, in one $facet
  const [page] = await c.aggregate([
    { $match: { score: { $gte: 100 } } },
    {
      $facet: {
        data: [{ $sort: { createdAt: -1 } }, { $skip: 40 }, { $limit: 20 }],
        total: [{ $count: "n" }],
        firstIds: [{ $limit: 3 }, { $project: { _id: 1 } }],
      },
    },
  ]).toArray();
  assert.deepEqual(page!.total, [{ n: matching.length }]);
  assert.equal(norm(page!.data), norm(byCreatedDesc.slice(40, 60)));
  assert.equal(page!.firstIds.length, 3);

  // the page in input order and a count of none
  const [plain] = await c.aggregate([
    { $match: { score: { $gte: 100 } } },
    { $facet: { data: [{ $skip: 5 }, { $limit: 4 }], none: [{ $match: { score: -1 } }, { $count: "n" }] } },
  ]).toArray();
  assert.equal(plain!.data.length, 4);
  assert.deepEqual(plain!.none, []);
  for (const d of plain!.data) {
    assert.ok(d.score >= 100 && d.pad.startsWith("xx") && d.bin.buffer.length === 3);
  }

  // a pipeline closing with $count: index entries alone, and nothing for no match
  assert.deepEqual(await c.aggregate([{ $match: { score: { $gte: 100 } } }, { $count: "n" }]).toArray(), [{
    n: matching.length,
  }]);
  assert.deepEqual(await c.aggregate([{ $match: { score: { $lt: 0 } } }, { $count: "n" }]).toArray(), []);
  assert.deepEqual(
    await c.aggregate([{ $match: { status: "archived" } }, { $skip: 10 }, { $limit: 50 }, { $count: "k" }])
      .toArray(),
    [{ k: 50 }],
  );
  const explained = await c.aggregate([{ $match: { score: { $gte: 100 } } }, { $count: "n" }]).explain();
  assert.ok(explained);

  // $sort + $skip + $limit with no index giving the order: the top skip + limit, then the skip
  const got = await c.aggregate([{ $match: { score: { $gte: 100 } } }, { $sort: { createdAt: -1 } }, {
    $skip: 100,
  }, { $limit: 7 }]).toArray();
  assert.equal(norm(got), norm(byCreatedDesc.slice(100, 107)));
  // the same after a $group (not the query layer's sort)
  const groups = await c.aggregate([
    { $group: { _id: "$score", n: { $sum: 1 } } },
    { $sort: { n: -1, _id: 1 } },
    { $skip: 2 },
    { $limit: 3 },
  ]).toArray();
  const counts = new Map<number, number>();
  for (const d of all) counts.set(d.score, (counts.get(d.score) ?? 0) + 1);
  const want = [...counts].map(([k, n]) => ({ _id: k, n })).sort((x, y) => y.n - x.n || x._id - y._id);
  assert.deepEqual(groups, want.slice(2, 5));
});
