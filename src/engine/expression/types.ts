/**
 * types.ts — the shapes every expression family shares.
 *
 * An expression compiles once into an `Evaluator`: `(current, vars) => value`, where `current` is
 * `$$CURRENT` (what `$a.b` reads) and `vars` carries `$$ROOT`, `$$NOW` and the slots of user
 * variables (`let`, `$let`, `$map`'s `as`, …). Slots are assigned at compile time, so a variable read
 * is an array index. `undefined` is "missing" (mongod's EOO): it never appears inside results, object
 * expressions drop such fields and array expressions turn it into null.
 */
import type { StringComparator } from "../../bson/compare.ts";

/** Runtime variables of one evaluation. `root` is `$$ROOT`; `slots` holds user variables. */
export interface Vars {
  root: unknown;
  readonly now: Date;
  readonly slots: unknown[];
  /** `$$CLUSTER_TIME` (a Timestamp); when absent it is derived from `now`. */
  readonly clusterTime?: unknown;
}

/** A compiled expression. */
export type Evaluator = (current: unknown, vars: Vars) => unknown;

/**
 * Server-side JavaScript as expressions see it (`$function`, `$accumulator`): synchronous calls into
 * the sandbox (engine/js/host.ts builds one per operation). Absent or disabled → 31264.
 */
export interface JsHost {
  readonly enabled: boolean;
  /**
   * Calls the function (or expression) source with BSON `args`; returns its BSON result. Inside a
   * deferring round (`deferred.begin()`), a call with no answer yet is recorded and throws
   * `JS_DEFERRED` instead of running.
   */
  call(fn: string, args: readonly unknown[]): unknown;
  /** Present when the caller can await calls between evaluation rounds (engine/aggregate/js_defer.ts). */
  readonly deferred?: JsDeferral | undefined;
}

/**
 * Evaluation in rounds, so server-side JavaScript runs awaited instead of blocking the event loop: a
 * round evaluates an expression from the start; each call answered in an earlier round (same
 * function, same arguments, same occurrence) gets that answer, the first unanswered one is recorded
 * and aborts the round (`JS_DEFERRED`); the async consumer then `settle()`s the recorded calls and the
 * evaluation runs again. `forget()` drops the answers when the evaluation is done.
 */
export interface JsDeferral {
  /** Starts a round; `inline`: unanswered calls run synchronously instead of aborting. */
  begin(inline: boolean): void;
  /** Ends the round; true when calls wait to be settled. */
  end(): boolean;
  /** Calls recorded and not settled yet. */
  readonly waiting: boolean;
  /** Runs the recorded calls (awaited) and keeps their answers. */
  settle(): Promise<void>;
  /** Drops recorded calls and answers. */
  forget(): void;
}

/** Thrown by `JsHost.call` in a deferring round for a call that has no answer yet. */
export const JS_DEFERRED: Error = Object.freeze(new Error("server-side JavaScript call deferred")) as Error;

/** Compile-time context: collation, variables in scope, and the slot allocator. */
export interface ExprContext {
  /** Server-side JavaScript for `$function` / `$accumulator` (absent: refused with 31264). */
  readonly js?: JsHost | undefined;
  readonly strCmp: StringComparator | undefined;
  /** Variables visible here, name → slot. Builtins (ROOT, CURRENT, NOW, REMOVE) are not listed. */
  readonly scope: ReadonlyMap<string, number>;
  /** Shared slot counter for the whole compilation (one `Vars.slots` array serves all scopes). */
  readonly slotCounter: { n: number };
}

/** Compiles one operator's argument (the value under `{$op: <arg>}`). */
export type OperatorCompiler = (arg: unknown, ctx: ExprContext, op: string) => Evaluator;
