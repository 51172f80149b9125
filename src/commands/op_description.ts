/**
 * How an operation's command is shown by currentOp, the profiler and the slow-query log (pure), as
 * mongod shows it: `op` from the command name; a command larger than the bound (1 KB for currentOp,
 * 50 KB for profile entries) becomes `{$truncated: "<its text, cut, ending with ...>", comment}`; the
 * slow-query log shows a write's `documents` / `updates` / `deletes` as their count when there is
 * more than one (mongod's snipForLogging), so a large insertMany logs one short line; a user command's
 * `pwd` and a SASL `payload` are shown as "xxx" everywhere.
 */
import { rawDocumentsOf } from "../bson/lazy_documents.ts";
import { BSON } from "bson";
import type { Doc } from "./reply.ts";

/** mongod's `op` of a profile entry / currentOp document. */
export function opKind(command: string): string {
  switch (command) {
    case "find":
      return "query";
    case "getMore":
      return "getmore";
    case "insert":
      return "insert";
    case "update":
      return "update";
    case "delete":
      return "remove";
    default:
      return "command";
  }
}

/** currentOp's bound on a shown command (mongod's truncateOps). */
export const CURRENT_OP_COMMAND_BYTES = 1000;
/** The profiler's bound on an entry's command (mongod's OpDebug maxElementSize). */
export const PROFILE_COMMAND_BYTES = 50 * 1024;
/** The slow-query log's bound on a command (mongod's maxLogSizeKB default, 10). */
export const LOG_COMMAND_BYTES = 10 * 1024;

/** `command` itself when its BSON size is within `maxBytes`, else mongod's `$truncated` form. */
export function truncatedCommand(command: Doc, maxBytes: number): Doc {
  if (BSON.calculateObjectSize(command) <= maxBytes) return command;
  let text = boundedText(command, maxBytes + 1);
  if (text.length > maxBytes) text = text.slice(0, maxBytes - 3) + "...";
  return { $truncated: text, ...(command["comment"] !== undefined ? { comment: command["comment"] } : {}) };
}

const SNIPPED: Readonly<Record<string, string>> = {
  insert: "documents",
  update: "updates",
  delete: "deletes",
};

/** The command as the slow-query log shows it: a batch write's statement array as its count. */
export function snipForLog(commandName: string, command: Doc): Doc {
  const field = SNIPPED[commandName];
  const list = field === undefined ? undefined : command[field];
  // (an insert's documents the wire layer kept as bytes are counted without decoding them)
  const n = rawDocumentsOf(list)?.length ?? (Array.isArray(list) ? list.length : 0);
  if (field === undefined || n <= 1) return command;
  return { ...command, [field]: n };
}

/** Secret-bearing fields of a command, shown as "xxx" (mongod's snipForLogging of the user and SASL commands). */
const SECRET_FIELDS: Readonly<Record<string, string>> = {
  createUser: "pwd",
  updateUser: "pwd",
  saslStart: "payload",
  saslContinue: "payload",
};

/** The command as currentOp, the profiler and the log may show it: a password or SASL payload as "xxx". */
export function redactSecrets(commandName: string, command: Doc): Doc {
  const field = SECRET_FIELDS[commandName];
  if (field === undefined || command[field] === undefined) return command;
  return { ...command, [field]: "xxx" };
}

class Full extends Error {}

/** A JSON-like text of `v`, stopped once it reaches `limit` characters (never builds more). */
export function boundedText(v: unknown, limit: number): string {
  const parts: string[] = [];
  let n = 0;
  const put = (s: string) => {
    parts.push(s);
    n += s.length;
    if (n >= limit) throw new Full();
  };
  const walk = (x: unknown): void => {
    if (x === null || x === undefined) return put("null");
    if (typeof x === "string") return put(JSON.stringify(x.length > limit ? x.slice(0, limit) : x));
    if (typeof x === "bigint") return put(x.toString());
    if (typeof x !== "object") return put(String(x));
    if (x instanceof Date) return put(`new Date(${x.getTime()})`);
    if (x instanceof Uint8Array) return put(`BinData(${x.length} bytes)`);
    if (Array.isArray(x)) {
      put("[");
      x.forEach((e, i) => {
        if (i > 0) put(", ");
        walk(e);
      });
      return put("]");
    }
    const bsontype = (x as { _bsontype?: string })._bsontype;
    if (bsontype !== undefined) return put(String(x));
    put("{");
    let first = true;
    for (const [k, e] of Object.entries(x)) {
      if (!first) put(", ");
      first = false;
      put(`${k}: `);
      walk(e);
    }
    return put("}");
  };
  try {
    walk(v);
  } catch (e) {
    if (!(e instanceof Full)) throw e;
  }
  return parts.join("").slice(0, limit);
}
