/**
 * An async round trip through Deno's blocking thread pool: the shim's `sct_pause_us` sleeps 50 µs
 * there, so the JS thread parks in the event loop's poll (reading any waiting socket) before it
 * resumes — ~0.05–0.1 ms instead of a timer turn's 1–2.5 ms. The yield of a long operation while
 * nobody else is waiting (src/observability/op_control.ts, installed by the composition root).
 */
import { shim } from "./load.ts";

export async function threadPoolRoundTrip(): Promise<void> {
  await shim().sct_pause_us(50);
}
