import assert from "node:assert/strict";
import { Binary } from "bson";
import { RetryableWrites } from "./retryable_writes.ts";
import { openWiredTiger } from "../storage/mod.ts";
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
