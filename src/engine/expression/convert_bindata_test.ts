import assert from "node:assert/strict";
import { Binary } from "bson";
import { assertCommandError } from "../../errors/assert_command_error.ts";
import {
  binDataSubtype,
  binDataToBinData,
  binDataToString,
  parseFormat,
  stringToBinData,
} from "./convert_bindata.ts";
import { ConvertError } from "./convert_error.ts";

const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const SAMPLE = "hn3uUsMxSE6S0cVkebjmfg=="; // the 16 bytes of 867dee52-c331-484e-92d1-c56479b8e67e
const bin = (sub: number, b64 = SAMPLE) => new Binary(bytes(b64), sub);
const same = (b: Binary, sub: number, b64: string) => {
  assert.equal(b.sub_type, sub);
  assert.deepEqual([...b.buffer.subarray(0, b.position)], [...bytes(b64)]);
};
const fails = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e) => e instanceof ConvertError && message.test(e.message));

Deno.test("string → BinData in each format, the uuid format exactly for the UUID subtype", () => {
  same(stringToBinData("867dee52-c331-484e-92d1-c56479b8e67e", "uuid", 4), 4, SAMPLE);
  same(stringToBinData("867DEE52-C331-484E-92D1-C56479B8E67E", "uuid", 4), 4, SAMPLE);
  same(stringToBinData(SAMPLE, "base64", 0), 0, SAMPLE);
  same(stringToBinData("hn3uUsMxSE6S0cVkebjmfg", "base64url", 0), 0, SAMPLE);
  same(stringToBinData("hn3uUsMxSE6S0cVkebjmfg==", "base64url", 0), 0, SAMPLE);
  same(stringToBinData("867DEE52C331484E92D1C56479B8E67E", "hex", 128), 128, SAMPLE);
  same(stringToBinData("🙂😎", "utf8", 0), 0, "8J+ZgvCfmI4=");
  same(stringToBinData("", "base64", 0), 0, "");
  same(stringToBinData("-_8", "base64url", 0), 0, "+/8=");
  fails(() => stringToBinData("867dee52-c331-484e-92d1-c56479b8e67e", "uuid", 0), /Only the 'uuid' format/);
  fails(() => stringToBinData(SAMPLE, "base64", 4), /Only the 'uuid' format/);
  fails(() => stringToBinData("867dee--52-c331-484e-", "base64", 0), /^Failed to parse BinData '867dee--52/);
  fails(() => stringToBinData("867dee--52-c331-484e-", "base64url", 0), /Invalid base64url/);
  fails(() => stringToBinData("hn3uUsMxSE6S0cVkebjmfg", "base64", 0), /Invalid base64/); // unpadded
  fails(() => stringToBinData("abc", "hex", 0), /Invalid hex/);
  fails(() => stringToBinData("zz", "hex", 0), /Invalid hex/);
  fails(() => stringToBinData("867dee52c331484e92d1c56479b8e67e", "uuid", 4), /Invalid UUID/);
  fails(() => stringToBinData(SAMPLE, "auto", 0), /Invalid format 'auto'/);
  assertCommandError(
    () => stringToBinData(SAMPLE, undefined, 0),
    4341115,
    "Format must be speficied when converting from 'string' to 'binData'",
  );
});

Deno.test("BinData → string in each format; auto gives a UUID's string, else base64", () => {
  assert.equal(binDataToString(bin(4), "uuid"), "867dee52-c331-484e-92d1-c56479b8e67e");
  assert.equal(binDataToString(bin(4), "auto"), "867dee52-c331-484e-92d1-c56479b8e67e");
  assert.equal(binDataToString(bin(0), "auto"), SAMPLE);
  assert.equal(binDataToString(bin(4), "base64"), SAMPLE);
  assert.equal(binDataToString(bin(0), "base64url"), "hn3uUsMxSE6S0cVkebjmfg");
  assert.equal(binDataToString(bin(0, "+/8="), "base64url"), "-_8");
  assert.equal(binDataToString(bin(0, "+/8A"), "base64"), "+/8A");
  assert.equal(binDataToString(bin(0), "hex"), "867DEE52C331484E92D1C56479B8E67E");
  assert.equal(binDataToString(bin(0, "8J+ZgvCfmI4="), "utf8"), "🙂😎");
  fails(() => binDataToString(bin(0), "uuid"), /BinData does not represent a valid UUID/);
  fails(() => binDataToString(bin(4, "AQID"), "uuid"), /BinData does not represent a valid UUID/);
  fails(() => binDataToString(bin(0, "//4="), "utf8"), /valid UTF-8/);
  assertCommandError(() => binDataToString(bin(0), undefined), 4341115, /from 'binData' to 'string'/);
});

Deno.test("BinData → BinData keeps its subtype only; subtype and format arguments checked", () => {
  same(binDataToBinData(bin(4), 4), 4, SAMPLE);
  fails(() => binDataToBinData(bin(4), 0), /different BinData subtypes/);
  fails(() => binDataToBinData(bin(255), 0), /different BinData subtypes/);
  assert.equal(binDataSubtype(0), 0);
  assert.equal(binDataSubtype(8), 8);
  assert.equal(binDataSubtype(255), 255);
  for (const bad of [-1, 9, 127, 256, 1000]) assertCommandError(() => binDataSubtype(bad), 4341107);
  assertCommandError(() => binDataSubtype(1.5), 4341106);
  assertCommandError(() => binDataSubtype("newUUID"), 4341108, /must be a number, but is string/);
  assert.equal(parseFormat(null), undefined);
  assert.equal(parseFormat("hex"), "hex");
  assertCommandError(() => parseFormat("b64"), 4341125, "Invalid 'format' argument for $convert: b64");
  assertCommandError(() => parseFormat(1), 4341114);
});
