/**
 * Dispatch: one request in, one reply out. Finds the command (first key of the body; 59
 * CommandNotFound otherwise, the connection lives on), merges document sequences into the body,
 * parses the generic arguments and the command's own params, checks the command's declared action
 * with the authorizer, builds the request context, applies fail points and retryable-write
 * de-duplication, runs it, and turns every thrown error into `{ok: 0, …}` through the one
 * error-to-reply function.
 */
import { commitSync } from "./write/write_batch.ts";
import { commandErrorOf } from "./write/storage_errors.ts";
import { StorageError } from "../storage/api.ts";
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import { errorToReply } from "../errors/to_reply.ts";
import { appendClusterTime, encodeWithClusterTime } from "./cluster_time_raw.ts";
import type { ClusterClock } from "../oplog/cluster_clock.ts";
import type { ClientState, RequestContext, ServerContext } from "./context.ts";
import { type Doc, isCloseReply, isStreamingReply, type Reply } from "./reply.ts";
import type { AnyCommandSpec } from "./spec.ts";
import { type GenericArgs, parseGenericArgs } from "./params/generic.ts";
import { loadCommand, lookupCommand } from "./registry.ts";
import { requiredPrivileges } from "./auth/required_privileges.ts";
import { runWithFailPoint } from "./fail_point_action.ts";
import { countCommand } from "./op_counters.ts";
import { checkApiParameters } from "./stable_api.ts";
import { parseWriteConcern, type WriteConcern } from "./params/write_concern.ts";
import { checkClusterTimeReached, checkReadConcernSupport } from "./read_concern_support.ts";
import { isSnapshotRead, runSnapshotRead } from "./snapshot_read.ts";
import { withWriteConcernError } from "./write_concern_error.ts";
import { noteRequestStarted, OpControl } from "../observability/op_control.ts";
import { afterCommand } from "./profiling.ts";
import { LOCKED_WRITES } from "./shared/fsync_lock.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { ReplySlot } from "../sessions/retryable_writes.ts";
import { loadTextLanguages, textLanguagesLoaded } from "../keys/text_language.ts";
import {
  loadPartialFilterCompiler,
  partialFilterCompilerLoaded,
} from "../engine/query/partial_filter_loader.ts";
import {
  awaitIndexBuilds,
  checkAllowedInTransaction,
  checkSessionArgs,
  enterStatement,
  failStatement,
  finishStatement,
  labelReply,
} from "./transaction_statement.ts";

/**
 * Commands that still run while the memory watchdog refuses new work: they free memory (killCursors,
 * killOp, endSessions, abortTransaction), keep drivers connected (hello, ping) or diagnose.
 */
const ALLOWED_UNDER_MEMORY_PRESSURE: ReadonlySet<string> = new Set([
  "hello",
  "isMaster",
  "ping",
  "buildInfo",
  "killCursors",
  "killOp",
  "killSessions",
  "killAllSessions",
  "endSessions",
  "abortTransaction",
  "saslStart",
  "saslContinue",
  "authenticate",
  "logout",
  "serverStatus",
  "currentOp",
  "getLog",
]);

/**
 * Commands that never stem words nor write index keys: they run before the modules the server loads
 * on first use — the text-search packages (`loadTextLanguages`, 20–80 ms) and the partial filter
 * compiler (engine/query/partial_filter_loader.ts, ~45 ms). Every other command waits for them once;
 * off the start path, a driver's handshake and a first ping do not pay for them.
 */
const BEFORE_DEFERRED_LOADS: ReadonlySet<string> = new Set([
  "hello",
  "isMaster",
  "ping",
  "buildInfo",
  "saslStart",
  "saslContinue",
  "authenticate",
  "logout",
  "endSessions",
  "whatsmyuri",
]);

/** Commands that free sessions: they run (without recording their own lsid) when max_sessions is reached. */
const ENDS_SESSIONS: ReadonlySet<string> = new Set([
  "endSessions",
  "killSessions",
  "killAllSessions",
  "killAllSessionsByPattern",
  "abortTransaction",
]);

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

