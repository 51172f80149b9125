/**
 * env.ts — `ExpressionEnv`: one compilation environment (collation, `$$NOW`, user variables from a
 * command's `let`) shared by all expressions of a pipeline, filter or update, and the factory of
 * the runtime `Vars` they evaluate with.
 *
 * All expressions of an environment (and of its `child` environments) share one slot array: slots
 * are unique per variable, and evaluation is synchronous and never re-enters a binding construct,
 * so sharing is safe — and it lets a stage such as `$lookup` rebind its `let` variables for each
 * outer document by writing `setSlot` before running its sub-pipeline.
 */
import "./families.ts";
import type { StringComparator } from "../../bson/compare.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { checkVariableName, compileExpression, withVariables } from "./compile.ts";
import type { Evaluator, ExprContext, JsHost, Vars } from "./types.ts";

export interface ExpressionOptions {
  /** A collation document; ignored when `strCmp` is given. */
  collation?: unknown;
  /** A ready string comparator (undefined = binary). */
  strCmp?: StringComparator | undefined;
  /** The value of `$$NOW` (injected clock; defaults to the time the environment is built). */
  now?: Date | undefined;
  /** User variables (a command's `let`): constants or expressions evaluated once. */
  variables?: Record<string, unknown> | undefined;
  /** The value of `$$CLUSTER_TIME` (a Timestamp; derived from `now` when absent). */
  clusterTime?: unknown;
  /** Server-side JavaScript for `$function` / `$accumulator`. */
  js?: JsHost | undefined;
}

export class ExpressionEnv {
  readonly ctx: ExprContext;
  readonly now: Date;
  readonly clusterTime: unknown;
  readonly #slots: unknown[];

  constructor(opts: ExpressionOptions = {}, parent?: { env: ExpressionEnv; ctx: ExprContext }) {
    if (parent) {
      this.ctx = parent.ctx;
      this.now = parent.env.now;
      this.clusterTime = parent.env.clusterTime;
      this.#slots = parent.env.#slots;
      return;
    }
    const strCmp = "strCmp" in opts ? opts.strCmp : makeStringComparator(opts.collation);
    this.now = opts.now ?? new Date();
    this.clusterTime = opts.clusterTime;
    this.#slots = [];
    const scope = new Map<string, number>();
    const slotCounter = { n: 0 };
    const js = opts.js;
    const base: ExprContext = { strCmp, scope: new Map(), slotCounter, js };
    const v0: Vars = { root: undefined, now: this.now, slots: this.#slots, clusterTime: this.clusterTime };
    for (const [name, expr] of Object.entries(opts.variables ?? {})) {
      checkVariableName(name);
      const slot = slotCounter.n++;
      this.#slots[slot] = compileExpression(expr, base)(undefined, v0);
      scope.set(name, slot);
    }
    this.ctx = { strCmp, scope, slotCounter, js };
  }

  /** Compiles an expression in this environment. */
  compile(expr: unknown): Evaluator {
    return compileExpression(expr, this.ctx);
  }

  /** Runtime variables with `$$ROOT` = `root` (sharing this environment's slots). */
  newVars(root?: unknown): Vars {
    return { root, now: this.now, slots: this.#slots, clusterTime: this.clusterTime };
  }

  /** An environment that also sees `names` (bound to fresh slots, set with `setSlot`). */
  child(names: readonly string[]): { env: ExpressionEnv; slots: number[] } {
    for (const n of names) checkVariableName(n);
    const { ctx, slots } = withVariables(this.ctx, names);
    return { env: new ExpressionEnv({}, { env: this, ctx }), slots };
  }

  /** Sets a variable slot (see `child`). */
  setSlot(slot: number, value: unknown): void {
    this.#slots[slot] = value;
  }
}

/** One-shot helper: compile `expr` and evaluate it against `doc` (for tests and simple callers). */
export function evaluateExpression(expr: unknown, doc: unknown, opts: ExpressionOptions = {}): unknown {
  const env = new ExpressionEnv(opts);
  const ev = env.compile(expr);
  return ev(doc, env.newVars(doc));
}
