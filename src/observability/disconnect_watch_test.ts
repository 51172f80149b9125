import assert from "node:assert/strict";
import { OpRegistry } from "./op_registry.ts";
import { CLIENT_DISCONNECTED, OpControl } from "./op_control.ts";
import { DISCONNECT_SWEEP_MS } from "./disconnect_watch.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";

function peer(gone: { v: boolean }, asked: { n: number }) {
  return {
    peerGone(): boolean {
      asked.n++;
      return gone.v;
    },
  };
}

Deno.test("disconnect watch: an op whose client hung up stops with 279; young ops and ops without a peer are not asked", () => {
  let now = 10_000;
  const ops = new OpRegistry<string>(() => now);
  const gone = { v: false };
  const asked = { n: 0 };
  const watched = new OpControl({ now: () => now });
  watched.peer = peer(gone, asked);
  const plain = new OpControl({ now: () => now });
  ops.begin(ops.nextId(), watched, "find");
  ops.begin(ops.nextId(), plain, "insert");
  try {
    ops.disconnects.sweep();
    assert.equal(asked.n, 0, "not asked before it has run one sweep period");
    now += DISCONNECT_SWEEP_MS;
    ops.disconnects.sweep();
    assert.equal(asked.n, 1);
    assert.equal(watched.killed, false, "the client is still there");
    gone.v = true;
    ops.disconnects.sweep();
    assert.equal(watched.killed, true);
    assert.equal(plain.killed, false, "a write runs to its end");
    const e = thrownCommandError(() => watched.check());
    assert.equal(e.code, 279);
    assert.equal(e.codeName, "ClientDisconnect");
    assert.equal(e.message, CLIENT_DISCONNECTED);
    ops.disconnects.sweep();
    assert.equal(asked.n, 2, "a killed op is not asked again");
    assert.equal(ops.disconnects.killed, 1);
  } finally {
    ops.disconnects.stop();
  }
});

Deno.test("disconnect watch: the kill aborts the op's signal and wakes its sleep at once", async () => {
  const ops = new OpRegistry<string>(() => Date.now() + 1_000);
  const c = new OpControl();
  c.peer = { peerGone: () => true };
  const signal = c.signal;
  ops.begin(ops.nextId(), c, "find");
  try {
    const t0 = Date.now();
    const slept = c.sleep(5_000).then(() => undefined, (e) => e);
    ops.disconnects.sweep();
    const e = await slept;
    assert.equal(e?.code, 279);
    assert.ok(Date.now() - t0 < 1_000);
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as { code?: number }).code, 279);
    assert.equal(c.signal.aborted, true);
  } finally {
    ops.disconnects.stop();
  }
});

Deno.test("op control: a signal read after the kill is aborted already", () => {
  const c = new OpControl();
  c.kill();
  assert.equal(c.signal.aborted, true);
  assert.equal((c.signal.reason as { codeName?: string }).codeName, "Interrupted");
});

Deno.test("op control: a follower stops with its parent's kill (a getMore's control follows its request's)", async () => {
  const parent = new OpControl();
  parent.peer = { peerGone: () => false };
  const child = new OpControl().follow(parent);
  assert.equal(child.peer, parent.peer);
  const slept = child.sleep(5_000).then(() => undefined, (e) => e);
  parent.kill(CLIENT_DISCONNECTED, "ClientDisconnect");
  assert.equal((await slept)?.code, 279);
  assert.equal(thrownCommandError(() => child.check()).code, 279);
  const late = new OpControl().follow(parent);
  assert.equal(late.killed, true, "following a killed control kills at once");
});
