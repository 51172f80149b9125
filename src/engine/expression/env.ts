/**
 * env.ts — `ExpressionEnv`: one compilation environment (collation, `$$NOW`, user variables from a
 * command's `let`) shared by all expressions of a pipeline, filter or update, and the factory of
 * the runtime `Vars` they evaluate with.
 */
import "./families.ts";
import type { StringComparator } from "../../bson/compare.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { checkVariableName, compileExpression } from "./compile.ts";
import type { Evaluator, ExprContext, Vars } from "./types.ts";

export interface ExpressionOptions {
  /** A collation document; ignored when `strCmp` is given. */
  collation?: unknown;
  /** A ready string comparator (undefined = binary). */
  strCmp?: StringComparator | undefined;
  /** The value of `$$NOW` (injected clock; defaults to the time the environment is built). */
  now?: Date | undefined;
  /** User variables (a command's `let`): constants or expressions evaluated once. */
  variables?: Record<string, unknown> | undefined;
}

export class ExpressionEnv {
  readonly ctx: ExprContext;
  readonly now: Date;
  readonly #inits: [number, unknown][] = [];

  constructor(opts: ExpressionOptions = {}) {
    const strCmp = "strCmp" in opts ? opts.strCmp : makeStringComparator(opts.collation);
    this.now = opts.now ?? new Date();
    const scope = new Map<string, number>();
    const slotCounter = { n: 0 };
    const base: ExprContext = { strCmp, scope: new Map(), slotCounter };
    const vars = opts.variables ?? {};
    const pending: [number, Evaluator][] = [];
    for (const [name, expr] of Object.entries(vars)) {
      checkVariableName(name);
      const slot = slotCounter.n++;
      pending.push([slot, compileExpression(expr, base)]);
      scope.set(name, slot);
    }
    this.ctx = { strCmp, scope, slotCounter };
    const v0: Vars = { root: undefined, now: this.now, slots: [] };
    for (const [slot, ev] of pending) this.#inits.push([slot, ev(undefined, v0)]);
  }

  /** Compiles an expression in this environment. */
  compile(expr: unknown): Evaluator {
    return compileExpression(expr, this.ctx);
  }

  /** Fresh runtime variables with `$$ROOT` = `root` and the user variables set. */
  newVars(root?: unknown): Vars {
    const slots: unknown[] = [];
    for (const [slot, v] of this.#inits) slots[slot] = v;
    return { root, now: this.now, slots };
  }
}

/** One-shot helper: compile `expr` and evaluate it against `doc` (for tests and simple callers). */
export function evaluateExpression(expr: unknown, doc: unknown, opts: ExpressionOptions = {}): unknown {
  const env = new ExpressionEnv(opts);
  const ev = env.compile(expr);
  return ev(doc, env.newVars(doc));
}
