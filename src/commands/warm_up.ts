/**
 * Background warm-up after start: the server answers its first ping before loading the modules behind
 * most commands (registry.ts, issue 18's cold start), so the first call of each command would pay for
 * loading its module (tens to hundreds of ms on a busy machine). Shortly after the listener is up, this
 * loads every command module one at a time, then the text-search packages and the partial filter
 * compiler, with a turn of the event loop between modules so clients are served meanwhile — and, in a
 * server, each step only in a quiet moment (observability/quiet_gate.ts: 50 ms after the listener opens
 * with no client, then no command begun for 20 ms and none running), so a client that starts right after the ready line is not queued behind the batches: a
 * busy server loads each command's module at its first call instead. Modules load once per process: a
 * later server in the same process finds them loaded and does nothing.
 *
 * The command modules are first fetched in batches of `BATCH` (one `import()` of a `data:` module that
 * imports a batch), then taken one by one from the module cache. Under `deno task start`'s
 * `--unstable-lazy-dynamic-imports` Deno prepares each `import()` when it runs, walking its module graph
 * (~1 ms each, more as the graph grows): 71 imports one by one cost ~100–300 ms more CPU than before the
 * flag, and a client's first command waited behind them (an aggregate 0.5–1.2 s at load 10). A batch that
 * fails (a module that throws, a runtime without `data:` imports) is left to the one-by-one loads.
 */
import { loadCommandsInTurn, unloadedCommandModules } from "./registry.ts";
import { loadTextLanguages } from "../keys/text_language.ts";
import { loadPartialFilterCompiler } from "../engine/query/partial_filter_loader.ts";
import { unrefTimeout } from "../timers.ts";

/** After the listener is up: late enough not to delay the first ping, early enough for a first query. */
export const WARM_UP_DELAY_MS = 50;
/** Command modules per batch (one batch evaluates in one go: ~10–20 ms of the event loop). */
const BATCH = 8;

/**
 * Imports `urls` in batches of BATCH, one `data:` module per batch, each once `proceed()` says so;
 * stops at the first failure or refusal.
 */
async function fetchInBatches(urls: readonly string[], proceed: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < urls.length; i += BATCH) {
    if (!await proceed()) return;
    const source = urls.slice(i, i + BATCH).map((u) => `import ${JSON.stringify(u)};`).join("\n");
    try {
      // only modules registry.ts imports with literal specifiers, so the layer check sees every edge
      await import(`data:text/javascript,${encodeURIComponent(source)}`);
    } catch {
      return;
    }
  }
}

export interface WarmUp {
  /** Cancels what has not started and waits for the module load in flight. */
  stop(): Promise<void>;
}

export interface WarmUpOptions {
  /** Before the first step (default WARM_UP_DELAY_MS). */
  readonly delayMs?: number;
  /**
   * Resolves true when the next step may run (the server's QuietGate: no command being served), false
   * to give up; default: at once.
   */
  readonly whenQuiet?: () => Promise<boolean>;
}

export function startWarmUp(options: WarmUpOptions = {}): WarmUp {
  let stopped = false;
  let running: Promise<void> | undefined;
  let wake!: () => void;
  const stopping = new Promise<false>((resolve) => wake = () => resolve(false));
  const whenQuiet = options.whenQuiet ?? (() => Promise.resolve(true));
  // each step waits for a quiet moment, or ends the warm-up at stop (even while the wait goes on)
  const proceed = async () => !stopped && await Promise.race([whenQuiet(), stopping]) && !stopped;
  // unref'd (src/timers.ts: no Node timers before the first ping); the listener keeps the process up
  const timer = unrefTimeout(() => {
    running = (async () => {
      await fetchInBatches(unloadedCommandModules(), proceed);
      await loadCommandsInTurn(proceed);
      if (!await proceed()) return;
      await loadTextLanguages().catch(() => {});
      if (!await proceed()) return;
      await loadPartialFilterCompiler().catch(() => {});
    })();
  }, options.delayMs ?? WARM_UP_DELAY_MS);
  return {
    async stop() {
      stopped = true;
      wake();
      timer.cancel();
      await running;
    },
  };
}
