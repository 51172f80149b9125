/**
 * The index scan that reads a projection of each entry's record (`Cursor.scanIndexFetchFields`,
 * shim/wt_scan.c): projections in index order, bounds, reverse, an absent record, the filter's
 * rejections, records larger than the first batch buffer, and agreement with `scanIndexFetch`.
 */
import { BSON } from "bson";
import { assert, assertEquals } from "./test_assert.ts";
import { Connection, type Cursor, packMatchFilter, packNames } from "./mod.ts";

const ser = (d: Record<string, unknown>) => new Uint8Array(BSON.serialize(d));
const key = (n: number) => new Uint8Array([n >> 8, n & 0xff, 0, 7]); // (a 0 byte: the escaped form differs)

/** `n` records {_id, k, pad} under a non-unique index on k (k = id % 7; every 5th id unique-ish pad). */
function withIndexed(
  n: number,
  padOf: (i: number) => number,
  fn: (idx: Cursor, recs: Cursor, s: { begin(): void; commit(): void }) => void,
): void {
  const dir = Deno.makeTempDirSync({ prefix: "wt-idx-fetch-fields-test-" });
  const conn = Connection.open(dir, "create");
  try {
    using s = conn.openSession();
    s.create("table:r", "key_format=q,value_format=u");
    s.create("table:i", "key_format=u,value_format=u");
    using recs = s.openCursor("table:r");
    using idx = s.openCursor("table:i");
    s.begin();
    for (let i = 1; i <= n; i++) {
      recs.recInsert(BigInt(i), ser({ _id: i, k: i % 7, pad: "x".repeat(padOf(i)), tail: i * 2 }));
      idx.idxInsert(false, key(i % 7), BigInt(i));
    }
    s.commit();
    s.begin();
    fn(idx, recs, s);
    s.commit();
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

const wanted = packNames(["tail", "_id"]);

Deno.test("projected index fetch: each entry's record projected, in index order, as the whole fetch reads it", () => {
  withIndexed(300, (i) => (i % 5 === 0 ? 40_000 : 10), (idx, recs) => {
    const whole = [...idx.scanIndexFetch(() => recs, { unique: false })];
    const proj = [...idx.scanIndexFetchFields(() => recs, { unique: false }, wanted)];
    assertEquals(proj.length, 300);
    assertEquals(proj.map((h) => h.rid), whole.map((h) => h.rid));
    for (let i = 0; i < proj.length; i++) {
      const h = proj[i]!;
      assertEquals([...h.key], [...whole[i]!.key]);
      const full = BSON.deserialize(whole[i]!.bytes!);
      assertEquals(h.record!.size, whole[i]!.bytes!.length);
      // (stored order: _id before tail)
      assertEquals(BSON.deserialize(h.record!.bytes), { _id: full._id, tail: full.tail });
      assert(!h.record!.rejected);
    }
  });
});

Deno.test("projected index fetch: bounds, reverse, a resumed scan and a small first batch", () => {
  withIndexed(200, (i) => (i % 3 === 0 ? 3_000 : 5), (idx, recs) => {
    const b = { unique: false, lower: key(2), upper: key(4), upperExclusive: true };
    const fwd = [...idx.scanIndexFetchFields(() => recs, b, wanted, undefined, 1)];
    const ks = fwd.map((h) => Number(BSON.deserialize(h.record!.bytes)._id) % 7);
    assertEquals(ks.filter((k) => k === 2).length + ks.filter((k) => k === 3).length, fwd.length);
    assertEquals(fwd.length, [...idx.scanIndex(b)].length);
    const rev = [...idx.scanIndexFetchFields(() => recs, { ...b, reverse: true }, wanted)];
    assertEquals(rev.map((h) => h.rid), fwd.map((h) => h.rid).reverse());
    // resumed after (key 2, the 10th entry's record id)
    const at = fwd[9]!;
    const rest = [...idx.scanIndexFetchFields(() => recs, { ...b, lower: key(2), afterRid: at.rid }, wanted)];
    assertEquals(rest.map((h) => h.rid), fwd.slice(10).map((h) => h.rid));
  });
});

Deno.test("projected index fetch: an absent record comes null; the filter's rejections come without bytes", () => {
  withIndexed(50, () => 5, (idx, recs) => {
    recs.recRemove(7n); // its index entry stays: the record is absent
    const hits = [...idx.scanIndexFetchFields(() => recs, { unique: false }, wanted)];
    assertEquals(hits.length, 50);
    assertEquals(hits.find((h) => h.rid === 7n)!.record, null);
    // tail >= 60: ids 30..50 pass
    const filter = packMatchFilter([{ path: ["tail"], op: "gte", values: [{ t: "long", v: 60n }] }]);
    const f = [
      ...idx.scanIndexFetchFields(() => recs, { unique: false }, wanted, { bytes: filter, count: 1 }),
    ];
    assertEquals(f.length, 50);
    for (const h of f) {
      if (h.rid === 7n) assertEquals(h.record, null);
      else if (h.rid >= 30n) assertEquals(BSON.deserialize(h.record!.bytes).tail, Number(h.rid) * 2);
      else {
        assert(h.record!.rejected === true);
        assertEquals(h.record!.len, 0);
      }
    }
  });
});
