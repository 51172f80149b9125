import assert from "node:assert/strict";
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { fromSandbox, toSandbox } from "./codec.ts";
import { JsRuntime } from "./runtime.ts";

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CommandError) return e.code;
    throw e;
  }
  return undefined;
}

async function asyncCodeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CommandError) return e.code;
    throw e;
  }
  return undefined;
}

const sanitizers = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "$where forms: expression, function body with return, statements, function, this and obj",
  ...sanitizers,
  fn: async () => {
    const rt = new JsRuntime(true);
    try {
      const docs = [{ a: 1 }, { a: 2 }].map((d) => toSandbox(d));
      const where = (fn: string) => rt.run({ kind: "where", fn, items: docs, token: "t" });
      assert.deepEqual(await where("this.a == 1"), [true, false]);
      assert.deepEqual(await where("return obj.a == 2;"), [false, true]);
      assert.deepEqual(await where("function() { return this.a > 0 }"), [true, true]);
      assert.deepEqual(await where("sleep(1) || true"), [true, true]);
      // statements without a return: the last one's value (jstests where3.js), `this` kept
      assert.deepEqual(await where("x = this.a; x == 2;"), [false, true]);
      assert.deepEqual(await where("var y = obj.a * 10; y > 15"), [false, true]);
      assert.deepEqual(rt.callSync({ kind: "where", fn: "this.a == 2", items: docs, token: "t" }), [
        false,
        true,
      ]);
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name: "calls convert BSON types mongod's way and offer the shell helpers",
  ...sanitizers,
  fn: () => {
    const rt = new JsRuntime(true);
    try {
      const call = (fn: string, args: unknown[]) =>
        fromSandbox(
          rt.callSync({ kind: "call", fn, items: [{ args: args.map((a) => toSandbox(a)) }], token: "c" })[0],
        );
      assert.equal(
        call("function(l) { return l instanceof NumberLong && tojson(l) }", [Long.fromNumber(7)]),
        'NumberLong("7")',
      );
      assert.equal(
        (call("function() { return ObjectId('507f1f77bcf86cd799439011') }", []) as { toHexString(): string })
          .toHexString(),
        "507f1f77bcf86cd799439011",
      );
      assert.equal(
        (call("function() { return ISODate('2020-01-01T00:00:00Z') }", []) as Date).getTime(),
        1577836800000,
      );
      assert.equal(call("function(a) { return Array.sum(a) }", [[1, 2, 3]])?.valueOf(), 6);
      assert.equal(
        call("function() { return typeof Deno + typeof require + typeof process + typeof fetch }", []),
        "undefinedundefinedundefinedundefined",
      );
      assert.equal(
        call("function() { return this.constructor.constructor('return typeof Deno')() }", []),
        "undefined",
      );
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name: "JS exceptions are 139, a busy loop ends with 50 and the sandbox comes back",
  ...sanitizers,
  fn: async () => {
    const rt = new JsRuntime(true, { inlineBudgetMs: 100, batchBudgetMs: 100 });
    try {
      const call = (fn: string) => rt.callSync({ kind: "call", fn, items: [{ args: [] }], token: "e" });
      assert.equal(codeOf(() => call("function() { throw new Error('boom') }")), 139);
      assert.equal(codeOf(() => call("function( {")), 139);
      assert.equal(codeOf(() => call("function() { while (true) {} }")), 50);
      assert.equal(
        await asyncCodeOf(rt.run({ kind: "where", fn: "while (true) {}", items: [{}], token: "e" })),
        50,
      );
      assert.equal(
        await asyncCodeOf(
          rt.run({ kind: "where", fn: "true", items: [{}], token: "e" }, { deadline: Date.now() - 1 }),
        ),
        50,
      );
      assert.deepEqual(await rt.run({ kind: "where", fn: "true", items: [{}], token: "e" }), [true]);
      // a rejected import() (no import callback in the sandbox) does not end the thread
      assert.deepEqual(
        await rt.run({ kind: "where", fn: "import('node:fs') && true", items: [{}], token: "e" }),
        [true],
      );
      assert.deepEqual(await rt.run({ kind: "where", fn: "true", items: [{}], token: "e" }), [true]);
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name: "contexts are separate per token: one operation's globals never reach another",
  ...sanitizers,
  fn: () => {
    const rt = new JsRuntime(true);
    try {
      const call = (fn: string, token: string) =>
        fromSandbox(rt.callSync({ kind: "call", fn, items: [{ args: [] }], token })[0]);
      call("function() { globalThis.leak = 42; return 1 }", "a");
      assert.equal(call("function() { return typeof leak }", "a"), "number");
      assert.equal(call("function() { return typeof leak }", "b"), "undefined");
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name:
    "a run past the heap cap is 139 'Out of memory' (mongod's code) on both lanes, then the sandbox comes back",
  ...sanitizers,
  fn: async () => {
    // generous budgets: the answer must come from the heap cap, not from the clock
    const rt = new JsRuntime(true, { heapLimitMb: 48, inlineBudgetMs: 5_000, batchBudgetMs: 5_000 });
    const hog = "function() { const a = []; for (;;) a.push(new Array(10000).fill(1)); }";
    const messageOf = (e: unknown) => (e instanceof CommandError ? `${e.code} ${e.message}` : String(e));
    try {
      let got = "";
      try {
        rt.callSync({ kind: "call", fn: hog, items: [{ args: [] }], token: "m" });
      } catch (e) {
        got = messageOf(e);
      }
      assert.match(got, /^139 Out of memory/);
      assert.deepEqual(rt.callSync({ kind: "where", fn: "true", items: [{}], token: "m" }), [true]);
      got = "";
      try {
        await rt.run({ kind: "call", fn: hog, items: [{ args: [] }], token: "m" });
      } catch (e) {
        got = messageOf(e);
      }
      assert.match(got, /^139 Out of memory/);
      assert.deepEqual(await rt.run({ kind: "where", fn: "true", items: [{}], token: "m" }), [true]);
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name: "a kill while the sandbox thread is still booting ends the run at once (the kill is not lost)",
  ...sanitizers,
  fn: async () => {
    const rt = new JsRuntime(true, { batchBudgetMs: 10_000 });
    try {
      const ac = new AbortController();
      const t0 = Date.now();
      // the first run boots the thread: the kill lands while the run waits for it
      const run = rt.run({ kind: "where", fn: "while (true) {}", items: [{}], token: "k" }, {
        signal: ac.signal,
      });
      queueMicrotask(() => ac.abort(new CommandError("ClientDisconnect", "gone")));
      assert.equal(await asyncCodeOf(run), 279);
      assert.ok(Date.now() - t0 < 3_000, "not the 10 s budget");
      assert.deepEqual(await rt.run({ kind: "where", fn: "this.a === 1", items: [{ a: 1 }], token: "k" }), [
        true,
      ]);
    } finally {
      rt.stop();
    }
  },
});

Deno.test({
  name:
    "a killed operation's awaited run stops at once with the kill's error; the next run gets a fresh sandbox",
  ...sanitizers,
  fn: async () => {
    const rt = new JsRuntime(true, { batchBudgetMs: 10_000 });
    try {
      const ac = new AbortController();
      const t0 = Date.now();
      const run = rt.run({ kind: "where", fn: "while (true) {}", items: [{}], token: "k" }, {
        signal: ac.signal,
      });
      setTimeout(() => ac.abort(new CommandError("ClientDisconnect", "gone")), 300);
      assert.equal(await asyncCodeOf(run), 279);
      assert.ok(Date.now() - t0 < 3_000, "not the 10 s budget");
      // aborted before its turn: refused without running
      assert.equal(
        await asyncCodeOf(
          rt.run({ kind: "where", fn: "true", items: [{}], token: "k" }, { signal: ac.signal }),
        ),
        279,
      );
      assert.deepEqual(await rt.run({ kind: "where", fn: "this.a === 1", items: [{ a: 1 }], token: "k" }), [
        true,
      ]);
    } finally {
      rt.stop();
    }
  },
});
