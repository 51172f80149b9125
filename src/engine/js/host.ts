/**
 * host.ts — `jsHost`: the synchronous JavaScript host expressions use (`$function`, `$accumulator`),
 * bound to one operation: its own sandbox context (globals never leak between operations) and its
 * deadline (maxTimeMS).
 */
import type { JsHost } from "../expression/types.ts";
import { fromSandbox, toSandbox } from "./codec.ts";
import type { JsRuntime } from "./runtime.ts";

export function jsHost(rt: JsRuntime, deadline?: number): JsHost {
  const token = rt.newToken();
  return {
    enabled: rt.enabled,
    call(fn, args) {
      const [r] = rt.callSync({
        kind: "call",
        fn,
        items: [{ args: args.map((a) => toSandbox(a)) }],
        token,
      }, { deadline });
      return fromSandbox(r);
    },
  };
}