/**
 * Adds `$clusterTime` and `operationTime` (replica-set persona) to any kind of reply: the clock's
 * newest time, never a new tick (reads do not advance the cluster time, as on mongod 8.0).
 */
function withClusterTime(reply: Reply, clock: ClusterClock): Reply {
  if (reply instanceof Uint8Array) return appendClusterTime(reply, clock.replyTime());
  if (isCloseReply(reply)) return reply;
  if (isStreamingReply(reply)) {
    const inner = reply.reply;
    return {
      streaming: true,
      reply: inner instanceof Uint8Array
        ? appendClusterTime(inner, clock.replyTime())
        : { ...inner, ...clock.replyFields() },
    };
  }
  if (isFreshPlainReply(reply)) {
    try {
      return encodeWithClusterTime(reply, clock.replyTime());
    } catch { /* the connection layer reports a reply it cannot encode: leave it an object */ }
  }
  return { ...reply, ...clock.replyFields() };
}

/**
 * A plain-object reply without the cluster time fields: its bytes with them appended are those of
 * the spread above, encoded here once instead of spread and encoded by the connection.
 */
function isFreshPlainReply(reply: Doc): boolean {
  const proto = Object.getPrototypeOf(reply);
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(reply, "$clusterTime") &&
    !Object.hasOwn(reply, "operationTime") && typeof reply["toBSON"] !== "function" &&
    !("_bsontype" in reply);
}

/** The body with kind-1 document sequences as array fields (mongod treats them alike). */
function withSequences(body: Doc, sequences: ReadonlyMap<string, Doc[]>): Doc {
  if (sequences.size === 0) return body;
  const out: Doc = { ...body };
  for (const [id, docs] of sequences) out[id] = docs;
  return out;
}

