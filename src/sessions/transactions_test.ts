import assert from "node:assert/strict";
import { openWiredTiger } from "../storage/mod.ts";
import { CommandError } from "../errors/command_error.ts";
import { Transactions } from "./transactions.ts";

function setup(lifetimeLimitSeconds = 60) {
  const storage = openWiredTiger({
    path: ":memory:",
    cacheSizeBytes: 32 << 20,
    sessionMax: 50,
    syncOnCommit: false,
  });
  let now = 1_000_000;
  const ended: bigint[] = [];
  const txns = new Transactions(storage, {
    now: () => now,
    lifetimeLimitSeconds,
    onEnd: (t) => ended.push(t.txnNumber),
  });
  return { storage, txns, ended, advance: (ms: number) => (now += ms) };
}

const code = (n: number) => (e: unknown) => e instanceof CommandError && e.code === n;
const S = "s1";

Deno.test("startTransaction begins, statements continue, commit is idempotent, then 256", () => {
  const { storage, txns, ended } = setup();
  const t = txns.statement(S, 1n, true, "insert");
  txns.finishStatement(t);
  assert.equal(txns.statement(S, 1n, false, "find"), t);
  txns.finishStatement(t);
  const c = txns.statement(S, 1n, false, "commitTransaction");
  txns.commit(c, false);
  txns.commit(txns.statement(S, 1n, false, "commitTransaction"), false);
  assert.equal(t.phase, "committed");
  assert.deepEqual(ended, [1n]);
  assert.throws(() => txns.statement(S, 1n, false, "find"), code(256));
  assert.throws(() => txns.abort(t), code(256));
  storage.close();
});

Deno.test("unknown or aborted transactions are 251 with TransientTransactionError; older numbers 225", () => {
  const { storage, txns } = setup();
  assert.throws(() => txns.statement(S, 1n, false, "find"), (e) => {
    return e instanceof CommandError && e.code === 251 &&
      (e.extra["errorLabels"] as string[]).includes("TransientTransactionError");
  });
  const t = txns.statement(S, 2n, true, "insert");
  txns.abort(t);
  assert.throws(() => txns.statement(S, 2n, false, "insert"), code(251));
  assert.throws(() => txns.commit(t, false), code(251));
  assert.throws(() => txns.statement(S, 1n, true, "insert"), code(225));
  assert.throws(() => txns.statement(S, 2n, true, "insert"), code(117));
  assert.throws(() => txns.retryableWrite(S, 1n), code(225));
  storage.close();
});

Deno.test("a newer txnNumber aborts the open transaction; a retryable write too", () => {
  const { storage, txns } = setup();
  const a = txns.statement(S, 1n, true, "insert");
  txns.finishStatement(a);
  const b = txns.statement(S, 2n, true, "insert");
  txns.finishStatement(b);
  assert.equal(a.phase, "aborted");
  txns.retryableWrite(S, 3n);
  assert.equal(b.phase, "aborted");
  assert.throws(() => txns.statement(S, 2n, false, "find"), code(225));
  storage.close();
});

Deno.test("the sweep aborts transactions past transactionLifetimeLimitSeconds, not running ones", () => {
  const { storage, txns, advance } = setup(60);
  const idle = txns.statement("a", 1n, true, "insert");
  txns.finishStatement(idle);
  const busy = txns.statement("b", 1n, true, "insert");
  advance(59_000);
  assert.equal(txns.sweep(), 0);
  advance(2_000);
  assert.equal(txns.sweep(), 1);
  assert.equal(idle.phase, "aborted");
  assert.equal(busy.phase, "inProgress");
  txns.finishStatement(busy);
  assert.equal(txns.sweep(), 1);
  storage.close();
});

Deno.test("ending a session aborts its transaction and forgets its numbers", () => {
  const { storage, txns, ended } = setup();
  const t = txns.statement(S, 5n, true, "insert");
  txns.endSession(S);
  assert.equal(t.phase, "aborted");
  assert.deepEqual(ended, [5n]);
  assert.equal(txns.activeNumber(S), undefined);
  storage.close();
});
