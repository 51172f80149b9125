/**
 * worker_source.ts — the program of the JavaScript sandbox thread (a `node:worker_threads` Worker,
 * started by runtime.ts with a capped V8 heap). It owns a few `node:vm` contexts (one per token,
 * least recently used dropped past 16), each created empty and given the prelude (prelude.ts), and
 * answers requests: `{sab, token, text, timeoutMs}` → runs the context's dispatch on `text` under
 * `vm`'s `timeout` (which interrupts busy loops) and writes the JSON reply into the shared buffer
 * `sab` — `[0]` state (0 pending, 1 done), `[1]` reply byte length, the UTF-8 reply from byte 16 —
 * then wakes whoever waits on it (`Atomics.notify`): the server thread blocked in `Atomics.wait`
 * (inline calls) or awaiting `Atomics.waitAsync` (batches). A run that reaches the heap cap is
 * answered `{oom: true}` by a timer armed before it (V8 terminates such a run; the thread lives on
 * but Deno gives the parent no event). Plain CommonJS text, evaluated by the worker (`eval: true`).
 */
export const WORKER_SOURCE = String.raw`
const { parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const PRELUDE = require("node:worker_threads").workerData.prelude;
const HEAP_CAP = require("node:worker_threads").workerData.heapMb * 1024 * 1024;
const contexts = new Map();
// a promise user code leaves rejected (e.g. its import() without an import callback) must not end the thread
process.on("unhandledRejection", () => {});
globalThis.addEventListener?.("unhandledrejection", (e) => e.preventDefault());
function contextFor(token) {
  let c = contexts.get(token);
  if (c) {
    contexts.delete(token);
    contexts.set(token, c);
    return c;
  }
  c = vm.createContext(Object.create(null), { codeGeneration: { strings: true, wasm: false } });
  vm.runInContext(PRELUDE, c);
  contexts.set(token, c);
  if (contexts.size > 16) contexts.delete(contexts.keys().next().value);
  return c;
}
const encoder = new TextEncoder();
function reply(sab, text) {
  const bytes = encoder.encode(text);
  if (sab.byteLength < 16 + bytes.length) {
    if (sab.maxByteLength < 16 + bytes.length) {
      return reply(sab, JSON.stringify({ err: "reply too large", big: true, n: 0 }));
    }
    sab.grow(16 + bytes.length);
  }
  new Uint8Array(sab, 16, bytes.length).set(bytes);
  const ctl = new Int32Array(sab, 0, 4);
  Atomics.store(ctl, 1, bytes.length);
  Atomics.store(ctl, 0, 1);
  Atomics.notify(ctl, 0);
}
parentPort.on("message", (m) => {
  if (m.boot) {
    const ctl = new Int32Array(m.boot, 0, 4);
    Atomics.store(ctl, 2, 1);
    Atomics.notify(ctl, 2);
    return;
  }
  let text;
  // V8 ends a run that reaches the heap cap by terminating it (no catch sees it) and the thread goes
  // back to its event loop without a reply and without an error event for the parent: this timer,
  // which can only fire once the run has ended, answers for it.
  let answered = false;
  const oomGuard = setTimeout(() => {
    if (answered) return;
    answered = true;
    contexts.delete(m.token);
    reply(m.sab, JSON.stringify({ err: "Out of memory", oom: true, n: 0 }));
  }, 0);
  try {
    const c = contextFor(m.token);
    c.__request = m.text;
    text = vm.runInContext("__secantusDispatch(__request)", c, { timeout: Math.max(1, m.timeoutMs) });
    c.__request = undefined;
    if (typeof text !== "string") text = JSON.stringify({ err: "internal: no reply", n: 0 });
  } catch (e) {
    const msg = String(e && e.message);
    const timedOut = /timed out/i.test(msg);
    if (timedOut) contexts.delete(m.token);
    // stopped by the clock while its heap sat at the cap (V8 collecting garbage over and over):
    // that run ran out of memory, not merely of time
    const full = timedOut && process.memoryUsage().heapUsed >= 0.9 * HEAP_CAP;
    text = JSON.stringify(full ? { err: "Out of memory", oom: true, n: 0 } : { err: msg, timeout: timedOut, n: 0 });
  }
  clearTimeout(oomGuard);
  if (answered) return;
  answered = true;
  reply(m.sab, text);
});
`;
