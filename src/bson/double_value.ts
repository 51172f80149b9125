/**
 * double_value.ts — PURE. How a decoded double keeps its BSON type (decode.ts, request_decode.ts): a
 * double whose value npm bson would write back as an int32 stays a `Double` wrapper; the range of a
 * JS Date.
 */
import { Double } from "bson";

/** True for a double that npm bson would re-encode as an int32 if it were a plain JS number. */
export function looksLikeInt32(v: number): boolean {
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 || Object.is(v, -0);
}

/** The JS value of a decoded double: a number, or a `Double` where a number would turn into int32. */
export function doubleValue(v: number): number | Double {
  return looksLikeInt32(v) ? new Double(v) : v;
}

/** Largest |milliseconds| a JS Date holds; a BSON datetime outside decodes to an Invalid Date. */
export const DATE_MAX_MS = 8.64e15;
