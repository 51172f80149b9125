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
import {
  type ClientState,
  deriveContext,
  newRequestContext,
  type RequestContext,
  type ServerContext,
} from "./context.ts";
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
import { ReplySlot, type WriteId } from "../sessions/retryable_writes.ts";
import type { FailAction } from "../testing/fail_points.ts";
import { loadTextLanguages, textLanguagesLoaded } from "../keys/text_language.ts";
import { killsOnDisconnect } from "./kill_on_disconnect.ts";
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
 * Commands that never write index keys: they run before the partial filter compiler the server loads on
 * first use (engine/query/partial_filter_loader.ts, ~45 ms). Every other command waits for it once; off
 * the start path, a driver's handshake and a first ping do not pay for it.
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

/**
 * Runs one request. A command found loaded whose `run` answers synchronously (ping, hello, a find
 * served by the fused `_id` read …) is answered without a promise or an await on the way: the
 * connection writes its reply in the same turn. Otherwise a promise of the reply.
 */
export function dispatch(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
): Reply | Promise<Reply> {
  // what the I/O thread answered itself is recorded before any command can read the counters
  server.pointReads?.drain();
  const name = firstKey(req.body);
  const spec = name === undefined ? undefined : lookupCommand(name);
  if (
    name !== undefined &&
    (spec === undefined || !BEFORE_DEFERRED_LOADS.has(spec.name) && !deferredLoadsDone(spec.name))
  ) {
    return loadThenDispatch(server, client, req, name);
  }
  return dispatchLoaded(server, client, req, name, spec);
}

/** The first key of a request body (the command name), without building the key array. */
function firstKey(body: Doc): string | undefined {
  for (const k in body) {
    if (Object.hasOwn(body, k)) return k;
  }
  return undefined;
}

/**
 * The commands that can create a text index (applyOps runs createIndexes itself, not through here): the
 * text-search packages (`loadTextLanguages`: 20–80 ms, and Deno's Node layer) load before them. A text
 * index exists only once one of them made it or when the server started with one (start_server.ts
 * loads the packages then), and they stay loaded: whatever stems — writes' text keys, `$text`, TTL
 * deletes — finds them. Other commands do not wait for them (a `$text` without a text index fails
 * IndexNotFound before it stems).
 */
const MAY_CREATE_TEXT_INDEX: ReadonlySet<string> = new Set(["createIndexes", "applyOps"]);

function deferredLoadsDone(command: string): boolean {
  return partialFilterCompilerLoaded() && (textLanguagesLoaded() || !MAY_CREATE_TEXT_INDEX.has(command));
}

/**
 * The first call of a command (its module is imported on first use, registry.ts: one await, once per
 * command) or a command that needs the modules loaded after start (BEFORE_DEFERRED_LOADS).
 */
async function loadThenDispatch(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
  name: string,
): Promise<Reply> {
  let spec: AnyCommandSpec | undefined;
  try {
    spec = lookupCommand(name) ?? await loadCommand(name);
    const runs = spec !== undefined && !(spec.testOnly && !server.info.testCommandsEnabled);
    if (runs && !BEFORE_DEFERRED_LOADS.has(spec!.name) && !deferredLoadsDone(spec!.name)) {
      await Promise.all([
        loadPartialFilterCompiler(),
        MAY_CREATE_TEXT_INDEX.has(spec!.name) ? loadTextLanguages() : undefined,
      ]);
    }
  } catch (e) {
    return withClusterTime(server, failedReply(server, e, false, undefined));
  }
  return await dispatchLoaded(server, client, req, name, spec);
}

/**
 * Adds `$clusterTime` and `operationTime` (replica-set persona) to any kind of reply: the clock's
 * newest time, never a new tick (reads do not advance the cluster time, as on mongod 8.0).
 */
/** Retryable writes whose session's next ones the I/O thread may make (point_reads.ts sessionWritten). */
const WRITTEN_ELSEWHERE: ReadonlySet<string> = new Set(["update", "delete", "insert", "findAndModify"]);