async function dispatchCommand(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
): Promise<Reply> {
  let spec: AnyCommandSpec | undefined;
  let inTxn = false;
  try {
    const name = Object.keys(req.body)[0];
    if (name === undefined) throw new CommandError("CommandNotFound", "no such command: ''");
    // a command's module is imported on its first call (registry.ts): one await, once per command
    spec = lookupCommand(name) ?? await loadCommand(name);
    if (spec?.testOnly && !server.info.testCommandsEnabled) spec = undefined; // mongod: absent
    if (!spec) {
      server.counters.opcounters.command++;
      throw new CommandError("CommandNotFound", `no such command: '${name}'`);
    }
    countCommand(server.counters, spec.name);
    // Fail-closed, before anything else reads the request: with auth on, only the handshake
    // commands run without a logged-in user.
    server.authorizer.checkAuthenticated(client, spec.name, spec.auth);
    if (server.heap?.pressured && !ALLOWED_UNDER_MEMORY_PRESSURE.has(spec.name)) {
      server.heap.refused++;
      throw new CommandError("ExceededMemoryLimit", server.heap.message());
    }
    if (!(textLanguagesLoaded() && partialFilterCompilerLoaded()) && !BEFORE_DEFERRED_LOADS.has(spec.name)) {
      await Promise.all([loadTextLanguages(), loadPartialFilterCompiler()]);
    }
    const db = req.legacyDb ?? req.body["$db"];
    if (typeof db !== "string") {
      throw new CommandError(Location.OpMsgMissingDb, "OP_MSG requests require a $db argument");
    }
    const body = withSequences(req.body, req.sequences);
    const generic = parseGenericArgs(body);
    checkSessionArgs(generic, spec.name);
    checkApiParameters(generic, spec.name);
    inTxn = generic.autocommit === false;
    if (inTxn) checkAllowedInTransaction(spec.name, db);
    else checkReadConcernSupport(spec.name, generic.readConcern);
    // causal consistency: one node has applied everything up to the newest time it issued
    const after = generic.readConcern?.afterClusterTime;
    if (after) checkClusterTimeReached("afterClusterTime", after, server.clusterClock.latest());
    if (server.authorizer.enabled) {
      server.authorizer.checkPrivileges(
        client,
        spec.name,
        db,
        requiredPrivileges(spec, body, db, lookupCommand),
      );
    }
    const params = spec.parse(body, { db, lookupCommand });
    if (generic.lsid) server.sessions.touch(generic.lsid, !ENDS_SESSIONS.has(spec.name));
    const baseCtx = requestContext(server, client, spec, params, db, generic, req.exhaustAllowed ?? false);
    // A retryable write's storage transactions also record it as applied (durable with the data).
    const writeId = server.retryableWrites.identify(spec.name, generic);
    const retryReply = writeId ? new ReplySlot<Reply>() : undefined;
    const ctx = writeId
      ? {
        ...baseCtx,
        storage: server.retryableWrites.storageFor(writeId, server.storage, retryReply),
        retryReply,
      }
      : baseCtx;
    const found = spec;
    const failure = server.failPoints.failCommandOn
      ? server.failPoints.check({
        names: failPointNames(found),
        appName: requestAppName(client, body),
        namespace: typeof body[name] === "string" ? `${db}.${body[name]}` : undefined,
      })
      : undefined;
    const run = () =>
      runOnce(server, found.name, generic, retryReply, async () => {
        // The operation's first interrupt check: where mongod's maxTimeAlwaysTimeOut fires. A
        // getMore's deadline is its cursor's (checked in getMore itself).
        if (generic.maxTimeMS && found.name !== "getMore" && server.failPoints.maxTimeAlwaysTimeOut()) {
          throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
        }
        const ticket = server.storage.syncTicket;
        const reply = inTxn
          ? await runInTransaction(server, ctx, generic, found)
          : isSnapshotRead(generic, inTxn)
          ? await runSnapshotRead(server, ctx, generic, found)
          : await found.run(ctx);
        // j: true / sync_on_commit: acknowledge only once the shared log flush (group commit) has
        // made this command's commits durable.
        if (server.storage.syncTicket !== ticket && commitSync(ctx)) await server.storage.whenDurable();
        return withWriteConcernError(found.name, ctx.writeConcern, reply);
      });
    server.ops.begin(ctx.opId, ctx.control, { command: found.name, db, body, client });
    const started = performance.now();
    let reply: Reply | undefined;
    try {
      if (server.fsyncLock.count > 0 && LOCKED_WRITES.has(found.name)) {
        await server.fsyncLock.waitUnlocked(ctx.control);
      }
      reply = failure
        ? await runWithFailPoint(failure, { name, retryableWrite: isRetryableWrite(name, generic) }, run)
        : await run();
      return inTxn && isPlainReply(reply) ? labelReply(found.name, reply) : reply;
    } finally {
      server.ops.end(ctx.opId);
      afterCommand(ctx, body, (performance.now() - started) * 1000, reply);
    }
  } catch (e) {
    const known = e instanceof StorageError ? commandErrorOf(e) : undefined;
    const reply = errorToReply(known ?? e, (msg) => server.log.error(msg));
    return inTxn && spec ? labelReply(spec.name, reply) : reply;
  }
}

function isPlainReply(reply: Reply): reply is Doc {
  return !(reply instanceof Uint8Array) && !isCloseReply(reply) && !isStreamingReply(reply);
}

/**
 * Runs a statement of a multi-document transaction: begin or continue the session's transaction,
 * run the command with storage bound to it, abort the transaction if the statement failed.
 */
async function runInTransaction(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  generic: GenericArgs,
  spec: AnyCommandSpec,
): Promise<Reply> {
  const st = enterStatement(server, generic, spec.name, ctx.client.authenticatedUsers);
  let reply: Reply;
  try {
    await awaitIndexBuilds(server, st, spec.name, ctx.db, ctx.params, ctx.control);
    reply = await spec.run({ ...ctx, storage: st.storage, transaction: st.txn });
  } catch (e) {
    failStatement(server, st, spec.name);
    throw e;
  }
  return finishStatement(server, st, reply, spec.name);
}

