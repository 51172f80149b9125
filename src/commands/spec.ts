/**
 * The shape every command file exports: a declared spec (name, aliases, help, the action it needs,
 * its parameters) plus `run`. `registry.ts` lists them alphabetically; `dispatch.ts` looks them up,
 * checks parameters, runs them and turns any thrown error into a reply.
 */
import type { CommandContext } from "./context.ts";

/** A command body as deserialised from the wire (kind-0 section, `$db` included). */
export type Doc = Record<string, unknown>;

/** A reply: a document to serialise, or an already-serialised BSON document (cursor replies). */
export type Reply = Doc | Uint8Array | StreamingReply | CloseReply;

/** Drop the connection without replying (fail point closeConnection). */
export interface CloseReply {
  readonly closeConnection: true;
}

export function isCloseReply(r: Reply): r is CloseReply {
  return !(r instanceof Uint8Array) && (r as Partial<CloseReply>).closeConnection === true;
}

/**
 * A reply after which the server keeps talking (OP_MSG exhaust: `moreToCome`): the connection layer
 * runs the same command again and sends its next reply without a new request, until a command
 * returns a plain reply. Used by the awaitable hello of drivers' monitors; honoured only when the
 * request allowed exhaust.
 */
export interface StreamingReply {
  readonly streaming: true;
  readonly reply: Doc | Uint8Array;
}

export function isStreamingReply(r: Reply): r is StreamingReply {
  return !(r instanceof Uint8Array) && (r as Partial<StreamingReply>).streaming === true;
}

/** How a command treats one body field (FerretDB-style declared parameters). */
export type FieldRule = "required" | "optional" | "ignored";

/** The privilege action the command needs (RBAC issue). "none" = allowed before authentication. */
export type Action =
  | "none"
  | "find"
  | "insert"
  | "update"
  | "remove"
  | "createCollection"
  | "dropCollection"
  | "dropDatabase"
  | "listDatabases"
  | "listCollections"
  | "serverStatus"
  | "killCursors"
  | "getParameter"
  | "killAnySession";

export interface CommandSpec {
  /** The command name as MongoDB spells it (first key of the body). */
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly help: string;
  readonly auth: Action;
  /**
   * Body fields this command knows, beside the command key itself and the generic fields every
   * command accepts (see `params.ts`). `undefined` = accept anything (used by info commands).
   */
  readonly fields?: Readonly<Record<string, FieldRule>>;
  /** Runs the command; throw CommandError to refuse. */
  readonly run: (ctx: CommandContext, body: Doc) => Reply | Promise<Reply>;
}