function withClusterTime(server: ServerContext, reply: Reply): Reply {
  // (after the command: its writes are visible, so the I/O thread's replies may carry their time)
  server.pointReads?.publish();
  if (server.info.standalone) return reply;
  const clock = server.clusterClock;
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

/** Dispatch once the command's module (or its absence) is known: the checks, the context, the run. */
function dispatchLoaded(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
  name: string | undefined,
  found: AnyCommandSpec | undefined,
): Reply | Promise<Reply> {
  let spec = found;
  let inTxn = false;
  /** Once the command runs: a failure's reply carries its unsatisfiable write concern, as mongod's. */
  let wcOnFailure: WriteConcern | undefined;
  try {
    if (name === undefined) throw new CommandError("CommandNotFound", "no such command: ''");
    if (spec?.testOnly && !server.info.testCommandsEnabled) spec = undefined; // mongod: absent
    if (!spec) {
      server.counters.opcounters.command++;
      throw new CommandError("CommandNotFound", `no such command: '${name}'`);
    }
    countCommand(server.counters, spec.name);
    // Fail-closed, before anything else reads the request: with auth on, only the handshake
    // commands run without a logged-in user.
    server.authorizer.checkAuthenticated(client, spec.name, spec.auth);
    // (the allowed set first: the heap's first sample is deferred past the first ping)
    if (!ALLOWED_UNDER_MEMORY_PRESSURE.has(spec.name) && server.heap?.pressured) {
      server.heap.refused++;
      throw new CommandError("ExceededMemoryLimit", server.heap.message());
    }
    const db = req.legacyDb ?? req.body["$db"];
    if (typeof db !== "string") {
      throw new CommandError(Location.OpMsgMissingDb, "OP_MSG requests require a $db argument");
    }
    const body = withSequences(req.body, req.sequences);
    const generic = parseGenericArgs(body);
    checkSessionArgs(generic, spec.name, server.info.standalone);
    checkApiParameters(generic, spec.name, server.stableApi.requireApiVersion);
    inTxn = generic.autocommit === false;
    if (inTxn) checkAllowedInTransaction(spec.name, db);
    else checkReadConcernSupport(spec.name, generic.readConcern, server.info.standalone);
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
    // (a getMore's maxTimeMS bounds its awaitData wait, not the operation: get_more.ts)
    const maxTimeMS = spec.name === "getMore"
      ? undefined
      : generic.maxTimeMS || defaultMaxTimeMS(server, spec.name, body);
    const baseCtx = requestContext(
      server,
      client,
      spec,
      params,
      db,
      generic,
      maxTimeMS,
      req.exhaustAllowed ?? false,
    );
    wcOnFailure = baseCtx.writeConcern;
    // A retryable write's storage transactions also record it as applied (durable with the data).
    const writeId = server.retryableWrites.identify(spec.name, generic);
    // (a session's command with a txnNumber: the I/O thread makes none of its retryable updates meanwhile)
    if (generic.txnNumber !== undefined && generic.lsid !== undefined) {
      server.pointReads?.sessionWriting(generic.lsid);
    }
    const retryReply = writeId ? new ReplySlot<Reply>() : undefined;
    const ctx = writeId
      ? deriveContext(baseCtx, {
        storage: server.retryableWrites.storageFor(writeId, server.storage, retryReply),
        retryReply,
      })
      : baseCtx;
    const command = spec;
    const failure = server.failPoints.failCommandOn
      ? server.failPoints.check({
        names: failPointNames(command),
        appName: requestAppName(client, body),
        namespace: typeof body[name] === "string" ? `${db}.${body[name]}` : undefined,
      })
      : undefined;
    const waitUnlock = server.fsyncLock.count > 0 && LOCKED_WRITES.has(command.name);
    if (client.peerGone !== undefined && killsOnDisconnect(spec.name, body, ctx.exhaustAllowed)) {
      ctx.control.peer = client as { peerGone(): boolean };
    }
    server.ops.begin(ctx.opId, ctx.control, { command: command.name, db, body, client });
    const started = performance.now();
    let reply: Reply | Promise<Reply>;
    try {
      if (!writeId && !failure && !waitUnlock) {
        reply = executeCommand(server, ctx, generic, command, inTxn); // the common case: no closures
      } else {
        const execute = () => executeCommand(server, ctx, generic, command, inTxn);
        const lsid = generic.lsid;
        const written = WRITTEN_ELSEWHERE.has(spec.name) && lsid !== undefined
          ? () => server.pointReads?.sessionWritten(lsid, writeId!.key, writeId!.txnNumber)
          : undefined;
        const run = writeId
          ? () => runOnce(server, writeId, retryReply, execute, written, writeUnits(command.name, body))
          : execute;
        reply = waitUnlock
          ? server.fsyncLock.waitUnlocked(ctx.control).then(() =>
            runGuarded(failure, name, generic, run, ctx.control)
          )
          : runGuarded(failure, name, generic, run, ctx.control);
      }
    } catch (e) {
      endCommand(server, ctx, body, started, undefined);
      throw e;
    }
    if (reply instanceof Promise) return settleCommand(server, ctx, body, started, reply, inTxn);
    const out = inTxn && isPlainReply(reply) ? labelReply(command.name, reply) : reply;
    endCommand(server, ctx, body, started, reply);
    return withClusterTime(server, out);
  } catch (e) {
    const failed = failedReply(server, e, inTxn, spec?.name);
    return withClusterTime(
      server,
      wcOnFailure && !inTxn ? withWriteConcernError(spec!.name, wcOnFailure, failed, true) : failed,
    );
  }
}

/** The command, through the failCommand fail point that matched it (if any). */
function runGuarded(
  failure: FailAction | undefined,
  name: string,
  generic: GenericArgs,
  run: () => Reply | Promise<Reply>,
  control: OpControl,
): Reply | Promise<Reply> {
  return failure
    ? runWithFailPoint(failure, { name, retryableWrite: isRetryableWrite(name, generic) }, run, control)
    : run();
}

/** The rest of {@link dispatchLoaded} for a command that answers with a promise. */
async function settleCommand(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  body: Doc,
  started: number,
  pending: Promise<Reply>,
  inTxn: boolean,
): Promise<Reply> {
  let reply: Reply;
  try {
    reply = await pending;
  } catch (e) {
    endCommand(server, ctx, body, started, undefined);
    const failed = failedReply(server, e, inTxn, ctx.command);
    return withClusterTime(
      server,
      inTxn ? failed : withWriteConcernError(ctx.command, ctx.writeConcern, failed, true),
    );
  }
  const out = inTxn && isPlainReply(reply) ? labelReply(ctx.command, reply) : reply;
  endCommand(server, ctx, body, started, reply);
  return withClusterTime(server, out);
}

/** The op registry and the profiler's bookkeeping once a command has its reply (or failed). */
function endCommand(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  body: Doc,
  started: number,
  reply: Reply | undefined,
): void {
  server.ops.end(ctx.opId);
  afterCommand(ctx, body, (performance.now() - started) * 1000, reply);
}

/** The one error boundary: any error a command throws, as its `{ok: 0, …}` reply. */
function failedReply(server: ServerContext, e: unknown, inTxn: boolean, command: string | undefined): Reply {
  const known = e instanceof StorageError ? commandErrorOf(e) : undefined;
  const reply = errorToReply(known ?? e, (msg) => server.log.error(msg));
  return inTxn && command !== undefined ? labelReply(command, reply) : reply;
}

/**
 * Runs the command itself: in its transaction, at its snapshot, or plainly; then waits for the log
 * flush a synced write needs and attaches a write concern error. Synchronous when the command is.
 */
function executeCommand(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  generic: GenericArgs,
  spec: AnyCommandSpec,
  inTxn: boolean,
): Reply | Promise<Reply> {
  // The operation's first interrupt check: where mongod's maxTimeAlwaysTimeOut fires. A getMore's
  // deadline is its cursor's (checked in getMore itself).
  if (generic.maxTimeMS && spec.name !== "getMore" && server.failPoints.maxTimeAlwaysTimeOut()) {
    throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
  }
  const ticket = server.storage.syncTicket;
  const reply = inTxn
    ? runInTransaction(server, ctx, generic, spec)
    : isSnapshotRead(generic, inTxn)
    ? runSnapshotRead(server, ctx, generic, spec)
    : spec.run(ctx);
  return reply instanceof Promise
    ? reply.then((r) => afterRun(server, ctx, spec, ticket, r))
    : afterRun(server, ctx, spec, ticket, reply);
}

function afterRun(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  spec: AnyCommandSpec,
  ticket: number,
  reply: Reply,
): Reply | Promise<Reply> {
  // j: true / sync_on_commit: acknowledge only once the shared log flush (group commit) has made
  // this command's commits durable.
  if (server.storage.syncTicket !== ticket && commitSync(ctx)) {
    return server.storage.whenDurable().then(() => withWriteConcernError(spec.name, ctx.writeConcern, reply));
  }
  return withWriteConcernError(spec.name, ctx.writeConcern, reply);
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
    reply = await spec.run(deriveContext(ctx, { storage: st.storage, transaction: st.txn }));
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

/** Reads the `defaultMaxTimeMS` cluster parameter times (mongod 8.0): an aggregate only without a write stage. */
const DEFAULT_TIMED_READS: ReadonlySet<string> = new Set([
  "find",
  "count",
  "distinct",
  "dbHash",
  "aggregate",
]);

/**
 * The time limit of a request that sets none (`maxTimeMS` absent or 0): `defaultMaxTimeMS.readOperations`
 * for the reads it covers, else none.
 */
function defaultMaxTimeMS(server: ServerContext, command: string, body: Doc): number | undefined {
  if (!DEFAULT_TIMED_READS.has(command)) return undefined;
  const ms = server.clusterParameters.defaultReadMaxTimeMS();
  if (ms <= 0) return undefined;
  if (command === "aggregate") {
    const pipeline = body["pipeline"];
    const last = Array.isArray(pipeline) ? pipeline[pipeline.length - 1] : undefined;
    if (isPlainDoc(last) && ("$out" in last || "$merge" in last)) return undefined;
  }
  return ms;
}

function requestContext(
  server: ServerContext,
  client: ClientState,
  spec: AnyCommandSpec,
  params: unknown,
  db: string,
  generic: GenericArgs,
  maxTimeMS: number | undefined,
  exhaustAllowed: boolean,
): RequestContext<unknown> {
  const deadline = maxTimeMS && !(server.failPoints.anyOn && server.failPoints.maxTimeNeverTimeOut())
    ? Date.now() + maxTimeMS
    : undefined;
  noteRequestStarted();
  return newRequestContext(server, {
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
  });
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
 * Runs a retryable write at most once per (lsid, txnNumber): a retry gets the first attempt's reply.
 * Also where the onPrimaryTransactionalWrite fail point acts. Synchronous when the command is (a
 * retryable update by `_id` answers in the same turn, as a plain one does).
 */
function runOnce(
  server: ServerContext,
  id: WriteId,
  slot: ReplySlot<Reply> | undefined,
  run: () => Reply | Promise<Reply>,
  /** After the write's reply was recorded (its row stored). */
  written: (() => void) | undefined,
  /** Its write units (onPrimaryTransactionalWrite is evaluated per unit). */
  units: number,
): Reply | Promise<Reply> {
  server.transactions.retryableWrite(id.key, id.txnNumber);
  const previous = server.retryableWrites.lookup(id);
  if (previous !== undefined) return previous;
  const fp = server.failPoints.checkTxnWrite(units);
  if (fp?.failBeforeCommitExceptionCode !== undefined) {
    if (fp.closeConnection) return { closeConnection: true };
    throw new CommandError(
      fp.failBeforeCommitExceptionCode,
      `Failing write for ${id.key}:${id.txnNumber} due to failpoint. The write must not be reflected.`,
    );
  }
  const reply = run();
  const closeAfter = fp?.closeConnection === true;
  if (reply instanceof Promise) {
    return reply.then((r) => recordOnce(server, id, slot, r, closeAfter, written));
  }
  return recordOnce(server, id, slot, reply, closeAfter, written);
}

/** The write units of a retryable write command: its documents or statements (1 for findAndModify). */
function writeUnits(name: string, body: Doc): number {
  const list = name === "insert"
    ? body["documents"]
    : name === "update"
    ? body["updates"]
    : name === "delete"
    ? body["deletes"]
    : name === "bulkWrite"
    ? body["ops"]
    : undefined;
  return Array.isArray(list) ? list.length : 1;
}

/** The end of {@link runOnce}: the reply remembered (unless the command failed as a whole). */
function recordOnce(
  server: ServerContext,
  id: WriteId,
  slot: ReplySlot<Reply> | undefined,
  reply: Reply,
  closeAfter: boolean,
  written?: () => void,
): Reply {
  const failedWhole = !(reply instanceof Uint8Array) && (reply as Doc)["ok"] === 0;
  server.retryableWrites.record(id, reply, failedWhole, slot);
  if (!failedWhole) written?.();
  return closeAfter ? { closeConnection: true } : reply;
}
