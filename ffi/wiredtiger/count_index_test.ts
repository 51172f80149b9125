/**
 * `Cursor.countIndex` (the shim's sct_idx_count) against counting `scanIndex`'s entries: random keys
 * (zero bytes, prefixes of each other, keys past the 64 KB buffer), unique and non-unique tables, random
 * bounds and directions, counted in random slices resumed by `after` — sometimes after that entry was
 * removed.
 */
import { assertEquals, assertThrows } from "./test_assert.ts";
import { Connection, type Cursor, WtError } from "./mod.ts";
import type { IndexScanBounds } from "./cursor.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = [0, 1, 2, 0xfe, 0xff];

function randomKey(r: () => number): Uint8Array {
  if (r() < 0.02) return new Uint8Array(70_000 + Math.floor(r() * 100)).fill(ALPHABET[Math.floor(r() * 5)]!);
  const k = new Uint8Array(Math.floor(r() * 4));
  for (let i = 0; i < k.length; i++) k[i] = ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return k;
}

/** countIndex in slices of at most `slice`, resumed by `after`; `between` runs between slices. */
function countInSlices(
  c: Cursor,
  b: IndexScanBounds,
  slice: number,
  between?: (after: Uint8Array) => void,
): number {
  let n = 0;
  let after: Uint8Array | undefined;
  for (let calls = 0;; calls++) {
    if (calls > 10_000) throw new Error("no progress");
    const got = c.countIndex(b, slice, after);
    n += got.n;
    if (got.after === undefined) return n;
    after = got.after;
    between?.(after);
  }
}

Deno.test("countIndex: counts what scanIndex yields, for random bounds, directions and slices", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wt-count-test-" });
  const conn = Connection.open(dir, "create");
  try {
    using s = conn.openSession();
    for (const unique of [false, true]) {
      const uri = `table:${unique ? "u" : "n"}`;
      s.create(uri, "key_format=u,value_format=u");
      using c = s.openCursor(uri, "overwrite=false");
      const r = rng(unique ? 7 : 11);
      let rid = 1n;
      for (let i = 0; i < 400; i++) {
        const k = randomKey(r);
        try {
          c.idxInsert(unique, k, rid++);
        } catch (e) {
          if (!(e instanceof WtError && e.isDuplicateKey)) throw e;
        }
      }
      for (let q = 0; q < 300; q++) {
        const b: { -readonly [K in keyof IndexScanBounds]: IndexScanBounds[K] } = {
          unique,
          reverse: r() < 0.5,
        };
        if (r() < 0.7) (b.lower = randomKey(r)), (b.lowerExclusive = r() < 0.5);
        if (r() < 0.7) (b.upper = randomKey(r)), (b.upperExclusive = r() < 0.5);
        const want = [...c.scanIndex(b)].length;
        const slice = 1 + Math.floor(r() * (r() < 0.5 ? 3 : 500));
        assertEquals(countInSlices(c, b, slice), want, JSON.stringify({ unique, q, slice }));
      }
      // the entry a slice stopped at removed before the next slice: the count goes on after its place
      const all = [...c.scanIndex({ unique })];
      const removed: typeof all = [];
      const n = countInSlices(c, { unique }, 50, () => {
        const h = all[(removed.length + 1) * 50 - 1]!;
        removed.push(h);
        c.idxRemove(unique, h.key, h.rid);
      });
      assertEquals(n, all.length);
      for (const h of removed) c.idxInsert(unique, h.key, h.rid);
    }
    using c = s.openCursor("table:n", "overwrite=false");
    assertThrows(() => c.countIndex({ unique: false }, 0), WtError);
  } finally {
    conn.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
