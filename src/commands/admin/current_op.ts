/**
 * currentOp: the operations in progress (the server's op registry), one document each in mongod's
 * shape — opid, active, secs_running / microsecs_running, op, ns, command, client, desc, connectionId,
 * clientMetadata, appName, lsid — filtered by the query fields of the body (`{currentOp: 1,
 * secs_running: {$gte: 3}}`). `$all` and `$ownOps` are accepted; idle connections and sessions (what
 * `$all: true` adds on mongod) are not listed yet, but a session holding an open transaction between its
 * statements is (`type: "idleSession"`, as mongod's stashed transaction). Admin database only, as on mongod. Also the
 * `type: "idleCursor"` documents of `$currentOp {idleCursors: true}` (idleCursorOps).
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter } from "../../engine/mod.ts";
import type { RequestContext, ServerContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool } from "../params/schema.ts";
import { GENERIC_FIELDS, type Lsid } from "../params/generic.ts";
import { lsidKey } from "../../sessions/lsid.ts";
import { CURRENT_OP_COMMAND_BYTES, opKind, redactSecrets, truncatedCommand } from "../op_description.ts";
import { holdsClusterAction, requireClusterAction, sameUser } from "./own_ops.ts";

export interface CurrentOpParams {
  readonly all: boolean;
  readonly ownOps: boolean;
  /** The remaining body fields: a query over the op documents. */
  readonly filter: Doc;
}

export function parseCurrentOp(body: Doc): CurrentOpParams {
  const filter: Doc = {};
  let all = false;
  let ownOps = false;
  for (const [k, v] of Object.entries(body)) {
    if (k === "currentOp" || GENERIC_FIELDS.has(k)) continue;
    if (k === "$all") all = bool(v, "currentOp.$all");
    else if (k === "$ownOps") ownOps = bool(v, "currentOp.$ownOps");
    else filter[k] = v;
  }
  compileFilter(filter); // a bad operator fails before any work
  return { all, ownOps, filter };
}

/** The op documents of every operation in progress, then the idle sessions' open transactions. */
export function currentOps(server: ServerContext): Doc[] {
  return [...runningOps(server), ...idleSessionOps(server)];
}

/**
 * One `type: "idleSession"` document per open transaction no statement runs in now (mongod's
 * reportStashedState: lsid, `transaction.parameters.txnNumber`, times open, expiry).
 */
function idleSessionOps(server: ServerContext): Doc[] {
  const idle = server.transactions.idleOpen();
  if (idle.length === 0) return [];
  const lsids = new Map<string, Doc>();
  for (const s of server.sessions.list()) {
    const id = s["_id"] as Doc;
    lsids.set(lsidKey(id as unknown as Lsid), id);
  }
  const now = Date.now();
  return idle.map((t) => ({
    type: "idleSession",
    host: server.info.address,
    desc: "inactive transaction",
    active: false,
    ...(lsids.has(t.session) ? { lsid: lsids.get(t.session) } : {}),
    transaction: {
      parameters: { txnNumber: Long.fromBigInt(t.txnNumber), autocommit: false },
      startWallClockTime: new Date(t.startedAt).toISOString(),
      timeOpenMicros: Long.fromNumber(Math.max(0, now - t.startedAt) * 1000),
      expiryTime: new Date(t.startedAt + server.transactions.lifetimeLimitSeconds * 1000).toISOString(),
    },
    waitingForLock: false,
    locks: {},
    lockStats: {},
  }));
}

function runningOps(server: ServerContext): Doc[] {
  const now = new Date();
  return server.ops.list().map((op) => {
    const d = op.detail;
    const target = d.body[d.command];
    const meta = d.client.clientMetadata;
    const app = meta?.["application"] as Doc | undefined;
    const micros = server.ops.elapsedMicros(op);
    return {
      type: "op",
      host: server.info.address,
      desc: `conn${d.client.connectionId}`,
      connectionId: d.client.connectionId,
      client: d.client.remoteAddress,
      ...(meta ? { clientMetadata: meta } : {}),
      ...(typeof app?.["name"] === "string" ? { appName: app["name"] } : {}),
      active: true,
      currentOpTime: now.toISOString(),
      effectiveUsers: d.client.authenticatedUsers.map((u) => ({ user: u.user, db: u.db })),
      threaded: true,
      opid: op.opId,
      ...(d.body["lsid"] !== undefined ? { lsid: d.body["lsid"] } : {}),
      secs_running: Long.fromNumber(Math.floor(micros / 1_000_000)),
      microsecs_running: Long.fromNumber(micros),
      op: opKind(d.command),
      ns: typeof target === "string" ? `${d.db}.${target}` : `${d.db}.$cmd`,
      redacted: false,
      command: truncatedCommand(redactSecrets(d.command, d.body), CURRENT_OP_COMMAND_BYTES),
      numYields: op.control.yields,
      ...(op.control.killed ? { killPending: true } : {}),
      locks: {},
      waitingForLock: false,
      lockStats: {},
    };
  });
}

/** One `type: "idleCursor"` document per open cursor not in a getMore (mongod's fields). */
export function idleCursorOps(server: ServerContext): Doc[] {
  return server.cursors.list().filter((c) => !c.busy).map((c) => ({
    type: "idleCursor",
    host: server.info.address,
    ns: c.ns,
    cursor: {
      cursorId: Long.fromBigInt(c.id),
      createdDate: new Date(c.created),
      lastAccessDate: new Date(c.lastUsed),
      nDocsReturned: Long.fromNumber(c.nReturned),
      nBatchesReturned: Long.fromNumber(c.nBatches),
      noCursorTimeout: c.noTimeout === true,
      tailable: c.source.awaitData === true,
      awaitData: c.source.awaitData === true,
      operationUsingCursorId: Long.fromNumber(0),
    },
  }));
}

function ownOpIds(ctx: RequestContext<CurrentOpParams>): number[] {
  const anyoneIsMe = !ctx.authorizer.enabled;
  return ctx.ops.list().filter((op) => anyoneIsMe || sameUser(ctx.client, op.detail.client)).map((op) =>
    op.opId
  );
}

function run(ctx: RequestContext<CurrentOpParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "currentOp may only be run against the admin database.");
  }
  // $ownOps (or no inprog privilege, which then requires $ownOps): the caller's own operations only.
  if (!ctx.params.ownOps && !holdsClusterAction(ctx, "inprog")) requireClusterAction(ctx, "inprog");
  const own = ctx.params.ownOps ? new Set(ownOpIds(ctx)) : undefined;
  const m = compileFilter(ctx.params.filter);
  return {
    inprog: currentOps(ctx).filter((d) => (!own || own.has(d["opid"] as number)) && m.matches(d)),
    ok: 1,
  };
}

export const currentOp = defineCommand<CurrentOpParams>({
  name: "currentOp",
  help: "lists the operations in progress: {currentOp: 1, $all, $ownOps, <query on the op documents>}",
  auth: "inprog", // or $ownOps for any logged-in user (checked in run: own_ops.ts)
  parse: parseCurrentOp,
  run,
});
