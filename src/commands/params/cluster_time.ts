/**
 * The `$clusterTime` a client gossips with a command: mongod reads it before running anything (its
 * vector clock's SignedComponentFormat) and refuses a malformed one — not a document (10065), no
 * `clusterTime` Timestamp or `signature` document (4 NoSuchKey / 14 TypeMismatch), a `hash` that is not
 * 20 bytes of generic binary (12 UnsupportedFormat), a `keyId` that is not an integer. This server signs
 * with a zero hash and key 0 and accepts any well-formed time (as a mongod that lets the client advance
 * its clock).
 */
import { Binary, Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isNumeric, isPlainDoc, typeName } from "../../bson/type_name.ts";
import type { Doc } from "../reply.ts";

function field(doc: Doc, name: string, type: string, ok: (v: unknown) => boolean): unknown {
  const v = doc[name];
  if (v === undefined) throw new CommandError("NoSuchKey", `Missing expected field "${name}"`);
  if (!ok(v)) {
    throw new CommandError(
      "TypeMismatch",
      `"${name}" had the wrong type. Expected ${type}, found ${typeName(v)}`,
    );
  }
  return v;
}

/** Throws mongod's error for a malformed `$clusterTime` value. */
export function checkClusterTime(v: unknown): void {
  if (!isPlainDoc(v)) {
    throw new CommandError(
      Location.ExpectedObjectParameter,
      "invalid parameter: expected an object ($clusterTime)",
    );
  }
  field(v, "clusterTime", "timestamp", (t) => t instanceof Timestamp);
  const sig = field(v, "signature", "object", isPlainDoc) as Doc;
  const hash = field(sig, "hash", "binData", (h) => h instanceof Binary) as Binary;
  if (hash.position !== 20 || hash.sub_type !== 0) {
    throw new CommandError("UnsupportedFormat", `Unsupported SHA1Block hash length: ${hash.position}`);
  }
  const keyId = sig["keyId"];
  if (keyId === undefined) throw new CommandError("NoSuchKey", `Missing expected field "keyId"`);
  if (!isNumeric(keyId)) {
    throw new CommandError(
      "TypeMismatch",
      `Expected field "keyId" to have numeric type, but found ${typeName(keyId)}`,
    );
  }
}
