/**
 * accumulator_js.ts — `$accumulator` (mongod 8.0): a user-defined accumulator in server-side
 * JavaScript. `init(...initArgs)` makes the state once per group (`initArgs` evaluated over the group
 * key, default `[]`); each document's `accumulateArgs` (an array) is queued, and the queue is folded
 * with `accumulate(state, ...args)` in one sandbox call when the group's value is asked for or the
 * queue passes ~16 MiB (as mongod batches its pending calls); `finalize(state)` (optional) gives the
 * result. `merge` is validated but only needed to combine partial states (spilled groups, which
 * refuse JavaScript states: they hold a value, so spilling is not affected).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { jsFunctionSource, requireJs } from "../expression/ops_bson.ts";
import { isObj } from "../expression/compile.ts";
import type { Evaluator } from "../expression/types.ts";
import type { AccState } from "./accumulators.ts";
import type { ExpressionEnv } from "../expression/env.ts";
import { approxValueSize } from "./value_size.ts";

const PENDING_BYTES = 16 * 1024 * 1024;

function fnOf(name: string, v: unknown): string {
  if (typeof v === "string" && v.startsWith("$") || isDocument(v) || Array.isArray(v)) {
    throw new CommandError(
      Location.AccumulatorJsFunctionNotConstant,
      `$accumulator '${name}' must be a constant expression`,
    );
  }
  const src = jsFunctionSource(v);
  if (src === undefined) {
    throw new CommandError(
      Location.AccumulatorJsFunctionNotStringOrCode,
      `$accumulator '${name}' must be a String or Code BSON type; found: ${describeValue(v)}`,
    );
  }
  return src;
}

/** The fold of queued accumulate calls, run in the sandbox (mongod's wrapper, arity kept). */
const FOLD = `function (state, pending, accumulate) {
  const f = (0, eval)("(" + accumulate + ")");
  for (let i = 0; i < pending.length; i++) state = f(state, ...pending[i]);
  return state;
}`;

export function compileJsAccumulator(
  spec: unknown,
  ctx: { readonly env: ExpressionEnv },
): { make: (groupKey?: unknown) => AccState; arg: Evaluator } {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.AccumulatorJsNotObject,
      `$accumulator expects an object as an argument; found: ${describeValue(spec)}`,
    );
  }
  let init: string | undefined;
  let accumulate: string | undefined;
  let merge: string | undefined;
  let finalize: string | undefined;
  let initArgs: Evaluator | undefined;
  let accumulateArgs: Evaluator | undefined;
  for (const [name, v] of Object.entries(spec)) {
    switch (name) {
      case "init":
        init = fnOf(name, v);
        break;
      case "accumulate":
        accumulate = fnOf(name, v);
        break;
      case "merge":
        merge = fnOf(name, v);
        break;
      case "finalize":
        finalize = fnOf(name, v);
        break;
      case "initArgs":
        initArgs = ctx.env.compile(v);
        break;
      case "accumulateArgs":
        accumulateArgs = ctx.env.compile(v);
        break;
      case "lang":
        if (typeof v !== "string") {
          throw new CommandError(
            Location.AccumulatorJsLangNotString,
            `$accumulator lang must be a string; found: ${describeValue(v)}`,
          );
        }
        if (v !== "js") {
          throw new CommandError(Location.AccumulatorJsLangNotJs, "$accumulator only supports lang: 'js'");
        }
        break;
      default:
        throw new CommandError(
          Location.AccumulatorJsUnknownField,
          `$accumulator got an unexpected field: ${name}`,
        );
    }
  }
  if (!init) {
    throw new CommandError(
      Location.AccumulatorJsMissingInit,
      "$accumulator missing required argument 'init'",
    );
  }
  if (!accumulate) {
    throw new CommandError(
      Location.AccumulatorJsMissingAccumulate,
      "$accumulator missing required argument 'accumulate'",
    );
  }
  if (!merge) {
    throw new CommandError(
      Location.AccumulatorJsMissingMerge,
      "$accumulator missing required argument 'merge'",
    );
  }
  if (!accumulateArgs) {
    throw new CommandError(
      Location.AccumulatorJsMissingAccumulateArgs,
      "$accumulator missing required argument 'accumulateArgs'",
    );
  }
  const js = requireJs(ctx.env.ctx);
  const initSrc = init;
  const accSrc = accumulate;
  const finalizeSrc = finalize;
  const initOf = initArgs;
  const make = (groupKey?: unknown): AccState => {
    let state: unknown;
    let started = false;
    let pending: unknown[][] = [];
    let pendingBytes = 0;
    let checked = false;
    const initArgsOf = (): unknown[] => {
      const root = isObj(groupKey) ? groupKey : {};
      const a = initOf ? initOf(root, ctx.env.newVars(root)) : [];
      if (!Array.isArray(a)) {
        throw new CommandError(
          Location.AccumulatorJsInitArgsNotArray,
          `$accumulator initArgs must evaluate to an array: ${describeValue(a)}`,
        );
      }
      checked = true;
      return a;
    };
    const start = () => {
      state = js.call(initSrc, initArgsOf());
      started = true; // after the call: a deferred call (js_defer.ts) runs this again
    };
    const flush = () => {
      if (!started) start();
      if (pending.length === 0) return;
      const folded = js.call(FOLD, [state ?? null, pending, accSrc]);
      state = folded;
      pending = [];
      pendingBytes = 0;
    };
    // init runs when the group's value is first asked for (or the queue is folded early): the calls
    // of a group then happen at result time, where the $group stage can await them (js_defer.ts)
    return {
      add(v) {
        if (!checked) initArgsOf(); // mongod's order of errors: initArgs first
        if (!Array.isArray(v)) {
          throw new CommandError(
            Location.AccumulatorJsAccumulateArgsNotArray,
            `$accumulator accumulateArgs must evaluate to an array: ${describeValue(v)}`,
          );
        }
        pending.push(v);
        pendingBytes += approxValueSize(v);
        if (pendingBytes > PENDING_BYTES && !js.deferred) flush(); // deferred: the stage calls settle()
      },
      settle() {
        if (pendingBytes > PENDING_BYTES) flush();
      },
      result() {
        flush();
        const r = finalizeSrc ? js.call(finalizeSrc, [state ?? null]) : state;
        return r === undefined ? null : r;
      },
    };
  };
  return { make, arg: accumulateArgs };
}
