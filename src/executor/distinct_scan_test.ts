import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BSON, Long } from "bson";
import { DistinctScan, READ_ON_EVERY, SKIP_BEFORE_SEEK, type ValueSink } from "./distinct_scan.ts";
import { keysForIndex } from "./index_keys.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { compareValues } from "../bson/compare.ts";
import type { CollectionEntry, IndexEntry, IndexHit, IndexScanOptions, ReadTxn } from "../storage/api.ts";
import type { IxScanPath, KeyInterval } from "../planner/plan.ts";

type Doc = Record<string, unknown>;

/** distinct's unwinding for a top-level key: an array gives its elements, anything else itself. */
function values(d: Doc, out: ValueSink): void {
  const v = d["a"];
  if (v === undefined) return;
  if (Array.isArray(v)) { for (const e of v) out.push(e); }
  else out.push(v);
}

/** A ReadTxn whose one index holds `docs`' keys under `pattern` (scanIndex only). */
function fakeIndex(docs: Doc[], pattern: Doc) {
  const ix = {
    name: "ix",
    spec: { key: pattern },
    unique: false,
    ident: "i",
    multikey: true,
  } as unknown as IndexEntry;
  const entries: { key: Uint8Array; rid: bigint; bytes: Uint8Array }[] = [];
  docs.forEach((d, i) => {
    const k = keysForIndex(ix, d, { compilePartialFilter: () => () => true } as never);
    for (const key of k?.keys ?? []) {
      entries.push({ key: key.slice(), rid: BigInt(i + 1), bytes: BSON.serialize(d) });
    }
  });
  entries.sort((x, y) => compareKeys(x.key, y.key) || (x.rid < y.rid ? -1 : x.rid > y.rid ? 1 : 0));
  const scans = { opened: 0 };
  const txn = {
    *scanIndex(_c: CollectionEntry, _n: string, o: IndexScanOptions = {}): IterableIterator<IndexHit> {
      scans.opened++;
      for (const e of o.reverse ? [...entries].reverse() : entries) {
        if (o.lower) {
          const c = compareKeys(e.key, o.lower);
          if (c < 0 || (c === 0 && o.lowerExclusive)) {
            if (o.reverse) break;
            continue;
          }
        }
        if (o.upper) {
          const c = compareKeys(e.key, o.upper);
          if (c > 0 || (c === 0 && o.upperExclusive)) {
            if (o.reverse) continue;
            break;
          }
        }
        yield { key: e.key, rid: e.rid, bytes: e.bytes };
      }
    },
  } as unknown as ReadTxn;
  return { txn, entries, scans };
}

function path(pattern: Doc, intervals: KeyInterval[] = [{}]): IxScanPath {
  return {
    kind: "ixScan",
    indexName: "ix",
    keyPattern: pattern,
    unique: false,
    multikey: true,
    sparse: false,
    partial: false,
    intervals,
    reverse: false,
    indexBounds: {},
    providesSort: false,
    dedup: false,
    score: 0,
  };
}

function distinctSet(found: unknown[]): unknown[] {
  const s = [...found].sort((x, y) => compareValues(x, y));
  return s.filter((v, i) => i === 0 || compareValues(s[i - 1], v) !== 0);
}

function walk(docs: Doc[], dir: 1 | -1, budget: number, match: ((d: Doc) => boolean) | null = null) {
  const pattern = { a: dir, b: 1 };
  const { txn } = fakeIndex(docs, pattern);
  const scan = new DistinctScan({} as CollectionEntry, path(pattern), { fieldNo: 0 }, { match, values });
  const out: unknown[] = [];
  let steps = 0;
  while (!scan.step(txn, budget, out)) ok(++steps < 100_000, "the walk does not end");
  return { values: distinctSet(out), stats: scan.stats };
}

function naive(docs: Doc[], match: ((d: Doc) => boolean) | null = null): unknown[] {
  const out: unknown[] = [];
  for (const d of docs) if (!match || match(d)) values(d, out);
  return distinctSet(out);
}

Deno.test("DistinctScan: one entry per value, a missing field does not confirm null", () => {
  const docs: Doc[] = [
    ...Array.from({ length: 50 }, (_, i) => ({ a: i % 5, b: i })),
    { b: 1 },
    { b: 2 },
    { a: null, b: 3 },
    { a: "x", b: 4 },
  ];
  const r = walk(docs, 1, 1024);
  assertEquals(r.values, [null, 0, 1, 2, 3, 4, "x"]);
  // the two missing-field entries, then one entry per value (null, 0…4 ten entries each, "x"): after
  // null the walk reads on and meets 0; after 0 it reads on into 0's entries (one more), seeks, and
  // from then on seeks at once
  assertEquals(SKIP_BEFORE_SEEK, 1);
  assertEquals(r.stats.keysExamined, 2 + 7 + 1);
  assertEquals(r.stats.valuesFound, 7);
});

