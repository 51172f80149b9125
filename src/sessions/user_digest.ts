/**
 * user_digest.ts — the `uid` of a logical session id as mongod records it (oplog entries of
 * transactions, change events' `lsid`): the SHA-256 of the authenticated user's name `user@db`, or of
 * the empty string when authentication is off or nobody is logged in (no user name can hash to that:
 * every full name holds an `@`).
 */
import { createHash } from "node:crypto";
import { Binary } from "bson";

export interface SessionUser {
  readonly user: string;
  readonly db: string;
}

export function userDigest(authEnabled: boolean, users: readonly SessionUser[]): Binary {
  const u = authEnabled ? users[0] : undefined;
  const name = u ? `${u.user}@${u.db}` : "";
  return new Binary(new Uint8Array(createHash("sha256").update(name).digest()), 0);
}
