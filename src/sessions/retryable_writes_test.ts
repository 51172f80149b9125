import assert from "node:assert/strict";
import { Binary, BSON, Double, Long, ObjectId } from "bson";
import { encodeRow, ReplySlot, RetryableWrites, rowKey } from "./retryable_writes.ts";
import { openWiredTiger } from "../storage/mod.ts";
import type { StorageEngine } from "../storage/api.ts";
import { CommandError } from "../errors/command_error.ts";

const lsid = { id: new Binary(new Uint8Array(16).fill(7), 4) };

Deno.test("retryable writes: records live in storage, marked applied atomically with each write", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  try {
    const a = new RetryableWrites<Record<string, unknown>>();
    a.attach(storage);
    const id = a.identify("insert", { lsid, txnNumber: 3n })!;
    assert.equal(a.lookup(id), undefined);
    const t = storage.openTable("probe");
    // a write that rolls back marks nothing
    assert.throws(() =>
      a.storageFor(id, storage).write((txn) => {
        txn.table(t).put(new Uint8Array([1]), new Uint8Array([1]));
        throw new Error("boom");
      })
    );
    assert.equal(new RetryableWrites().attachAnd(storage).lookup(id), undefined);
    // applied but no reply recorded (a stop between the write and the reply): 217, never a second write
    a.storageFor(id, storage).write((txn) => txn.table(t).put(new Uint8Array([1]), new Uint8Array([1])));
    assert.throws(
      () => new RetryableWrites().attachAnd(storage).lookup(id),
      (e) => e instanceof CommandError && e.codeName === "IncompleteTransactionHistory",
    );
    // with the reply: a fresh instance (a restart) answers the retry with it; older numbers are 225
    a.record(id, { n: 1, ok: 1 }, false);
    const b = new RetryableWrites<Record<string, unknown>>().attachAnd(storage);
    assert.deepEqual(b.lookup(id), { n: 1, ok: 1 });
    assert.throws(
      () => b.lookup({ ...id, txnNumber: 2n }),
      (e) => e instanceof CommandError && e.codeName === "TransactionTooOld",
    );
    assert.equal(b.lookup({ ...id, txnNumber: 4n }), undefined);
  } finally {
    storage.close();
  }
});

