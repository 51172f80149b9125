/**
 * user_digest.ts — the `uid` of a logical session id as mongod records it (oplog entries of
 * transactions, change events' `lsid`): the SHA-256 of the authenticated user's name `user@db`, or of
 * the empty string when authentication is off or nobody is logged in (no user name can hash to that:
 * every full name holds an `@`).
 */
import { nodeBuiltin } from "../node_builtin.ts";
import { Binary } from "bson";

/** SHA-256 of the empty string: the uid of every session when nobody is authenticated. */
const NOBODY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** The digest as hex; node:crypto is loaded only for a named user (not on the start path). */
function sha256Hex(name: string): string {
  if (name === "") return NOBODY;
  return nodeBuiltin("node:crypto").createHash("sha256").update(name).digest("hex");
}

export interface SessionUser {
  readonly user: string;
  readonly db: string;
}

export function userDigest(authEnabled: boolean, users: readonly SessionUser[]): Binary {
  const u = authEnabled ? users[0] : undefined;
  const name = u ? `${u.user}@${u.db}` : "";
  return Binary.createFromHexString(sha256Hex(name), 0);
}
