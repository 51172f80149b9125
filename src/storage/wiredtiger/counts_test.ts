import assert from "node:assert/strict";
import { RecordBook } from "./counts.ts";

Deno.test("a table created by this process is counted and numbered without reading it", () => {
  const book = new RecordBook<object>(() => {
    throw new Error("the table was read");
  });
  book.created("coll-1");
  const t1 = {};
  book.opened(t1);
  assert.equal(book.count(t1, "coll-1"), 0);
  assert.equal(book.nextRid("coll-1"), 1n);
  assert.equal(book.nextRid("coll-1"), 2n);
  book.closed(t1, new Map([["coll-1", 2]]));
  const t2 = {};
  book.opened(t2);
  assert.equal(book.count(t2, "coll-1"), 2);
  book.closed(t2);
  // forgotten (dropped): the next count would read the table
  book.forget(["coll-1"]);
  assert.throws(() => book.count({}, "coll-1"), /read/);
});

Deno.test("counts as of each open transaction's snapshot, whichever began first and ended first", () => {
  const book = new RecordBook<object>(() => {
    throw new Error("the table was read");
  });
  book.created("c");
  // random overlapping transactions, each committing +1 or -1, against a model of snapshot counts
  let seed = 7;
  const r = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let committed = 0;
  const open = new Map<object, number>(); // txn -> committed count when it began
  for (let step = 0; step < 3000; step++) {
    if (open.size === 0 || (open.size < 4 && r() < 0.5)) {
      const t = {};
      book.opened(t);
      open.set(t, committed);
    } else {
      const all = [...open.keys()];
      const t = all[Math.floor(r() * all.length)]!;
      assert.equal(book.count(t, "c"), open.get(t));
      open.delete(t);
      if (r() < 0.5) {
        const d = r() < 0.7 ? 1 : -1;
        committed += d;
        book.closed(t, new Map([["c", d]]));
      } else book.closed(t);
    }
    assert.equal(book.openCount, open.size);
    assert.equal(book.openTransactions().length, open.size);
    for (const [t, n] of open) assert.equal(book.count(t, "c"), n);
  }
});

Deno.test("a commit made off this thread counts for transactions begun after it, not for those open before", () => {
  const book = new RecordBook<object>(() => {
    throw new Error("the table was read");
  });
  book.created("c");
  const before = {};
  book.opened(before);
  book.committedElsewhere("c", 3);
  book.committedElsewhere("c", -1);
  assert.equal(book.count(before, "c"), 0);
  const after = {};
  book.opened(after);
  assert.equal(book.count(after, "c"), 2);
  book.closed(before);
  book.closed(after);
  assert.equal(book.count({}, "c"), 2);
  // with no transaction open: counted, nothing kept for later subtraction
  book.committedElsewhere("c", -2);
  const t = {};
  book.opened(t);
  assert.equal(book.count(t, "c"), 0);
  book.closed(t);
});

Deno.test("record ids shared with the I/O thread: taken from its counter, then the book's own again after it", () => {
  // (a fresh snapshot's read of the table: its largest record id is 7)
  const fresh =
    (<T>(fn: (ctx: never) => T) => fn({ cursor: () => ({ recLast: () => 7n }) } as never)) as never;
  const book = new RecordBook<object>(fresh);
  assert.equal(book.nextRid("c"), 8n);
  let cell = 0n;
  book.shareRids("c", (last) => {
    cell = last;
    return { take: () => ++cell, last: () => cell };
  });
  assert.equal(cell, 8n);
  assert.equal(book.nextRid("c"), 9n);
  cell += 5n; // (the I/O thread's inserts)
  assert.equal(book.nextRid("c"), 15n);
  assert.equal(book.nextRid("d"), 8n); // (another table: the book's own)
  book.unshareRids("c");
  cell = 100n;
  assert.equal(book.nextRid("c"), 16n);
  // a table never numbered here is read first
  book.shareRids("e", (last) => {
    assert.equal(last, 7n);
    return { take: () => 0n, last: () => 30n };
  });
  book.unshareRids("e");
  assert.equal(book.nextRid("e"), 31n);
});
