import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { formatSize, parseSize } from "./size.ts";

Deno.test("parseSize: suffixes are binary and case-insensitive", () => {
  assertEquals(parseSize("512K"), 512 * 1024);
  assertEquals(parseSize("512k"), 512 * 1024);
  assertEquals(parseSize("256M"), 256 * 1024 ** 2);
  assertEquals(parseSize("1G"), 1024 ** 3);
  assertEquals(parseSize("4G"), 4 * 1024 ** 3);
  assertEquals(parseSize("2T"), 2 * 1024 ** 4);
  assertEquals(parseSize("1GB"), 1024 ** 3);
  assertEquals(parseSize("1GiB"), 1024 ** 3);
  assertEquals(parseSize(" 8G "), 8 * 1024 ** 3);
});

Deno.test("parseSize: plain integers are bytes", () => {
  assertEquals(parseSize("1048576"), 1048576);
  assertEquals(parseSize("100B"), 100);
});

Deno.test("parseSize: bad sizes are refused", () => {
  for (const bad of ["", "G", "1.5G", "-1G", "1X", "1 G B", "1GG", "0x10", "1e9", "100IB", "one gig"]) {
    assertEquals(parseSize(bad), undefined, bad);
  }
  assertEquals(parseSize("99999999999T"), undefined); // beyond a safe integer
});

Deno.test("formatSize: largest whole unit", () => {
  assertEquals(formatSize(1024 ** 3), "1G");
  assertEquals(formatSize(256 * 1024 ** 2), "256M");
  assertEquals(formatSize(1536 * 1024 ** 2), "1536M");
  assertEquals(formatSize(2048), "2K");
  assertEquals(formatSize(1000), "1000");
});
