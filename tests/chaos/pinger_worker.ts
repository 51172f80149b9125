/**
 * Runs the chaos suite's pinger on its own thread, so the load generator's busy event loop in the
 * test process does not count as server latency. Protocol: `{port}` starts the loop, `"take"` posts
 * the `Latency` figures since the last take.
 */
import { pingLoop } from "./probes.ts";

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(m: unknown): void;
};
let loop: ReturnType<typeof pingLoop> | null = null;
self.onmessage = (e: MessageEvent) => {
  if (e.data === "take") self.postMessage(loop?.take() ?? null);
  else {
    loop = pingLoop((e.data as { port: number }).port);
    self.postMessage("ready");
  }
};
