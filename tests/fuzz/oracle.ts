/**
 * The fuzzer's oracle: what counts as a bug after one request.
 * - `unexpected error:` lines the server logged (src/errors/to_reply.ts: a non-CommandError inside a
 *   command) — parsed with their stacks and grouped by the first stack frame inside the project;
 * - an error reply without a numeric `code` and a string `codeName` (write errors inside `writeErrors`,
 *   and `writeConcernError`, need `code` + `errmsg`);
 * - the process died, or a request/ping stalled (the runner reports those with `finding`).
 */
export type FindingKind = "unexpected" | "crash" | "stall" | "shape";

export interface Finding {
  readonly kind: FindingKind;
  /** Groups findings of one bug: the error and its first project stack frame, or kind + detail. */
  readonly key: string;
  readonly command: string;
  readonly db: string;
  readonly body: Record<string, unknown>;
  /** The log excerpt, the bad reply, or what stalled. */
  readonly detail: string;
}

export interface LoggedError {
  /** The first line after `unexpected error:` (error name and message). */
  readonly message: string;
  /** The stack lines (`at …`), as logged. */
  readonly stack: readonly string[];
}

const LOG_LINE = /^\d{4}-\d\d-\d\dT/;

/**
 * Log markers of a bug: a command's unexpected exception (to_reply.ts), a handler that threw past
 * dispatch, and a reply that could not be serialised (connection.ts; the client got InternalError).
 */
const MARKERS = ["unexpected error:", "command handler threw:", "reply could not be serialised:"] as const;

/** The bug entries in a log excerpt, each with the stack lines that follow it. */
export function unexpectedErrors(log: string): LoggedError[] {
  const out: LoggedError[] = [];
  const lines = log.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKERS.find((m) => lines[i]!.includes(m));
    if (marker === undefined) continue;
    const at = lines[i]!.indexOf(marker);
    const message = (marker === MARKERS[0] ? "" : `${marker} `) + lines[i]!.slice(at + marker.length).trim();
    const stack: string[] = [];
    for (let j = i + 1; j < lines.length && !LOG_LINE.test(lines[j]!); j++) {
      if (lines[j]!.trim() !== "") stack.push(lines[j]!.trim());
    }
    out.push({ message, stack });
  }
  return out;
}

/** `src/…/file.ts:line` of the first stack frame inside the project (else the first frame). */
export function stackLocation(e: LoggedError): string {
  const frames = e.stack.filter((l) => l.startsWith("at "));
  const own = frames.find((l) => /\/(src|ffi)\//.test(l)) ?? frames[0] ?? "";
  const m = own.match(/((?:src|ffi)\/[^\s:)]+):(\d+)/) ?? own.match(/([^\s/()]+):(\d+):\d+/);
  return m ? `${m[1]}:${m[2]}` : own;
}

/** The group key of a logged error: its error class and where it was thrown from. */
export function errorKey(e: LoggedError): string {
  const m = e.message.match(/^((?:[a-z ]+: )?)([A-Za-z]*Error)\b/);
  const cls = m ? `${m[1]}${m[2]}` : e.message.slice(0, 40);
  return e.stack.length ? `${cls} @ ${stackLocation(e)}` : `${cls}: ${e.message.slice(0, 160)}`;
}

function hasCode(d: Record<string, unknown>): boolean {
  return typeof d.code === "number" && Number.isInteger(d.code);
}

/** What is wrong with a reply's error shape, or undefined. */
export function replyProblem(reply: Record<string, unknown>): string | undefined {
  if (reply.ok !== 1 && reply.ok !== 1.0) {
    if (!hasCode(reply)) return "error reply without a numeric code";
    if (typeof reply.codeName !== "string" || reply.codeName === "") return "error reply without a codeName";
    if (typeof reply.errmsg !== "string") return "error reply without an errmsg";
    if (reply.codeName === "InternalError") return "InternalError reply";
  }
  const we = reply.writeErrors;
  if (we !== undefined) {
    if (!Array.isArray(we)) return "writeErrors is not an array";
    for (const e of we) {
      if (e === null || typeof e !== "object") return "a writeErrors entry is not a document";
      const d = e as Record<string, unknown>;
      if (!hasCode(d) || typeof d.errmsg !== "string") return "a write error without code and errmsg";
    }
  }
  const wce = reply.writeConcernError as Record<string, unknown> | undefined;
  if (wce !== undefined && (wce === null || !hasCode(wce) || typeof wce.errmsg !== "string")) {
    return "writeConcernError without code and errmsg";
  }
  return undefined;
}
