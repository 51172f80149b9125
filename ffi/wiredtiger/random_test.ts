/**
 * The shim's random picks (`Cursor.recRandom`, shim/wt_scan.c `sct_rec_random`) on a cursor opened with
 * `next_random=true`: counts, an empty table, the transaction's snapshot, and picks larger than the
 * buffer (taken in the next one, never dropped). Record ids first and last (`recFirst`, `recLast`).
 */
import { assert, assertEquals } from "./test_assert.ts";
import { Connection, type Session } from "./mod.ts";

function withTable(fn: (s: Session) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "wt-random-test-" });
  const conn = Connection.open(dir, "create");
  try {
    using s = conn.openSession("isolation=snapshot");
    s.create("table:r", "key_format=q,value_format=u");
    fn(s);
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("recRandom: n picks among the table's records; none from an empty table", () => {
  withTable((s) => {
    using r = s.openCursor("table:r", "next_random=true");
    using c = s.openCursor("table:r");
    assertEquals(r.recRandom(5), []);
    assertEquals([c.recFirst(), c.recLast()], [0n, 0n]);
    s.begin();
    for (let i = 1; i <= 500; i++) c.recInsert(BigInt(i + 10), new Uint8Array([i & 0xff, 7]));
    s.commit();
    assertEquals([c.recFirst(), c.recLast()], [11n, 510n]);
    const picks = r.recRandom(300);
    assertEquals(picks.length, 300);
    for (const p of picks) {
      assert(p.rid >= 11n && p.rid <= 510n);
      assertEquals([...p.bytes], [Number(p.rid - 10n) & 0xff, 7]);
    }
    assert(new Set(picks.map((p) => p.rid)).size > 100, "picks spread over the table");
    assertEquals(r.recRandom(0), []);
  });
});

Deno.test("recRandom: a pick larger than the buffer comes in the next one", () => {
  withTable((s) => {
    using r = s.openCursor("table:r", "next_random=true");
    using c = s.openCursor("table:r");
    s.begin();
    for (let i = 1; i <= 50; i++) c.recInsert(BigInt(i), new Uint8Array(i % 2 ? 200_000 : 10).fill(i));
    s.commit();
    const picks = r.recRandom(40, 10);
    assertEquals(picks.length, 40);
    for (const p of picks) {
      assertEquals(p.bytes.length, Number(p.rid) % 2 ? 200_000 : 10);
      assert(p.bytes.every((b) => b === Number(p.rid)));
    }
    assert(picks.some((p) => p.bytes.length === 200_000) && picks.some((p) => p.bytes.length === 10));
  });
});

Deno.test("recRandom: picks see the transaction's snapshot and its own writes", () => {
  withTable((s) => {
    using r = s.openCursor("table:r", "next_random=true");
    using c = s.openCursor("table:r");
    s.begin();
    for (let i = 1; i <= 200; i++) c.recInsert(BigInt(i), new Uint8Array([1]));
    s.commit();
    s.begin();
    for (let i = 1; i <= 200; i++) if (i % 10 !== 0) c.recRemove(BigInt(i));
    for (const p of r.recRandom(200)) assertEquals(p.rid % 10n, 0n);
    s.rollback();
    assertEquals(new Set(r.recRandom(400).map((p) => p.rid)).size > 50, true);
  });
});
