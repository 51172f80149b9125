/**
 * host.ts — `jsHost`: the JavaScript host expressions use (`$function`, `$accumulator`), bound to one
 * operation: its own sandbox context (globals never leak between operations) and its deadline
 * (maxTimeMS).
 *
 * A plain host calls synchronously: the event loop waits for each call (at most the inline budget).
 * A `deferrable` host (aggregate, whose cursor awaits between pulls) also offers evaluation in rounds
 * (`JsDeferral`, engine/expression/types.ts): calls without an answer are recorded, the round aborts,
 * the cursor awaits `settle()` — the recorded calls run on the sandbox's batch lane while other
 * clients are served, each with the inline budget — and the evaluation runs again with the answers.
 * Answers are keyed by function, arguments and occurrence within the evaluation, so every call of an
 * evaluation runs exactly once, in evaluation order.
 */
import { JS_DEFERRED, type JsDeferral, type JsHost } from "../expression/types.ts";
import { fromSandbox, toSandbox } from "./codec.ts";
import type { JsLimits, JsRuntime } from "./runtime.ts";

interface Waiting {
  readonly fn: string;
  readonly args: unknown[];
  readonly key: string;
}

class Deferral implements JsDeferral {
  /** key → wire answers, by occurrence */
  readonly #answers = new Map<string, unknown[]>();
  /** occurrences seen in the current round */
  readonly #seen = new Map<string, number>();
  #waiting: Waiting[] = [];
  #round: "off" | "defer" | "inline" = "off";

  constructor(
    private readonly rt: JsRuntime,
    private readonly token: string,
    private readonly limits: JsLimits | undefined,
  ) {}

  get active(): boolean {
    return this.#round !== "off";
  }

  begin(inline: boolean): void {
    this.#round = inline ? "inline" : "defer";
    this.#seen.clear();
  }

  end(): boolean {
    this.#round = "off";
    return this.#waiting.length > 0;
  }

  get waiting(): boolean {
    return this.#waiting.length > 0;
  }

  /** The call inside a round: a known answer, an inline run, or a recorded call (throws). */
  call(fn: string, args: readonly unknown[], inline: (wire: unknown[]) => unknown): unknown {
    const wire = args.map((a) => toSandbox(a));
    const key = fn + "\u0000" + JSON.stringify(wire);
    const n = this.#seen.get(key) ?? 0;
    this.#seen.set(key, n + 1);
    const known = this.#answers.get(key);
    if (known && n < known.length) return fromSandbox(known[n]);
    if (this.#round === "inline") {
      const r = inline(wire);
      this.#remember(key, r);
      return fromSandbox(r);
    }
    this.#waiting.push({ fn, args: wire, key });
    throw JS_DEFERRED;
  }

  async settle(): Promise<void> {
    const todo = this.#waiting;
    this.#waiting = [];
    for (const w of todo) {
      const [r] = await this.rt.run(
        { kind: "call", fn: w.fn, items: [{ args: w.args }], token: this.token },
        {
          deadline: this.limits?.deadline,
          signal: this.limits?.signal,
          budgetMs: this.rt.inlineBudgetMs,
        },
      );
      this.#remember(w.key, r);
    }
  }

  forget(): void {
    this.#answers.clear();
    this.#seen.clear();
    this.#waiting = [];
  }

  #remember(key: string, wire: unknown): void {
    const list = this.#answers.get(key);
    if (list) list.push(wire);
    else this.#answers.set(key, [wire]);
  }
}

export function jsHost(rt: JsRuntime, limits?: JsLimits, opts: { deferrable?: boolean } = {}): JsHost {
  const token = rt.newToken();
  const deferred = opts.deferrable ? new Deferral(rt, token, limits) : undefined;
  const inline = (fn: string, wire: unknown[]) => {
    const [r] = rt.callSync({ kind: "call", fn, items: [{ args: wire }], token }, {
      deadline: limits?.deadline,
    });
    return r;
  };
  return {
    enabled: rt.enabled,
    deferred,
    call(fn, args) {
      if (deferred?.active) return deferred.call(fn, args, (wire) => inline(fn, wire));
      return fromSandbox(inline(fn, args.map((a) => toSandbox(a))));
    },
  };
}