Deno.test("DistinctScan: numbers keep their BSON type; arrays unwound; descending; any budget", () => {
  const docs: Doc[] = [
    { a: new Long(7), b: 0 },
    { a: 7, b: 1 },
    { a: [1, 2, [3]], b: 2 },
    { a: [], b: 3 },
    { b: 4 },
    { a: [2, "s"], b: 5 },
    { a: { x: 1 }, b: 6 },
  ];
  for (const dir of [1, -1] as const) {
    for (const budget of [1, 2, 3, 1024]) {
      const r = walk(docs, dir, budget);
      assertEquals(r.values, naive(docs), `dir ${dir} budget ${budget}`);
    }
  }
  ok(walk(docs, 1, 1024).values.some((v) => v instanceof Long), "the first 7 met is the Long");
});

Deno.test("DistinctScan: a filter — a value is left only once a matching document confirms it", () => {
  // value 1: its first entries do not match; value 2: none match
  const docs: Doc[] = [
    { a: 1, b: 0 },
    { a: 1, b: 0 },
    { a: 1, b: 9 },
    { a: 2, b: 0 },
    { a: 3, b: 9 },
  ];
  const match = (d: Doc) => d["b"] === 9;
  for (const budget of [1, 2, 1024]) {
    const r = walk(docs, 1, budget, match);
    assertEquals(r.values, [1, 3]);
  }
});

Deno.test("DistinctScan: random documents give what a scan of them gives", () => {
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const pick = (): unknown => {
    switch (rnd(7)) {
      case 0:
        return null;
      case 1:
        return rnd(10);
      case 2:
        return `s${rnd(5)}`;
      case 3:
        return new Long(rnd(10));
      case 4:
        return rnd(10) + 0.5;
      case 5:
        return true;
      default:
        return { x: rnd(3) };
    }
  };
  for (let round = 0; round < 20; round++) {
    const docs: Doc[] = Array.from({ length: 60 }, (_, i) => {
      const k = rnd(4);
      if (k === 0) return { b: i };
      if (k === 1) return { a: Array.from({ length: rnd(4) }, pick), b: i };
      return { a: pick(), b: i };
    });
    const match = (d: Doc) => (d["b"] as number) % 3 !== 0;
    // a filter with a multikey index is never walked (planner/distinct_plan.ts): only without one
    assertEquals(walk(docs, 1, 1 + rnd(5)).values, naive(docs), `round ${round}`);
    const flat = docs.filter((d) => !Array.isArray(d["a"]));
    assertEquals(walk(flat, -1, 1 + rnd(5), match).values, naive(flat, match), `round ${round} (filter)`);
  }
});

/** The interval of every key starting with `prefix` (as planner/bounds.ts builds a point prefix's). */
function pinned(values: unknown[], dirs: (1 | -1)[]): KeyInterval {
  const lower = encodeIndexKey(values, dirs).slice();
  const upper = new Uint8Array(lower.length + 1);
  upper.set(lower);
  upper[lower.length] = 0xff;
  return { lower, upper, upperExclusive: true };
}