Deno.test("retryable writes: a reply known inside the write transaction commits with the data, once", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  // counts the write transactions the record itself opens
  let ownWrites = 0;
  const counting = new Proxy(storage, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === "write") {
        return (...a: Parameters<StorageEngine["write"]>) => {
          ownWrites++;
          return target.write(...a);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as StorageEngine;
  try {
    const a = new RetryableWrites<Record<string, unknown>>();
    a.attach(counting);
    const t = storage.openTable("probe");
    const id = a.identify("insert", { lsid, txnNumber: 5n })!;
    const slot = new ReplySlot<Record<string, unknown>>();
    // a transaction that predicts its reply and rolls back stores nothing
    assert.throws(() =>
      a.storageFor(id, storage, slot).write(() => {
        slot.replyOnCommit({ n: 9, ok: 1 });
        throw new Error("boom");
      })
    );
    assert.equal(slot.committed, undefined);
    a.storageFor(id, storage, slot).write((txn) => {
      txn.table(t).put(new Uint8Array([2]), new Uint8Array([2]));
      slot.replyOnCommit({ n: 1, ok: 1 });
    });
    // a restart right after the commit (before record): the retry gets the reply, not 217
    assert.deepEqual(new RetryableWrites().attachAnd(storage).lookup(id), { n: 1, ok: 1 });
    a.record(id, { n: 1, ok: 1 }, false, slot);
    assert.equal(ownWrites, 0, "the same reply is not written a second time");
    // a different final reply (e.g. a writeConcernError added) is written in its own transaction
    const id2 = { ...id, txnNumber: 6n };
    const slot2 = new ReplySlot<Record<string, unknown>>();
    a.storageFor(id2, storage, slot2).write(() => slot2.replyOnCommit({ n: 1, ok: 1 }));
    a.record(id2, { n: 1, ok: 1, writeConcernError: { code: 64 } }, false, slot2);
    assert.equal(ownWrites, 1);
    assert.deepEqual(new RetryableWrites().attachAnd(storage).lookup(id2), {
      n: 1,
      ok: 1,
      writeConcernError: { code: 64 },
    });
    // a later transaction without a prediction leaves the row without a reply until record
    const id3 = { ...id, txnNumber: 7n };
    const slot3 = new ReplySlot<Record<string, unknown>>();
    const marked = a.storageFor(id3, storage, slot3);
    marked.write(() => slot3.replyOnCommit({ n: 1, ok: 1 }));
    marked.write((txn) => txn.table(t).put(new Uint8Array([3]), new Uint8Array([3])));
    assert.equal(slot3.committed, undefined);
    assert.throws(
      () => new RetryableWrites().attachAnd(storage).lookup(id3),
      (e) => e instanceof CommandError && e.codeName === "IncompleteTransactionHistory",
    );
    a.record(id3, { n: 2, ok: 1 }, false, slot3);
    assert.deepEqual(new RetryableWrites().attachAnd(storage).lookup(id3), { n: 2, ok: 1 });
  } finally {
    storage.close();
  }
});

Deno.test("retryable writes: one stored row per session (each write's row replaces the previous), old-layout rows read and replaced", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  try {
    const table = storage.openTable("retryable_writes");
    const rows = () => storage.read((txn) => [...txn.table(table).scan()].length);
    const a = new RetryableWrites<Record<string, unknown>>().attachAnd(storage);
    const t = storage.openTable("probe");
    const write = (w: RetryableWrites<Record<string, unknown>>, txnNumber: bigint, n: number) => {
      const id = w.identify("insert", { lsid, txnNumber })!;
      assert.equal(w.lookup(id), undefined);
      const slot = new ReplySlot<Record<string, unknown>>();
      const marked = w.storageFor(id, storage, slot);
      marked.write((txn) => {
        txn.table(t).put(new Uint8Array([n]), new Uint8Array([n]));
        slot.replyOnCommit({ n, ok: 1 });
      });
      marked.write(() => slot.replyOnCommit({ n, ok: 1 })); // a second transaction of the same write
      w.record(id, { n, ok: 1 }, false, slot);
    };
    for (let i = 1; i <= 5; i++) write(a, BigInt(i), i);
    assert.equal(rows(), 1);
    // a restart finds the newest row; its next write replaces it
    const b = new RetryableWrites<Record<string, unknown>>().attachAnd(storage);
    assert.deepEqual(b.lookup(a.identify("insert", { lsid, txnNumber: 5n })!), { n: 5, ok: 1 });
    write(b, 300n, 6);
    assert.equal(rows(), 1);
    assert.deepEqual(
      new RetryableWrites().attachAnd(storage).lookup(a.identify("insert", { lsid, txnNumber: 300n })!),
      { n: 6, ok: 1 },
    );
    // a row in the old layout (keyed by the session alone) is read, and removed by the next write
    const key = new TextEncoder().encode(a.identify("insert", { lsid, txnNumber: 1n })!.key);
    const old = BSON.serialize({
      txnNumber: 400n,
      applied: true,
      reply: { n: 7, ok: 1 },
      lastUse: new Date(),
    });
    storage.write((txn) => {
      for (const [k] of [...txn.table(table).scan()]) txn.table(table).remove(k);
      txn.table(table).put(key, old);
    });
    const c = new RetryableWrites<Record<string, unknown>>().attachAnd(storage);
    assert.deepEqual(c.lookup(c.identify("insert", { lsid, txnNumber: 400n })!), { n: 7, ok: 1 });
    assert.throws(
      () => c.lookup(c.identify("insert", { lsid, txnNumber: 399n })!),
      (e) => e instanceof CommandError && e.codeName === "TransactionTooOld",
    );
    write(c, 401n, 8);
    assert.equal(rows(), 1);
    assert.deepEqual(
      new RetryableWrites().attachAnd(storage).lookup(c.identify("insert", { lsid, txnNumber: 401n })!),
      { n: 8, ok: 1 },
    );
  } finally {
    storage.close();
  }
});

