/**
 * Simple-8b decoding against the expected binaries of mongod's simple8b_test.cpp (its builder's
 * output, written out by hand there), values unsigned as the builder received them.
 */
import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { decodeSimple8b, type Slot, zigzagDecode } from "./simple8b.ts";
import { CommandError } from "../../errors/command_error.ts";

function decode(bytes: number[], width: 64 | 128 = 64, previous: Slot = 0n): Slot[] {
  const out: Slot[] = [];
  decodeSimple8b(Uint8Array.from(bytes), 0, bytes.length / 8, width, previous, out);
  return out;
}

const ones = (n: number): Slot[] => Array.from({ length: n }, () => 1n);

Deno.test("simple8b: mongod's base selector vectors", () => {
  assertEquals(decode([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), [null]); // OnlySkip
  assertEquals(decode([0x1e, 0, 0, 0, 0, 0, 0, 0]), [1n]); // OneValue
  assertEquals(decode([0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), [0xffffffffffffffen]); // MaxValue
  assertEquals(decode([0x1c, 0x0, 0x0, 0x2, 0x0, 0x30, 0x0, 0x0]), [1n, 2n, 3n]); // MultipleValues
  const thirtyOnes = [0x52, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55];
  assertEquals(decode([...thirtyOnes, ...thirtyOnes]), ones(60)); // MaxValues
  assertEquals(decode([0x08, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01]), ones(7)); // TrailingDirtyBits
  // BreakPendingIntoMultipleSimple8bBlocks: 57 ones then 15 (selectors 2, 3 and plain 7)
  assertEquals(
    decode([
      ...thirtyOnes,
      ...[0x93, 0x24, 0x49, 0x92, 0x24, 0x49, 0x92, 0x24],
      ...[0x07, 0x81, 0x40, 0x20, 0x10, 0x08, 0x04, 0x1e],
    ]),
    [...ones(57), 15n],
  );
  assertEquals(decode([0x3a, 0x0, 0x3, 0x30, 0x0, 0xff, 0x7f, 0x0]), [3n, 3n, 3n, null, 7n]); // SkipAtSecondToLast
  assertEquals(decode([0xfa, 0xff, 0xff, 0x3f, 0x0, 0x8, 0xd0, 0x0]), [null, null, 3n, 8n, 13n]); // LeadingSkips
  assertEquals(
    decode([...thirtyOnes, 0x93, 0x24, 0x49, 0x92, 0x24, 0x49, 0x92, 0xfc]),
    [...ones(48), null, null],
  ); // TrailingSkips
});

Deno.test("simple8b: mongod's run-length vectors", () => {
  // RleZeroThenRleAnotherValue: RLE first repeats the previous value (0), then 30 ones, RLE of 1
  const rle = decode([
    ...[0xff, 0, 0, 0, 0, 0, 0, 0],
    ...[0x52, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55],
    ...[0x1f, 0, 0, 0, 0, 0, 0, 0],
  ]);
  assertEquals(rle.length, 1920 + 270);
  assertEquals(rle.slice(0, 1920).every((v) => v === 0n), true);
  assertEquals(rle.slice(1920).every((v) => v === 1n), true);
  // RleSkip: 60 skips, RLE of 120 skips, 60 skips
  const skips = decode([
    ...[0xf1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ...[0x0f, 0, 0, 0, 0, 0, 0, 0],
    ...[0xf1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  ]);
  assertEquals(skips, Array.from({ length: 240 }, () => null));
  // RLE carries the caller's previous value (a control byte continuing a stream)
  assertEquals(decode([0x0f, 0, 0, 0, 0, 0, 0, 0], 64, 5n), Array.from({ length: 120 }, () => 5n));
});

Deno.test("simple8b: mongod's extended selector vectors", () => {
  // LargeSkipsFirst: selector 7 extension 1, alternating skip and 64
  const alternating = decode([
    ...[0x17, 0xbf, 0xf5, 0x5b, 0xbf, 0xf5, 0x5b, 0x3f],
    ...[0x17, 0xd6, 0x6f, 0xfd, 0xd6, 0x6f, 0xfd, 0x16],
    ...[0xfd, 0xff, 0xff, 0xff, 0x03, 0x01, 0x0, 0x0],
  ]);
  assertEquals(alternating, Array.from({ length: 20 }, (_, i) => i % 2 === 0 ? null : 64n));
  assertEquals(
    decode([0x27, 0xfd, 0x7e, 0xbf, 0xdf, 0xef, 0xf7, 0xfb]),
    Array.from({ length: 8 }, () => 57344n),
  ); // Selector7BaseTest
  assertEquals(decode([0x67, 0xb0, 0x00, 0x2c, 0xf0, 0x81, 0x7d, 0x60]), [11n, 11n, 12615680n, 12615680n]);
  assertEquals(
    decode([0x18, 0x75, 0xff, 0x75, 0xff, 0x75, 0xff, 0x75]),
    [7340032n, null, 7340032n, null, 7340032n, null, 7340032n],
  ); // Selector8SmallBaseTestAndSkip
  assertEquals(
    decode([0x38, 0x84, 0x27, 0x3c, 0xe1, 0x09, 0x4f, 0x78]),
    Array.from({ length: 5 }, () => 7864320n),
  ); // Selector8SmallNibbleShift
  assertEquals(decode([0x68, 0x26, 0x00, 0x08, 0x60, 0x02, 0x80, 0x00]), [549789368320n, 549789368320n]);
  // BitShiftLargerThan64: a 64-bit stream takes the shift modulo 64
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, 0x55E6E5D4E9F2B1D8n, true);
  assertEquals(decode([...new Uint8Array(dv.buffer)]), [12089623907203408n]);
});

Deno.test("simple8b: mongod's 128-bit vectors", () => {
  const big = 0x70000n << 64n;
  assertEquals(decode([0x88, 0xf4, 0xe8, 0xd1, 0xa3, 0x47, 0x8f, 0x1e], 128), Array(6).fill(big));
  assertEquals(decode([0x98, 0xf4, 0, 0, 0, 0, 0, 0], 128), [big, 0n, 0n, 0n, 0n]); // UInt128Zero
  assertEquals(
    decode([0x88, 0xf4, 0xfe, 0xd3, 0xfb, 0x4f, 0xef, 0x3f], 128),
    [big, null, big, null, big, null],
  ); // Selector8LargeBaseTestAndSkip
  assertEquals(
    decode([0x88, 0x1f, 0x3f, 0x7e, 0xfc, 0xf8, 0xf1, 0x23], 128),
    Array(6).fill(0x8000000000000000n << 64n),
  ); // Selector8LargeNibbleShift
  const rle = decode([
    ...[0x88, 0xf4, 0xe8, 0xd1, 0xa3, 0x47, 0x8f, 0x1e],
    ...[0x0f, 0, 0, 0, 0, 0, 0, 0],
    ...[0x88, 0xf4, 0xe8, 0xd1, 0xa3, 0x47, 0x8f, 0x1e],
  ], 128); // RleEightSelectorLarge
  assertEquals(rle, Array(132).fill(big));
});

Deno.test("simple8b: invalid selectors", () => {
  throws(
    () => decode([0, 0, 0, 0, 0, 0, 0, 0]),
    (e) => e instanceof CommandError && e.message.includes("selector 0"),
  );
  throws(
    () => decode([0xa7, 0, 0, 0, 0, 0, 0, 0]),
    (e) => e instanceof CommandError && e.message.includes("extended selector"),
  );
  throws(
    () => decode([0xe8, 0, 0, 0, 0, 0, 0, 0]),
    (e) => e instanceof CommandError && e.message.includes("extended selector"),
  );
});

Deno.test("simple8b: zigzag", () => {
  assertEquals([0n, 1n, 2n, 3n, 4n].map((v) => zigzagDecode(v, 64)), [0n, -1n, 1n, -2n, 2n]);
  assertEquals(zigzagDecode(0xffffffffffffffffn, 64), -0x8000000000000000n);
  assertEquals(zigzagDecode((1n << 128n) - 2n, 128), (1n << 127n) - 1n);
});
