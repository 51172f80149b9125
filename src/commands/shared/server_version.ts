/**
 * The MongoDB release whose behaviour we report (src/version.ts), as numbers, so commands can gate
 * features the way that release does (e.g. `sort` on single updates exists from 8.0).
 */
import { COMPAT_MONGODB_VERSION } from "../../version.ts";

const [major = 0, minor = 0] = COMPAT_MONGODB_VERSION.split(".").map(Number);

/** True when the reported release is `maj.min` or newer. */
export function compatAtLeast(maj: number, min = 0): boolean {
  return major > maj || (major === maj && minor >= min);
}
