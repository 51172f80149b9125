/**
 * Warm-up: loads the shim and starts WiredTiger's one-time process initialisation (a ~250 ms clock
 * calibration) on a background thread, so it overlaps with whatever the process does next (module
 * loading, config parsing). Calling it is optional and idempotent; `wiredtiger_open` waits for a
 * running initialisation instead of repeating it. Never throws: a failure here only loses the head start.
 */
import { shim } from "./load.ts";

let started = false;

export function preloadWiredTiger(): void {
  if (started) return;
  started = true;
  try {
    shim().sct_preinit();
  } catch {
    // No shim or no library: the real open reports the problem with a clear message.
  }
}
