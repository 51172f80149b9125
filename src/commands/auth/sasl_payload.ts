/** SASL payloads: BinData (drivers) or a string (legacy shells) in, BinData out. */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";

export function payloadBytes(v: unknown, path: string): Uint8Array {
  if (v instanceof Binary) return v.buffer.subarray(0, v.position);
  if (typeof v === "string") return new TextEncoder().encode(v);
  if (v === undefined) return new Uint8Array();
  throw new CommandError("TypeMismatch", `BSON field '${path}' is the wrong type, expected BinData`);
}

export function payloadBinary(bytes: Uint8Array): Binary {
  return new Binary(bytes, Binary.SUBTYPE_DEFAULT);
}
