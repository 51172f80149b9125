/**
 * Dispatch: one request in, one reply out. Finds the command (first key of the body), checks the
 * declared fields, runs it, counts it, and turns every thrown error into `{ok: 0, …}` through the
 * one error-to-reply function. Unknown commands get 59 CommandNotFound; the connection lives on.
 */
import { CommandError } from "../errors/command_error.ts";
import { errorToReply } from "../errors/to_reply.ts";
import type { ClientState, CommandContext, ServerContext } from "./context.ts";
import type { Doc, Reply } from "./spec.ts";
import { checkFields } from "./params.ts";
import { COMMANDS, lookupCommand } from "./registry.ts";
import { runWithFailPoint } from "./shared/fail_action.ts";
import { isCloseReply, isStreamingReply } from "./spec.ts";
import { appendToRaw, type ClusterClock } from "./shared/cluster_time.ts";

export interface DispatchRequest {
  readonly body: Doc;
  readonly sequences: ReadonlyMap<string, Doc[]>;
  /** Legacy OP_QUERY: `$db` comes from the namespace, not the body. */
  readonly legacyDb?: string;
  readonly exhaustAllowed?: boolean;
}

export async function dispatch(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
): Promise<Reply> {
  const reply = await dispatchCommand(server, client, req);
  return server.info.standalone ? reply : withClusterTime(reply, server.clusterClock);
}

/** Adds `$clusterTime` and `operationTime` (replica-set persona) to any kind of reply. */
function withClusterTime(reply: Reply, clock: ClusterClock): Reply {
  if (reply instanceof Uint8Array) return appendToRaw(reply, clock.replyFields());
  if (isCloseReply(reply)) return reply;
  if (isStreamingReply(reply)) {
    const inner = reply.reply;
    return {
      streaming: true,
      reply: inner instanceof Uint8Array
        ? appendToRaw(inner, clock.replyFields())
        : { ...inner, ...clock.replyFields() },
    };
  }
  return { ...reply, ...clock.replyFields() };
}

async function dispatchCommand(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
): Promise<Reply> {
  server.counters.opcounters.command++;
  try {
    const name = Object.keys(req.body)[0];
    if (name === undefined) throw new CommandError("CommandNotFound", "no such command: ''");
    const spec = lookupCommand(name);
    if (!spec) throw new CommandError("CommandNotFound", `no such command: '${name}'`);
    const db = req.legacyDb ?? req.body["$db"];
    if (typeof db !== "string") {
      throw new CommandError(40571, "OP_MSG requests require a $db argument");
    }
    if (spec.fields) checkFields(spec.name, req.body, spec.fields);
    if (req.body["lsid"] !== undefined) server.sessions.touch(req.body["lsid"]);
    const ctx: CommandContext = {
      ...server,
      db,
      client,
      sequences: req.sequences,
      commands: COMMANDS,
      exhaustAllowed: req.exhaustAllowed ?? false,
    };
    const appName = (client.clientMetadata?.["application"] as Doc | undefined)?.["name"];
    const failure = server.failPoints.check(name, typeof appName === "string" ? appName : undefined);
    const run = () => runOnce(server, spec.name, req.body, async () => await spec.run(ctx, req.body));
    if (failure) return await runWithFailPoint(failure, name, req.body, run);
    return await run();
  } catch (e) {
    return errorToReply(e, (msg) => server.log.error(msg));
  }
}

/**
 * Runs a command, at most once per (lsid, txnNumber) for retryable writes: a retry gets the first
 * attempt's reply. Also where the onPrimaryTransactionalWrite fail point acts.
 */
async function runOnce(
  server: ServerContext,
  command: string,
  body: Doc,
  run: () => Promise<Reply>,
): Promise<Reply> {
  const id = server.retryableWrites.identify(command, body);
  if (!id) return await run();
  const previous = server.retryableWrites.lookup(id);
  if (previous !== undefined) return previous;
  const fp = server.failPoints.checkTxnWrite();
  if (fp?.failBeforeCommitExceptionCode !== undefined) {
    if (fp.closeConnection) return { closeConnection: true };
    throw new CommandError(
      fp.failBeforeCommitExceptionCode,
      "Failing write via 'onPrimaryTransactionalWrite' failpoint",
    );
  }
  const reply = await run();
  server.retryableWrites.record(id, reply);
  if (fp?.closeConnection) return { closeConnection: true };
  return reply;
}
