import assert from "node:assert/strict";
import { BSON } from "bson";
import { openWiredTiger } from "../storage/mod.ts";
import { compilePartialFilter } from "../engine/mod.ts";
import { OpControl } from "../observability/op_control.ts";
import { decodeDocument } from "../bson/decode.ts";
import { CappedCollections } from "./capped.ts";
import { copyIntoCapped } from "./capped_copy.ts";
import { indexKeysOf } from "./index_keys.ts";

const keyOpts = { compilePartialFilter };

/** The documents one-by-one insertion would leave: the longest suffix within both limits. */
function survivors(sizes: number[], size: number, max: number): number {
  let n = 0, bytes = 0;
  for (let i = sizes.length - 1; i >= 0; i--) {
    if (n > 0 && (n + 1 > max || bytes + sizes[i]! > size)) break;
    n++;
    bytes += sizes[i]!;
  }
  return n;
}

Deno.test("copyIntoCapped keeps what one-by-one inserts would keep, in natural order, across slices", async () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  const capped = new CappedCollections(storage, keyOpts);
  storage.addWriteHook(capped);
  try {
    const from = storage.catalog.createCollection("d", "src");
    const sizes: number[] = [];
    storage.write((txn) => {
      for (let i = 0; i < 3000; i++) {
        const doc = { _id: 5000 - i, i, pad: "x".repeat(i % 50) };
        const bytes = BSON.serialize(doc);
        sizes.push(bytes.length);
        txn.insert(from, bytes, indexKeysOf(from, doc, keyOpts));
      }
    });
    const cases = [
      { name: "all", options: { capped: true, size: 1 << 20 } },
      { name: "bySize", options: { capped: true, size: 20_000 } },
      { name: "byMax", options: { capped: true, size: 1 << 20, max: 1500 } },
      { name: "tiny", options: { capped: true, size: 1 } },
    ];
    for (const c of cases) {
      const to = storage.catalog.createCollection("d", c.name, c.options);
      const n = await copyIntoCapped({
        storage,
        capped,
        keyOpts,
        from,
        to,
        ctl: new OpControl(),
        sync: false,
      });
      const expected = survivors(sizes, c.options.size, c.options.max ?? Infinity);
      assert.equal(n, expected, c.name);
      const kept = storage.read((r) => [...r.scan(to)].map((rec) => decodeDocument(rec.bytes)["i"]));
      assert.deepEqual(kept, Array.from({ length: expected }, (_, k) => 3000 - expected + k), c.name);
    }
  } finally {
    storage.close();
  }
});

Deno.test("copyIntoCapped copies inserts made while it yields, and stops with 117 after an update", async () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 20,
    syncOnCommit: false,
  });
  const capped = new CappedCollections(storage, keyOpts);
  storage.addWriteHook(capped);
  const insert = (coll: ReturnType<typeof storage.catalog.createCollection>, i: number) =>
    storage.write((txn) => {
      const doc = { _id: i, i };
      return txn.insert(coll, BSON.serialize(doc), indexKeysOf(coll, doc, keyOpts));
    });
  try {
    const from = storage.catalog.createCollection("d", "src");
    for (let i = 0; i < 2500; i++) insert(from, i);
    const copyTo = (name: string) =>
      copyIntoCapped({
        storage,
        capped,
        keyOpts,
        from,
        to: storage.catalog.createCollection("d", name, { capped: true, size: 1 << 20 }),
        ctl: new OpControl({ quantumMs: 0 }),
        sync: false,
      });
    const appended = copyTo("a");
    insert(from, 2500); // runs while the copy waits between slices
    assert.equal(await appended, 2501);

    const updated = copyTo("b");
    const rid = storage.read((r) => r.scan(from).next().value!.rid);
    storage.write((txn) => {
      const doc = { _id: 0, i: -1 };
      txn.update(
        from,
        rid,
        BSON.serialize(doc),
        indexKeysOf(from, { _id: 0, i: 0 }, keyOpts),
        indexKeysOf(from, doc, keyOpts),
      );
    });
    await assert.rejects(updated, { code: 117 });
  } finally {
    storage.close();
  }
});