Deno.test("rowKey: txnNumbers as big-endian int64 with the sign bit flipped, the same bytes on the number path and the BigInt path", () => {
  const expected = (n: bigint) => {
    const out = new Uint8Array(3 + 9);
    out.set([0x61, 0x62, 0x63]);
    new DataView(out.buffer).setBigUint64(4, BigInt.asUintN(64, n) ^ (1n << 63n));
    return out;
  };
  const values = [
    0n,
    1n,
    255n,
    256n,
    2n ** 31n,
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 32n + 5n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 62n,
    -1n,
    -(2n ** 63n),
  ];
  for (const n of values) {
    assert.deepStrictEqual(rowKey("abc", n), expected(n), `txnNumber ${n}`);
    assert.deepStrictEqual(
      rowKey(new Uint8Array([0x61, 0x62, 0x63]), n),
      expected(n),
      `txnNumber ${n} (bytes)`,
    );
  }
  // sorted by txnNumber
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((n) => rowKey("abc", n));
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(compareBytes(sorted[i - 1]!, sorted[i]!) < 0);
  }
});

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

Deno.test("retryable writes: a row's bytes are npm bson's, with or without a reply", () => {
  const txnNumber = Long.fromNumber(42);
  const at = Date.UTC(2026, 11, 4, 13, 0, 0, 123);
  const replies: unknown[] = [
    undefined,
    { n: 1, ok: 1 },
    { n: 1, nModified: 0, ok: 1 },
    { n: 3, ok: 1, writeErrors: [{ index: 0, code: 14, errmsg: "x" }] }, // (an array: npm bson writes it)
    { lastErrorObject: { n: 1, updatedExisting: true }, value: { _id: new ObjectId(), s: "é" }, ok: 1 },
  ];
  for (const reply of replies) {
    const expected = BSON.serialize(
      reply === undefined
        ? { txnNumber, applied: true, lastUse: new Date(at) }
        : { txnNumber, applied: true, reply, lastUse: new Date(at) },
    );
    assert.deepEqual(new Uint8Array(encodeRow(txnNumber, reply, at)), new Uint8Array(expected));
  }
});

Deno.test("retryable writes: a write made elsewhere with its reply in its row is answered from the row, its values' BSON types kept", () => {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 64 << 20,
    sessionMax: 100,
    syncOnCommit: false,
  });
  try {
    const a = new RetryableWrites<Record<string, unknown>>();
    a.attach(storage);
    const t = storage.openTable("probe");
    const first = a.identify("findAndModify", { lsid, txnNumber: 5n })!;
    a.storageFor(first, storage).write((txn) => txn.table(t).put(new Uint8Array([1]), new Uint8Array([1])));
    a.record(first, { ok: 1 }, false);
    // the I/O thread's findAndModify 6: its row (the previous one replaced) carries its reply
    const reply = {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: { _id: 1, d: new Double(2), n: Long.fromNumber(7) },
      ok: 1,
    };
    storage.write((txn) => {
      const rows = txn.table(a.table!);
      rows.remove(rowKey(first.key, 5n));
      rows.put(rowKey(first.key, 6n), encodeRow(Long.fromNumber(6), reply, Date.now()));
    });
    a.servedElsewhereInRow(first.key, 6n);
    assert.equal(a.storedOf(first.key), 6n);
    const got = a.lookup({ key: first.key, txnNumber: 6n })!;
    assert.deepEqual(
      BSON.serialize(got),
      BSON.serialize(reply),
      "the reply's bytes (a double stays a double)",
    );
    assert.throws(
      () => a.lookup(first),
      (e) => e instanceof CommandError && e.codeName === "TransactionTooOld",
    );
  } finally {
    storage.close();
  }
});
