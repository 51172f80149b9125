/**
 * engine/js — server-side JavaScript (`$where`, `$function`, `$accumulator`, mapReduce) in a sandbox
 * thread: `JsRuntime` (runtime.ts: worker lifecycle, time budgets, memory cap, error codes), the BSON
 * ↔ sandbox value codec (codec.ts), the mongo-shell-like prelude (prelude.ts) and the synchronous host
 * expressions use (host.ts). Imports only leaves (bson, errors) and engine/expression's types.
 */
export {
  JS_BATCH_BUDGET_MS,
  JS_HEAP_LIMIT_MB,
  JS_INLINE_BUDGET_MS,
  type JsRequest,
  JsRuntime,
} from "./runtime.ts";
export { fromSandbox, toSandbox } from "./codec.ts";
export { jsHost } from "./host.ts";
