/**
 * Change-stream resume tokens: `{_data: <hex string>}`, opaque to drivers. Ours encode, in order, a
 * format byte, the event's cluster time (seconds, increment), its index inside a transaction's
 * applyOps, and flags (an invalidate event; a high-water mark that names a position, not an event; a
 * fragment of an event split by `$changeStreamSplitLargeEvent`, whose index follows). Hex of
 * big-endian fields, so tokens sort by time as strings do. Pure.
 */
import { Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { CommandError } from "../errors/command_error.ts";

const FORMAT = "82";
const FLAG_INVALIDATE = 1;
const FLAG_HIGH_WATER = 2;
const FLAG_FRAGMENT = 4;

export interface ResumePoint {
  readonly ts: Timestamp;
  /** Index inside an applyOps (0 otherwise). */
  readonly opIndex: number;
  /** The token of an invalidate event (startAfter may use it, resumeAfter may not). */
  readonly invalidate: boolean;
  /** A position between events (postBatchResumeToken with nothing new): resume after `ts` itself. */
  readonly highWater: boolean;
  /** A fragment of a split event (0-based): resuming delivers the fragments after it. */
  readonly fragment?: number;
}

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).padStart(width, "0");
}

export function encodeToken(p: ResumePoint): Doc {
  const fragment = p.fragment !== undefined;
  const flags = (p.invalidate ? FLAG_INVALIDATE : 0) | (p.highWater ? FLAG_HIGH_WATER : 0) |
    (fragment ? FLAG_FRAGMENT : 0);
  return {
    _data: FORMAT + hex(p.ts.high, 8) + hex(p.ts.low, 8) + hex(p.opIndex, 8) + hex(flags, 2) +
      (fragment ? hex(p.fragment!, 8) : ""),
  };
}

function malformed(why: string): CommandError {
  return new CommandError("FailedToParse", `Bad resume token: ${why}`);
}

/** Reads a token given as resumeAfter/startAfter; mongod's errors for a malformed one. */
export function decodeToken(v: unknown): ResumePoint {
  if (!isPlainDoc(v)) throw malformed("the token must be an object");
  const data = v["_data"];
  if (data === undefined) throw malformed("_data is missing");
  if (typeof data !== "string") throw malformed("_data must be a string");
  if (!/^[0-9a-f]{28}([0-9a-f]{8})?$/i.test(data) || !data.startsWith(FORMAT)) {
    throw malformed("_data is not a SecantusDB resume token");
  }
  const num = (from: number, len: number) => parseInt(data.slice(from, from + len), 16);
  const flags = num(26, 2);
  if (((flags & FLAG_FRAGMENT) !== 0) !== (data.length === 36)) throw malformed("bad fragment field");
  return {
    ts: new Timestamp({ t: num(2, 8), i: num(10, 8) }),
    opIndex: num(18, 8),
    invalidate: (flags & FLAG_INVALIDATE) !== 0,
    highWater: (flags & FLAG_HIGH_WATER) !== 0,
    ...(data.length === 36 ? { fragment: num(28, 8) } : {}),
  };
}

/** Orders two resume points (time, then applyOps index). */
export function comparePoints(
  a: { ts: Timestamp; opIndex: number },
  b: { ts: Timestamp; opIndex: number },
): number {
  const c = a.ts.compare(b.ts);
  return c !== 0 ? c : a.opIndex - b.opIndex;
}
