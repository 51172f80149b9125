/**
 * The shape every command file exports: a declared spec — name, aliases, help, the authorization
 * action it needs, `parse(body) → Params` (typed, before any work) and `run(ctx)` over the parsed
 * params in `ctx.params`. `registry.ts` lists them alphabetically and refuses a spec without a
 * known action (fail-closed); `dispatch.ts` parses, authorizes, runs, and turns any thrown error
 * into a reply.
 */
import type { Action } from "../auth/actions.ts";
import type { RequestContext } from "./context.ts";
import type { Doc, Reply } from "./reply.ts";
import type { ExplainShape } from "./shared/explain_shape.ts";

export type { Action } from "../auth/actions.ts";
export type { CloseReply, Doc, Reply, StreamingReply } from "./reply.ts";
export { isCloseReply, isStreamingReply } from "./reply.ts";

/** What `parse` may consult besides the body. */
export interface ParseInput {
  /** The request's database. */
  readonly db: string;
  /** The registry's lookup (explain parses its inner command with that command's own parse). */
  readonly lookupCommand: (name: string) => AnyCommandSpec | undefined;
}

export interface CommandSpec<P = unknown> {
  /** The command name as MongoDB spells it (first key of the body). */
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly help: string;
  /** The privilege action the command needs; dispatch checks it before running. */
  readonly auth: Action;
  /**
   * A test-only command (mongod's `.testOnly()`): without enableTestCommands it does not exist
   * (59 CommandNotFound, absent from listCommands).
   */
  readonly testOnly?: boolean;
  /**
   * Checks the body (document sequences already merged in as array fields) and returns the typed
   * parameters; throws CommandError for a bad field. Generic arguments (lsid, maxTimeMS,
   * writeConcern, …) are parsed by dispatch into the context, not here.
   */
  readonly parse: (body: Doc, input: ParseInput) => P;
  /** Runs the command over `ctx.params`; throw CommandError to refuse. */
  readonly run: (ctx: RequestContext<P>) => Reply | Promise<Reply>;
  /** Explainable commands: the plan inputs `explain` prints, from the same parsed params. */
  readonly explain?: (params: P) => ExplainShape;
}

/** A spec with its params type erased, for the registry's list. */
// deno-lint-ignore no-explicit-any
export type AnyCommandSpec = CommandSpec<any>;

/** Declares a command (keeps `parse` and `run` agreeing on the params type). */
export function defineCommand<P>(spec: CommandSpec<P>): CommandSpec<P> {
  return spec;
}