Deno.test("DistinctScan: a trailing field with the fields before it pinned — its values under the prefix", () => {
  let seed = 11;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const scalar = (): unknown => {
    const k = rnd(6);
    return k === 0
      ? null
      : k === 1
      ? undefined
      : k === 2
      ? `s${rnd(4)}`
      : k === 3
      ? new Long(rnd(5))
      : rnd(5);
  };
  const bOf = (d: Doc, out: ValueSink) => {
    const v = d["b"];
    if (v !== undefined) out.push(v);
  };
  for (
    const [pattern, pinnedDirs] of [
      [{ a: 1, b: 1 }, [1]],
      [{ a: -1, b: -1, c: 1 }, [-1]],
      [{ a: 1, x: -1, b: 1 }, [1, -1]],
    ] as [Doc, (1 | -1)[]][]
  ) {
    for (let round = 0; round < 10; round++) {
      const docs: Doc[] = Array.from({ length: 80 }, (_, i) => {
        const d: Doc = { c: i };
        for (const f of ["a", "x", "b"]) {
          const v = f === "b" ? scalar() : rnd(3) === 0 ? undefined : rnd(2);
          if (v !== undefined) d[f] = v;
        }
        return d;
      });
      const { txn } = fakeIndex(docs, pattern);
      for (const a of [0, 1, null]) {
        const prefix = pinnedDirs.length === 2 ? [a, 1] : [a];
        const inPrefix = (d: Doc) =>
          (d["a"] ?? null) === a && (pinnedDirs.length === 1 || (d["x"] ?? null) === 1);
        const match = (d: Doc) => inPrefix(d) && (d["c"] as number) % 4 !== 0;
        for (const budget of [1, 3, 1024]) {
          const p = { ...path(pattern, [pinned(prefix, pinnedDirs)]), multikey: false };
          const fieldNo = pinnedDirs.length;
          const scan = new DistinctScan({} as CollectionEntry, p, { fieldNo }, { match, values: bOf });
          const out: unknown[] = [];
          while (!scan.step(txn, budget, out)) { /* steps */ }
          const want: unknown[] = [];
          for (const d of docs) if (match(d)) bOf(d, want);
          assertEquals(
            distinctSet(out),
            distinctSet(want),
            `${JSON.stringify(pattern)} a=${a} budget ${budget}`,
          );
          // one entry per value in the prefix, plus the entries a filter or a missing value passed
          ok(scan.stats.keysExamined <= docs.filter(inPrefix).length);
        }
      }
    }
  }
});

Deno.test("DistinctScan: first mode, forward and backward — the first / last matching document per value", () => {
  const docs: Doc[] = Array.from({ length: 90 }, (_, i) => ({ k: i % 7 === 0 ? undefined : i % 5, i }));
  docs.push({ k: null, i: 1000 });
  for (const [dir, backward] of [[1, false], [1, true], [-1, false], [-1, true]] as [1 | -1, boolean][]) {
    const pattern = { k: dir };
    const { txn, entries } = fakeIndex(docs, pattern);
    const match = (d: Doc) => (d["i"] as number) % 3 !== 0;
    for (const budget of [1, 2, 1024]) {
      const taken: Doc[] = [];
      const scan = new DistinctScan({} as CollectionEntry, { ...path(pattern), multikey: false }, {
        fieldNo: 0,
        backward,
      }, {
        match,
        values: () => {},
        first: { valueOf: (d) => d["k"], take: (d) => taken.push(d) },
      });
      while (!scan.step(txn, budget, [])) { /* steps */ }
      // the same documents as the first matching one per key in the walk's order of the entries
      const order = backward ? [...entries].reverse() : entries;
      const want: Doc[] = [];
      const seen = new Set<string>();
      for (const e of order) {
        const d = BSON.deserialize(e.bytes) as Doc;
        const key = JSON.stringify(d["k"] ?? null);
        if (!match(d) || seen.has(key)) continue;
        seen.add(key);
        want.push(d);
      }
      assertEquals(taken.map((d) => d["i"]), want.map((d) => d["i"]), `dir ${dir} backward ${backward}`);
    }
  }
});

Deno.test("DistinctScan: a nearly unique key is read in one scan; many entries per value are sought past", () => {
  const unique: Doc[] = Array.from({ length: 200 }, (_, i) => ({ a: i, b: i }));
  const u = fakeIndex(unique, { a: 1, b: 1 });
  const us = new DistinctScan({} as CollectionEntry, path({ a: 1, b: 1 }), { fieldNo: 0 }, {
    match: null,
    values,
  });
  const out: unknown[] = [];
  while (!us.step(u.txn, 1024, out)) { /* steps */ }
  assertEquals(distinctSet(out).length, 200);
  assertEquals(u.scans.opened, 1);
  assertEquals(us.stats.keysExamined, 200);
  // 20 values of 50 entries: a seek per value, reading on tried every READ_ON_EVERY values
  const runs: Doc[] = Array.from({ length: 1000 }, (_, i) => ({ a: i % 20, b: i }));
  const r = fakeIndex(runs, { a: 1, b: 1 });
  const rs = new DistinctScan({} as CollectionEntry, path({ a: 1, b: 1 }), { fieldNo: 0 }, {
    match: null,
    values,
  });
  while (!rs.step(r.txn, 1024, out)) { /* steps */ }
  ok(r.scans.opened >= 20 && r.scans.opened <= 21, `${r.scans.opened} scans`);
  ok(rs.stats.keysExamined <= 20 + Math.ceil(20 / READ_ON_EVERY) + 1, `${rs.stats.keysExamined} keys`);
});
