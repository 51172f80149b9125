import assert from "node:assert/strict";
import { JsRuntime } from "../../engine/js/runtime.ts";
import { jsHost } from "../../engine/js/host.ts";
import { WhereRunner } from "../shared/where.ts";
import { JsRounds, namesFunction, statementCallsJs, writeInRounds } from "./js_rounds.ts";
import type { RequestContext } from "../context.ts";
import type { WriteTxn } from "../../storage/api.ts";

const sanitizers = { sanitizeOps: false, sanitizeResources: false };

/** A context whose storage runs the write function and notes whether it threw out of it. */
function fakeCtx(transaction: boolean) {
  const seen = { attempts: 0, threw: 0 };
  const ctx = {
    transaction: transaction ? {} : undefined,
    storage: {
      write<T>(fn: (txn: WriteTxn) => T): T {
        seen.attempts++;
        try {
          return fn({} as WriteTxn);
        } catch (e) {
          seen.threw++;
          throw e;
        }
      },
    },
  } as unknown as RequestContext;
  return { ctx, seen };
}

for (const transaction of [false, true]) {
  Deno.test({
    name:
      `a write in rounds awaits its $function and $where calls, none inline (transaction: ${transaction})`,
    ...sanitizers,
    fn: async () => {
      const rt = new JsRuntime(true);
      let inline = 0;
      const callSync = rt.callSync.bind(rt);
      rt.callSync = (req, opts) => {
        inline++;
        return callSync(req, opts);
      };
      try {
        const host = jsHost(rt, undefined, { deferrable: true });
        const where = new WhereRunner(rt, { deadline: undefined }, host);
        const matches = where.compile("this.a > 1", undefined);
        const rounds = new JsRounds(host.deferred!, where);
        const { ctx, seen } = fakeCtx(transaction);
        const docs = [{ _id: 1, a: 1 }, { _id: 2, a: 2 }, { _id: 3, a: 3 }];
        const out = await writeInRounds(ctx, rounds, () => {
          // as a write does: match, then the update's calls, then (not here) the write itself
          return docs.filter((d) => matches(d)).map((d) => host.call("function(x) { return x * 10 }", [d.a]));
        });
        rounds.close();
        assert.deepEqual(out.map(Number), [20, 30]);
        assert.equal(inline, 0);
        // three $where results and two calls, each awaited between attempts: six attempts
        assert.equal(seen.attempts, 6);
        // in a transaction an attempt that meets an unanswered call returns (a throw fails the transaction)
        assert.equal(seen.threw, transaction ? 0 : 5);
      } finally {
        rt.stop();
      }
    },
  });
}

Deno.test("namesFunction: a $function key anywhere in plain documents and arrays", () => {
  const fn = { $function: { body: "function() { return 1 }", args: [], lang: "js" } };
  assert.equal(namesFunction({ $inc: { counter: 1 } }), false);
  assert.equal(namesFunction({ $set: { a: "$function", b: ["$function"] } }), false);
  assert.equal(namesFunction([{ $set: { a: fn } }]), true);
  assert.equal(namesFunction([{ $set: { a: { $add: [1, { $cond: [true, fn, 0] }] } } }]), true);
  assert.equal(namesFunction({ $set: { a: new Date(0), b: null } }), false);
  assert.equal(namesFunction(Object.assign(Object.create(null), { x: fn })), true);
});

Deno.test("statementCallsJs: $where, $function or $accumulator anywhere in the filter, update or let", () => {
  const fn = { $function: { body: "function() { return 1 }", args: [], lang: "js" } };
  assert.equal(statementCallsJs({ _id: 5 }, { $inc: { counter: 1 } }, undefined), false);
  assert.equal(
    statementCallsJs({ a: "$where", b: ["$function"] }, { $set: { c: "$where" } }, { v: 1 }),
    false,
  );
  assert.equal(statementCallsJs({ $where: "true" }, undefined, undefined), true);
  assert.equal(statementCallsJs({ $and: [{ a: 1 }, { $where: "true" }] }, undefined, undefined), true);
  assert.equal(statementCallsJs({ a: { $elemMatch: { $where: "true" } } }, undefined, undefined), true);
  assert.equal(statementCallsJs({ $expr: { $eq: [fn, 1] } }, undefined, undefined), true);
  assert.equal(statementCallsJs({}, [{ $set: { a: fn } }], undefined), true);
  assert.equal(statementCallsJs({}, { $set: { a: 1 } }, { x: fn }), true);
  assert.equal(statementCallsJs({}, [{ $set: { a: { $accumulator: {} } } }], undefined), true);
});
