/**
 * Warm-up: loads the shim and starts WiredTiger's one-time process initialisation on a background
 * thread, so it overlaps with whatever the process does next (module loading, config parsing).
 * WiredTiger 3.2.1 spends ~250 ms of that initialisation in a clock-calibration busy loop; the shim
 * shortens the loop to ~1 % of its length when it finds the exact known instruction sequence (see
 * `sct_preinit` in shim/wt_shim.c; `SECANTUS_NO_WT_PATCH=1` turns that off). Idempotent;
 * `wiredtiger_open` waits for a running initialisation instead of repeating it. Never throws: a
 * failure here only loses the head start.
 */
import { shim } from "./load.ts";

let started = false;

/** Whether the calibration loop was shortened (1), left alone (0), or preload has not run (-1). */
export function calibrationPatched(): number {
  try {
    return shim().sct_preinit_patched();
  } catch {
    return -1;
  }
}

export function preloadWiredTiger(): void {
  if (started) return;
  started = true;
  try {
    shim().sct_preinit();
  } catch {
    // No shim or no library: the real open reports the problem with a clear message.
  }
}
