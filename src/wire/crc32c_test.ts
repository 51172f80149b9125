import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { crc32c } from "./crc32c.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

Deno.test("crc32c: standard check value for '123456789'", () => {
  assertEquals(crc32c(ascii("123456789")), 0xe3069283);
});

Deno.test("crc32c: RFC 3720 (iSCSI) vectors", () => {
  assertEquals(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assertEquals(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assertEquals(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assertEquals(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
});

Deno.test("crc32c: empty input and chunked continuation", () => {
  assertEquals(crc32c(new Uint8Array(0)), 0);
  const data = Uint8Array.from({ length: 1003 }, (_, i) => (i * 7 + 3) & 0xff);
  const whole = crc32c(data);
  for (const cut of [0, 1, 7, 8, 9, 500, 1003]) {
    assertEquals(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), whole);
  }
});

Deno.test("crc32c: slicing-by-8 matches the bytewise definition", () => {
  const bitwise = (b: Uint8Array) => {
    let c = 0xffffffff;
    for (const x of b) {
      c ^= x;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return ~c >>> 0;
  };
  for (let len = 0; len < 40; len++) {
    const d = Uint8Array.from({ length: len }, (_, i) => (i * 131 + len) & 0xff);
    assertEquals(crc32c(d), bitwise(d));
  }
});
