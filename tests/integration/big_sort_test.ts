/**
 * Blocking sorts over more rows than one in-memory chunk (8,192): find's sort and `$sort` sort chunk by
 * chunk, yielding between chunks, and merge them — the answer must be exactly one stable sort's, with
 * skip/limit and getMore batches, while another client keeps being answered.
 */
import assert from "node:assert/strict";
import { startBackgroundPings } from "./helpers/background_pings.ts";
import { serverTest } from "./helpers/embedded_server.ts";

interface D {
  _id: number;
  k: number;
  s: string;
}

serverTest(
  "a sort over 30,000 rows (several chunks) answers as one stable sort, with skip/limit and getMore",
  async (client, server) => {
    const c = client.db("bigsort").collection<D>("c");
    const docs: D[] = Array.from(
      { length: 30_000 },
      (_, i) => ({ _id: i, k: (i * 7919) % 1000, s: `s${i % 7}` }),
    );
    await c.insertMany(docs);
    const want = [...docs].sort((a, b) => a.k - b.k || a._id - b._id).map((d) => d._id);
    const pinger = startBackgroundPings(server.uri);
    try {
      const found = (await c.find({}, { batchSize: 1000 }).sort({ k: 1 }).toArray()).map((d) => d._id);
      const agg = (await c.aggregate([{ $sort: { k: 1 } }, { $project: { _id: 1 } }]).toArray()).map((d) =>
        d._id
      );
      const { pings } = await pinger.stop();
      assert.deepEqual(found, want);
      assert.deepEqual(agg, want);
      assert.ok(pings >= 1);
      const page = (await c.find().sort({ k: 1 }).skip(20_000).limit(5).toArray()).map((d) => d._id);
      assert.deepEqual(page, want.slice(20_000, 20_005));
      const desc = (await c.find().sort({ s: -1, k: 1 }).toArray()).map((d) => d._id);
      assert.deepEqual(
        desc,
        [...docs].sort((a, b) => (a.s < b.s ? 1 : a.s > b.s ? -1 : 0) || a.k - b.k || a._id - b._id).map((
          d,
        ) => d._id),
      );
    } finally {
      await pinger.stop();
    }
  },
);
