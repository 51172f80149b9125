import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Crc64 } from "./crc64.ts";

Deno.test("crc64: Go's ECMA CRC-64 (the value mongodump wrote for two small documents)", () => {
  const doc = (id: number) =>
    Uint8Array.from([0x15, 0, 0, 0, 0x10, 0x5f, 0x69, 0x64, 0, id, 0, 0, 0, 0x10, 0x61, 0, id, 0, 0, 0, 0]);
  const c = new Crc64();
  c.update(doc(1));
  c.update(doc(2));
  // bytes 4c be 97 2a af 0e 93 dd (little-endian int64) in the archive
  assertEquals(BigInt.asUintN(64, c.value()), 0xdd930eaf2a97be4cn);
  const check = new Crc64();
  check.update(new TextEncoder().encode("123456789"));
  assertEquals(BigInt.asUintN(64, check.value()), 0x995dc9bbdf1939fan);
});
