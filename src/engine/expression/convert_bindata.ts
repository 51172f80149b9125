/**
 * convert_bindata.ts — `$convert`'s BinData conversions (new in MongoDB 8.0): a string to BinData and BinData
 * to a string in a `format` (`base64`, `base64url`, `hex`, `uuid`, `utf8`; `auto` from BinData only: a UUID
 * as its canonical string, anything else as base64), BinData to BinData of its own subtype, and the checks
 * on `to: {type: "binData", subtype}`'s subtype (default 0). A value that cannot convert fails with
 * ConvertError (241 ConversionFailure, or `onError`); malformed arguments with mongod's own codes. Numbers
 * to or from BinData (`byteOrder`) came in 8.1 and stay unsupported conversions here.
 */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isNullish } from "../../bson/values.ts";
import { typeName } from "./coerce.ts";
import { fail } from "./convert_error.ts";
import { numKind, toDouble } from "./numeric.ts";

export type BinDataFormat = "auto" | "base64" | "base64url" | "hex" | "uuid" | "utf8";

const FORMATS: ReadonlySet<string> = new Set(["auto", "base64", "base64url", "hex", "uuid", "utf8"]);
const UUID_SUBTYPE = 4;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const utf8Strict = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** `format` as evaluated: undefined when nullish (none given), else one of the formats. */
export function parseFormat(v: unknown): BinDataFormat | undefined {
  if (isNullish(v)) return undefined;
  if (typeof v !== "string") {
    throw new CommandError(
      Location.ConvertFormatNotString,
      `$convert requires that 'format' be a string, found: ${typeName(v)} with value ${String(v)}`,
    );
  }
  if (!FORMATS.has(v)) {
    throw new CommandError(Location.ConvertFormatInvalid, `Invalid 'format' argument for $convert: ${v}`);
  }
  return v as BinDataFormat;
}

/** A BinData subtype from `to.subtype` (a number: 0–8 or 128–255). */
export function binDataSubtype(v: unknown): number {
  if (numKind(v) === undefined) {
    throw new CommandError(
      Location.ConvertSubtypeNotNumber,
      `For BinData, $convert's 'subtype' argument must be a number, but is ${typeName(v)}`,
    );
  }
  const n = toDouble(v);
  if (!Number.isInteger(n)) {
    throw new CommandError(
      Location.ConvertSubtypeNotInteger,
      "In $convert, numeric 'subtype' argument is not an integer",
    );
  }
  if (!(n >= 0 && n <= 8) && !(n >= 128 && n <= 255)) {
    throw new CommandError(
      Location.ConvertSubtypeNotBinDataType,
      `In $convert, numeric value for 'subtype' does not correspond to a BinData type: ${n}`,
    );
  }
  return n;
}

function requireFormat(format: BinDataFormat | undefined, from: string, to: string): BinDataFormat {
  if (format === undefined) {
    throw new CommandError(
      Location.ConvertFormatRequired,
      `Format must be speficied when converting from '${from}' to '${to}'`,
    );
  }
  return format;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function encode64(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = bytes[i]! << 16 | bytes[i + 1]! << 8 | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[n >> 12 & 63]! + alphabet[n >> 6 & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = bytes[i]! << 16 | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    out += alphabet[n >> 18]! + alphabet[n >> 12 & 63]!;
    out += rest === 2 ? alphabet[n >> 6 & 63]! : pad ? "=" : "";
    if (pad) out += "=";
  }
  return out;
}

/** Strict base64 (`url`: base64url, padding optional); undefined when `s` is not one. */
function decode64(s: string, alphabet: string, url: boolean): Uint8Array | undefined {
  let body = s;
  if (body.endsWith("==")) body = body.slice(0, -2);
  else if (body.endsWith("=")) body = body.slice(0, -1);
  const padded = body.length !== s.length;
  if (!url && s.length % 4 !== 0) return undefined;
  if (padded && s.length % 4 !== 0) return undefined;
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor(body.length * 3 / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const d = alphabet.indexOf(body[i]!);
    if (d < 0) return undefined;
    acc = (acc << 6 | d) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = acc >> bits & 0xff;
    }
  }
  return out;
}

function decodeHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encodeHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).toUpperCase().padStart(2, "0");
  return out;
}

function uuidString(bytes: Uint8Array): string {
  const h = encodeHex(bytes).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `s` to BinData of `subtype` read in `format` (the uuid format exactly with the UUID subtype). */
export function stringToBinData(s: string, format: BinDataFormat | undefined, subtype: number): Binary {
  const f = requireFormat(format, "string", "binData");
  const bad = (why: string): never =>
    fail(`Failed to parse BinData '${s}' in $convert with no onError value: ${why}`);
  if ((f === "uuid") !== (subtype === UUID_SUBTYPE)) {
    bad("Only the 'uuid' format is allowed with the UUID subtype");
  }
  let bytes: Uint8Array | undefined;
  switch (f) {
    case "base64":
      bytes = decode64(s, B64, false);
      break;
    case "base64url":
      bytes = decode64(s, B64URL, true);
      break;
    case "hex":
      bytes = decodeHex(s);
      break;
    case "utf8":
      bytes = utf8Encoder.encode(s);
      if (s.isWellFormed && !s.isWellFormed()) bad(`Invalid UTF-8: ${s}`);
      break;
    case "uuid":
      if (!UUID_RE.test(s)) bad(`Invalid UUID string: ${s}`);
      bytes = decodeHex(s.replaceAll("-", ""));
      break;
    default:
      bad(`Invalid format '${f}'`);
  }
  if (!bytes) bad(`Invalid ${f} string`);
  return new Binary(bytes, subtype);
}

/** BinData `b` as a string in `format`. */
export function binDataToString(b: Binary, format: BinDataFormat | undefined): string {
  const f = requireFormat(format, "binData", "string");
  const bytes = b.buffer.subarray(0, b.position);
  const validUuid = b.sub_type === UUID_SUBTYPE && bytes.length === 16;
  const bad = (why: string): never =>
    fail(`Failed to convert '${describeBinData(b)}' to string in $convert with no onError value: ${why}`);
  switch (f) {
    case "auto":
      return validUuid ? uuidString(bytes) : encode64(bytes, B64, true);
    case "base64":
      return encode64(bytes, B64, true);
    case "base64url":
      return encode64(bytes, B64URL, false);
    case "hex":
      return encodeHex(bytes);
    case "utf8":
      try {
        return utf8Strict.decode(bytes);
      } catch {
        return bad("BinData does not represent a valid UTF-8 string");
      }
    case "uuid":
      if (!validUuid) bad("BinData does not represent a valid UUID");
      return uuidString(bytes);
  }
}

/** BinData to BinData: only to its own subtype. */
export function binDataToBinData(b: Binary, subtype: number): Binary {
  if (b.sub_type !== subtype) fail("Conversions between different BinData subtypes are not supported");
  return b;
}

function describeBinData(b: Binary): string {
  return `BinData(${b.sub_type}, ${encodeHex(b.buffer.subarray(0, b.position))})`;
}
