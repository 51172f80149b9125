/**
 * Background warm-up after start: the server answers its first ping before loading the modules behind
 * most commands (registry.ts, issue 18's cold start), so the first call of each command would pay for
 * loading its module (tens to hundreds of ms on a busy machine). Shortly after the listener is up, this
 * loads every command module one at a time, then the text-search packages and the partial filter
 * compiler, with a turn of the event loop between modules so clients are served meanwhile. Modules
 * load once per process: a later server in the same process finds them loaded and does nothing.
 */
import { loadCommandsInTurn } from "./registry.ts";
import { loadTextLanguages } from "../keys/text_language.ts";
import { loadPartialFilterCompiler } from "../engine/query/partial_filter_loader.ts";

/** After the listener is up: late enough not to delay the first ping, early enough for a first query. */
export const WARM_UP_DELAY_MS = 50;

export interface WarmUp {
  /** Cancels what has not started and waits for the module load in flight. */
  stop(): Promise<void>;
}

export function startWarmUp(delayMs = WARM_UP_DELAY_MS): WarmUp {
  let stopped = false;
  let running: Promise<void> | undefined;
  const timer = setTimeout(() => {
    running = (async () => {
      await loadCommandsInTurn(() => stopped);
      if (stopped) return;
      await loadTextLanguages().catch(() => {});
      if (stopped) return;
      await loadPartialFilterCompiler().catch(() => {});
    })();
  }, delayMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
