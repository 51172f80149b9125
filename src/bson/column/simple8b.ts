/**
 * Simple-8b blocks as mongod's BSONColumn writes them (mongod's src/mongo/bson/column/simple8b*.h):
 * each block is a little-endian uint64 whose low 4 bits are a selector saying how the other 60 bits
 * hold values, least significant slot first. A slot of all ones is a "missing" value (a skip).
 *
 * - selectors 1–14: 60/30/20/15/12/10/8/7/6/5/4/3/2/1 slots of 1/2/3/4/5/6/7/8/10/12/15/20/30/60 bits
 *   (selectors 7 and 8 spend 4 more bits on an extension nibble, 0 for this plain form);
 * - selector 7 with extension 1–9 and selector 8 with extension 1–13: each slot is a value followed
 *   by a count of trailing zeros (4 bits ×1 for 7; 4 bits ×4 for 8 with extension 1–7; 5 bits ×4 for
 *   8 with extension 8–13) — how large, mostly-zero deltas of 128-bit values (strings) fit;
 * - selector 15: run-length, `(extension + 1) × 120` repeats of the previous value (missing included),
 *   the previous value carrying over from the block before, or given by the caller.
 * - selector 0, and extensions outside those ranges, are invalid.
 *
 * Values are unsigned (the caller zigzag-decodes deltas); 64-bit streams keep the low 64 bits of a
 * shifted slot and take the trailing-zero count modulo 64, as mongod does. PURE.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";

/** A decoded slot: the unsigned value, or null for a missing value (skip). */
export type Slot = bigint | null;

/** Slots of one Simple-8b block (RLE excluded). */
interface Layout {
  /** Bits before the first slot (selector, plus the extension nibble of selectors 7 and 8). */
  readonly header: number;
  readonly valueBits: number;
  readonly countBits: number;
  readonly countMultiplier: number;
}

const BASE_BITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60];
const SEVEN_BITS = [0, 2, 3, 4, 5, 7, 10, 14, 24, 52];
const EIGHT_SMALL_BITS = [0, 4, 5, 7, 10, 14, 24, 52];
const EIGHT_LARGE_BITS = [4, 6, 9, 13, 23, 51]; // extensions 8..13

/** Values a run-length block repeats per unit of its count. */
export const RLE_UNIT = 120;

export function invalidColumn(why: string): CommandError {
  return new CommandError(Location.InvalidBSONColumnEncoding, `Invalid BSON Column encoding: ${why}`);
}

function layoutOf(selector: number, extension: number): Layout {
  if (selector === 7 && extension !== 0) {
    const valueBits = SEVEN_BITS[extension];
    if (valueBits === undefined) throw invalidColumn("invalid extended selector");
    return { header: 8, valueBits, countBits: 4, countMultiplier: 1 };
  }
  if (selector === 8 && extension !== 0) {
    if (extension < 8) {
      return { header: 8, valueBits: EIGHT_SMALL_BITS[extension]!, countBits: 4, countMultiplier: 4 };
    }
    const valueBits = EIGHT_LARGE_BITS[extension - 8];
    if (valueBits === undefined) throw invalidColumn("invalid extended selector");
    return { header: 8, valueBits, countBits: 5, countMultiplier: 4 };
  }
  const header = selector === 7 || selector === 8 ? 8 : 4;
  return { header, valueBits: BASE_BITS[selector]!, countBits: 0, countMultiplier: 0 };
}

/**
 * Decodes `blocks` consecutive Simple-8b blocks of `bytes` from `offset` (the caller checked they are
 * in bounds) into `out`, for a stream of `width`-bit values. `previous` is the value a run-length block
 * at the start repeats. Returns the number of slots appended.
 */
export function decodeSimple8b(
  bytes: Uint8Array,
  offset: number,
  blocks: number,
  width: 64 | 128,
  previous: Slot,
  out: Slot[],
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = out.length;
  let last = previous;
  for (let b = 0; b < blocks; b++) {
    const word = view.getBigUint64(offset + b * 8, true);
    const selector = Number(word & 0xfn);
    const extension = Number((word >> 4n) & 0xfn);
    if (selector === 0) throw invalidColumn("invalid selector 0");
    if (selector === 15) {
      for (let i = (extension + 1) * RLE_UNIT; i > 0; i--) out.push(last);
      continue;
    }
    const { header, valueBits, countBits, countMultiplier } = layoutOf(selector, extension);
    const slotBits = valueBits + countBits;
    const slotMask = (1n << BigInt(slotBits)) - 1n;
    const valueMask = (1n << BigInt(valueBits)) - 1n;
    const countMask = (1n << BigInt(countBits)) - 1n;
    for (let shift = header; shift + slotBits <= 64; shift += slotBits) {
      const slot = (word >> BigInt(shift)) & slotMask;
      if (slot === slotMask) {
        last = null;
      } else if (countBits === 0) {
        last = slot;
      } else {
        let zeros = Number(slot & countMask) * countMultiplier;
        if (width === 64) zeros %= 64;
        const value = (slot >> BigInt(countBits)) & valueMask;
        last = BigInt.asUintN(width, value << BigInt(zeros));
      }
      out.push(last);
    }
  }
  return out.length - start;
}

/** Zigzag decoding: the signed delta an unsigned Simple-8b value stands for, as a `width`-bit integer. */
export function zigzagDecode(v: bigint, width: 64 | 128): bigint {
  return BigInt.asIntN(width, (v >> 1n) ^ -(v & 1n));
}
