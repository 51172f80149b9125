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