/** mongod's hello is one command with aliases isMaster and ismaster (our two specs differ in reply). */
const HELLO_NAMES: readonly string[] = ["hello", "isMaster", "ismaster"];

/** The names failCommand's `failCommands` may use for this command (mongod: any alias). */
function failPointNames(spec: AnyCommandSpec): readonly string[] {
  if (HELLO_NAMES.includes(spec.name)) return HELLO_NAMES;
  return [spec.name, ...(spec.aliases ?? [])];
}

/**
 * The client's appName for fail point filters: from the connection's handshake metadata, or — for
 * the handshake itself, which mongod parses before fail points are evaluated — from its `client`.
 */
function requestAppName(client: ClientState, body: Doc): string | undefined {
  const meta = client.clientMetadata ?? (isPlainDoc(body["client"]) ? body["client"] : undefined);
  const app = meta?.["application"];
  const appName = isPlainDoc(app) ? app["name"] : undefined;
  return typeof appName === "string" ? appName : undefined;
}

function requestContext(
  server: ServerContext,
  client: ClientState,
  spec: AnyCommandSpec,
  params: unknown,
  db: string,
  generic: GenericArgs,
  exhaustAllowed: boolean,
): RequestContext<unknown> {
  const deadline = generic.maxTimeMS ? Date.now() + generic.maxTimeMS : undefined;
  noteRequestStarted();
  return {
    ...server,
    command: spec.name,
    params,
    db,
    client,
    generic,
    lsid: generic.lsid,
    readConcern: generic.readConcern,
    writeConcern: effectiveWriteConcern(server, generic),
    deadline,
    opId: server.ops.nextId(),
    control: new OpControl({ deadline }),
    exhaustAllowed,
    opStats: {},
  };
}

/**
 * The write concern an operation runs with: its own, or — outside transactions, when it names none —
 * the default set by setDefaultRWConcern (its `j`/`fsync` decide whether commits are synced).
 */
function effectiveWriteConcern(server: ServerContext, generic: GenericArgs): WriteConcern {
  if (generic.writeConcernGiven || generic.autocommit !== undefined) return generic.writeConcern;
  const d = server.rwDefaults.get().writeConcern;
  return d ? parseWriteConcern({ writeConcern: d }) : generic.writeConcern;
}

const RETRYABLE_WRITE_COMMANDS: ReadonlySet<string> = new Set([
  "insert",
  "update",
  "delete",
  "findAndModify",
  "findandmodify",
  "bulkWrite",
]);

function isRetryableWrite(name: string, generic: GenericArgs): boolean {
  return RETRYABLE_WRITE_COMMANDS.has(name) && generic.txnNumber !== undefined &&
    generic.autocommit === undefined;
}

/**
 * Runs a command, at most once per (lsid, txnNumber) for retryable writes: a retry gets the first
 * attempt's reply. Also where the onPrimaryTransactionalWrite fail point acts.
 */
async function runOnce(
  server: ServerContext,
  command: string,
  generic: GenericArgs,
  slot: ReplySlot<Reply> | undefined,
  run: () => Promise<Reply>,
): Promise<Reply> {
  const id = server.retryableWrites.identify(command, generic);
  if (!id) return await run();
  server.transactions.retryableWrite(id.key, id.txnNumber);
  const previous = server.retryableWrites.lookup(id);
  if (previous !== undefined) return previous;
  const fp = server.failPoints.checkTxnWrite();
  if (fp?.failBeforeCommitExceptionCode !== undefined) {
    if (fp.closeConnection) return { closeConnection: true };
    throw new CommandError(
      fp.failBeforeCommitExceptionCode,
      `Failing write for ${id.key}:${id.txnNumber} due to failpoint. The write must not be reflected.`,
    );
  }
  const reply = await run();
  const failedWhole = !(reply instanceof Uint8Array) && (reply as Doc)["ok"] === 0;
  server.retryableWrites.record(id, reply, failedWhole, slot);
  if (fp?.closeConnection) return { closeConnection: true };
  return reply;
}
