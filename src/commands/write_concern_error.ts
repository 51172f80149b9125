/**
 * The writeConcernError of a write whose write concern this one-member replica set cannot satisfy
 * (w > 1: 100 UnsatisfiableWriteConcern; an unknown tag: 79 UnknownReplWriteConcern). As on mongod the
 * write is applied and the reply stays ok: 1 with `writeConcernError: {code, codeName, errmsg}`, which
 * drivers surface as a WriteConcernError (and, for commitTransaction, with
 * UnknownTransactionCommitResult where mongod's rules say so).
 */
import { appendToRaw } from "../bson/raw_reply.ts";
import type { WriteConcern } from "./params/write_concern.ts";
import { type Doc, isCloseReply, isStreamingReply, type Reply } from "./reply.ts";

/** Commands that take a write concern (mongod's `supportsWriteConcern`). */
const WRITE_CONCERN_COMMANDS: ReadonlySet<string> = new Set([
  "insert",
  "update",
  "delete",
  "findAndModify",
  "bulkWrite",
  "create",
  "drop",
  "dropDatabase",
  "createIndexes",
  "dropIndexes",
  "collMod",
  "renameCollection",
  "commitTransaction",
  "abortTransaction",
  "aggregate",
]);

/**
 * `failed`: the reply is the command's error (`{ok: 0, …}`): mongod waits for the write concern of a
 * command that failed too (part of it may have been applied), so the error carries the writeConcernError
 * as well — not a transaction's commit or abort, whose labels follow their own rules.
 */
export function withWriteConcernError(
  command: string,
  wc: WriteConcern,
  reply: Reply,
  failed = false,
): Reply {
  const failure = wc.unsatisfiable;
  if (!failure || !WRITE_CONCERN_COMMANDS.has(command)) return reply;
  if (failed && (command === "commitTransaction" || command === "abortTransaction")) return reply;
  if (isCloseReply(reply) || isStreamingReply(reply)) return reply;
  const wce = { code: failure.code, codeName: failure.codeName, errmsg: failure.errmsg };
  if (reply instanceof Uint8Array) return appendToRaw(reply, { writeConcernError: wce });
  const ok = (reply as Doc)["ok"];
  if ((ok !== 1 && !(failed && ok === 0)) || (reply as Doc)["writeConcernError"] !== undefined) return reply;
  return { ...reply, writeConcernError: wce };
}
