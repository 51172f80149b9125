/**
 * After every command: `top` totals for its namespace, the profiler entry in `<db>.system.profile`
 * (mongod's fields: op, ns, command, keysExamined, docsExamined, nreturned, planSummary, millis, ts,
 * client, appName, user, …) when the database's profile level asks for it, and the slow-query log
 * line (same fields) when it ran at least slowms.
 *
 * `system.profile` is created on first use with `{capped: true, size: 1 MiB}` (mongod's default) and
 * kept under that size here, oldest entries first out (the storage layer has no capped collections
 * yet). Entries have no `_id`, as on mongod; they are written through the server's own storage,
 * outside any transaction of the profiled operation.
 */
import type { RequestContext } from "./context.ts";
import type { Doc, Reply } from "./reply.ts";
import { isCloseReply, isStreamingReply } from "./reply.ts";
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { LOCKED_WRITES } from "./shared/fsync_lock.ts";
import {
  LOG_COMMAND_BYTES,
  opKind,
  PROFILE_COMMAND_BYTES,
  redactSecrets,
  snipForLog,
  truncatedCommand,
} from "./op_description.ts";
import { serializeDocument } from "../bson/undefined_value.ts";
import type { OpStats, StatementStats } from "../observability/op_stats.ts";
import { errorToReply } from "../errors/to_reply.ts";

const PROFILE_COLLECTION = "system.profile";
export const PROFILE_SIZE_BYTES = 1024 * 1024;
/** Commands never profiled nor logged as slow (a driver's monitoring heartbeat). */
const QUIET: ReadonlySet<string> = new Set(["hello", "isMaster", "ismaster"]);

/** The namespace a command worked on, as profile entries and `top` name it. */
export function commandNamespace(ctx: RequestContext<unknown>, body: Doc): string {
  if (ctx.opStats.ns !== undefined) return ctx.opStats.ns;
  const target = ctx.command === "getMore" ? body["collection"] : body[ctx.command];
  // (a name with NUL is no namespace: top's reply keys by namespace, and BSON keys cannot hold NUL)
  if (typeof target === "string" && target !== "" && !target.includes("\0")) return `${ctx.db}.${target}`;
  return `${ctx.db}.$cmd`;
}

function replyOk(
  reply: Reply | undefined,
): { ok: boolean; code?: number; codeName?: string; errmsg?: string } {
  if (reply === undefined || reply instanceof Uint8Array || isCloseReply(reply)) return { ok: true };
  const d = isStreamingReply(reply) ? reply.reply : reply;
  if (d instanceof Uint8Array) return { ok: true };
  if (d["ok"] === 0) {
    return {
      ok: false,
      code: d["code"] as number,
      codeName: d["codeName"] as string,
      errmsg: d["errmsg"] as string,
    };
  }
  return { ok: true };
}

/** An error as a profile entry shows it (mongod's ok, errMsg, errName, errCode). */
interface EntryError {
  readonly code?: number;
  readonly codeName?: string;
  readonly errmsg?: string;
}

/** A command's fields as an entry shows them: without lsid and $clusterTime, secrets redacted. */
function shownCommand(commandName: string, body: Doc): Doc {
  const full: Doc = {};
  for (const [k, v] of Object.entries(redactSecrets(commandName, body))) {
    if (k !== "lsid" && k !== "$clusterTime") full[k] = v;
  }
  return full;
}

/** The figures an entry shows, in mongod's order (OpDebug::append), each when the operation set it. */
const EXAMINED = ["keysExamined", "docsExamined"] as const;
const WRITTEN = ["nMatched", "nModified", "ninserted", "ndeleted", "nUpserted"] as const;
const KEYS = ["keysInserted", "keysDeleted"] as const;

/**
 * One entry (profile or slow-query line) of an operation: `op` on `ns` with `command` (already cut),
 * the figures in `s`, and the request's client fields.
 */
function entryOf(
  ctx: RequestContext<unknown>,
  op: string,
  ns: string,
  command: Doc,
  s: OpStats,
  millis: number,
  numYield: number,
  error: EntryError | undefined,
  shape: "profile" | "log",
): Doc {
  const e: Doc = { op, ns, command };
  if (s.originatingCommand !== undefined) {
    const origin = s.originatingCommand as Doc;
    e["originatingCommand"] = truncatedCommand(
      shownCommand(Object.keys(origin)[0] ?? "", origin),
      shape === "profile" ? PROFILE_COMMAND_BYTES : LOG_COMMAND_BYTES,
    );
  }
  if (s.cursorid !== undefined) e["cursorid"] = s.cursorid;
  for (const k of EXAMINED) if (s[k] !== undefined) e[k] = s[k];
  if (s.usedDisk === true) e["usedDisk"] = true;
  for (const k of WRITTEN) if (s[k] !== undefined) e[k] = s[k];
  if (s.cursorExhausted === true) e["cursorExhausted"] = true;
  for (const k of KEYS) if (s[k] !== undefined) e[k] = s[k];
  e["numYield"] = numYield;
  if (s.nreturned !== undefined) e["nreturned"] = s.nreturned;
  e["locks"] = {};
  if (error !== undefined) {
    e["ok"] = 0;
    if (error.errmsg !== undefined) e["errMsg"] = error.errmsg;
    if (error.codeName !== undefined) e["errName"] = error.codeName;
    if (error.code !== undefined) e["errCode"] = error.code;
  }
  e["millis"] = millis;
  if (s.planSummary !== undefined) {
    e["planSummary"] = typeof s.planSummary === "string" ? s.planSummary : s.planSummary();
  }
  e["ts"] = new Date();
  e["client"] = ctx.client.remoteAddress.replace(/:\d+$/, "");
  const app = ctx.client.clientMetadata?.["application"];
  if (isPlainDoc(app) && typeof app["name"] === "string") e["appName"] = app["name"];
  const users = ctx.client.authenticatedUsers.map((u) => ({ user: u.user, db: u.db }));
  e["allUsers"] = users;
  e["user"] = users.length > 0 ? `${users[0]!.user}@${users[0]!.db}` : "";
  return e;
}

/**
 * The profile entry / slow-query fields of one finished operation. The command is cut as mongod
 * cuts it: to 50 KB in profile entries; for the log, a batch write's statements as their count and
 * the rest to 10 KB (src/commands/op_description.ts).
 */
export function profileEntry(
  ctx: RequestContext<unknown>,
  body: Doc,
  millis: number,
  reply: Reply | undefined,
  shape: "profile" | "log" = "profile",
): Doc {
  const full = shownCommand(ctx.command, body);
  const command = shape === "profile"
    ? truncatedCommand(full, PROFILE_COMMAND_BYTES)
    : truncatedCommand(snipForLog(ctx.command, full), LOG_COMMAND_BYTES);
  // A write command's figures come from its reply when the command did not record them.
  let s = ctx.opStats;
  if (
    (ctx.command === "insert" && s.ninserted === undefined) ||
    (ctx.command === "update" && s.nMatched === undefined) ||
    (ctx.command === "delete" && s.ndeleted === undefined)
  ) {
    s = { ...s };
    if (ctx.command === "insert") s.ninserted = replyNumber(reply, "n");
    else if (ctx.command === "delete") s.ndeleted = replyNumber(reply, "n");
    else {
      s.nMatched = replyNumber(reply, "n");
      s.nModified = replyNumber(reply, "nModified");
    }
  }
  const r = replyOk(reply);
  const ns = commandNamespace(ctx, body);
  return entryOf(
    ctx,
    opKind(ctx.command),
    ns,
    command,
    s,
    millis,
    ctx.control.yields,
    r.ok ? undefined : r,
    shape,
  );
}

/**
 * The statement of an update or delete command as its own entry shows it (mongod profiles each as
 * an operation: op "update" / "remove", the statement as the command, with its defaults spelled out
 * in mongod's order: UpdateOpEntry {q, u, c, arrayFilters, hint, multi, upsert, …}, DeleteOpEntry
 * {q, limit, hint, collation, …}).
 */
export function statementCommand(commandName: string, body: Doc, index: number): Doc {
  const list = body[commandName === "update" ? "updates" : "deletes"];
  const raw = Array.isArray(list) && isPlainDoc(list[index]) ? list[index] as Doc : {};
  const first = commandName === "update" ? ["q", "u", "c", "arrayFilters", "hint"] : ["q", "limit", "hint"];
  const out: Doc = {};
  for (const k of first) if (raw[k] !== undefined) out[k] = raw[k];
  if (commandName === "update") {
    out["multi"] = raw["multi"] ?? false;
    out["upsert"] = raw["upsert"] ?? false;
  }
  for (const [k, v] of Object.entries(raw)) if (!(k in out) && k !== "upsertSupplied") out[k] = v;
  return truncatedCommand(out, PROFILE_COMMAND_BYTES);
}

/** The profile entry of one statement of an update or delete command (`OpStats.statements`). */
export function statementEntry(ctx: RequestContext<unknown>, body: Doc, st: StatementStats): Doc {
  const error = st.error === undefined ? undefined : errorToReply(st.error) as EntryError;
  return entryOf(
    ctx,
    ctx.command === "update" ? "update" : "remove",
    commandNamespace(ctx, body),
    statementCommand(ctx.command, body, st.index),
    st.stats,
    Math.floor(st.micros / 1000),
    st.numYield,
    error,
    "profile",
  );
}

/** Bytes held in each database's system.profile (learned by one scan, then kept up to date). */
const profileBytes = new WeakMap<StorageEngine, Map<string, number>>();

function profileCollection(storage: StorageEngine, db: string): CollectionEntry {
  const existing = storage.catalog.getCollection(db, PROFILE_COLLECTION);
  if (existing) return existing;
  return storage.catalog.createCollection(db, PROFILE_COLLECTION, { capped: true, size: PROFILE_SIZE_BYTES });
}

/** Appends one entry to `<db>.system.profile`, dropping the oldest beyond the capped size. */
export function writeProfileEntry(storage: StorageEngine, db: string, entry: Doc): void {
  const coll = profileCollection(storage, db);
  const bytes = serializeDocument(entry);
  let sizes = profileBytes.get(storage);
  if (!sizes) profileBytes.set(storage, sizes = new Map());
  const key = `${db}\u0000${coll.ident}`;
  storage.write((txn) => {
    let total = sizes.get(key);
    if (total === undefined) {
      total = 0;
      for (const r of txn.scan(coll)) total += r.bytes.length;
    }
    txn.insert(coll, bytes, new Map());
    total += bytes.length;
    if (total > PROFILE_SIZE_BYTES) {
      const drop: { rid: bigint; size: number }[] = [];
      for (const r of txn.scan(coll)) {
        if (total <= PROFILE_SIZE_BYTES) break;
        drop.push({ rid: r.rid, size: r.bytes.length });
        total -= r.bytes.length;
      }
      for (const d of drop) txn.remove(coll, d.rid, new Map());
    }
    sizes.set(key, total);
  });
}

/**
 * The bookkeeping after one command (see the module comment). Never throws. `ctx.storage` must be
 * the server's own storage (dispatch's context), not a transaction's.
 */
export function afterCommand(
  ctx: RequestContext<unknown>,
  body: Doc,
  micros: number,
  reply: Reply | undefined,
): void {
  if (QUIET.has(ctx.command)) return;
  try {
    const ns = commandNamespace(ctx, body);
    ctx.top.record(ns, ctx.command, micros, LOCKED_WRITES.has(ctx.command));
    const plan = ctx.opStats.planSummary; // (an index scan's is a function: recordPlan)
    if (typeof plan === "string" && plan.startsWith("COLLSCAN")) {
      ctx.top.recordCollectionScan(ns, (ctx.params as { tailable?: unknown } | undefined)?.tailable === true);
    }
    countDocuments(ctx, reply);
    const kind = opKind(ctx.command);
    ctx.counters.latency.observe(kind === "remove" ? "delete" : kind, micros / 1e6);
    const millis = Math.floor(micros / 1000);
    const profiler = ctx.profiler;
    const slow = millis >= profiler.slowms && profiler.isSlow(millis);
    keepCursorOrigin(ctx, body);
    const statements = ctx.opStats.statements;
    const profiles = profiler.active && !ns.endsWith(`.${PROFILE_COLLECTION}`);
    // an update or delete command's statements are profiled each as an operation (mongod), not it
    const profiled = profiles && statements === undefined &&
      profiler.shouldProfile(ctx.db, millis, () => profileEntry(ctx, body, millis, reply));
    if (slow) {
      ctx.counters.slowOperations++;
      ctx.log.info("Slow query", slowLine(profileEntry(ctx, body, millis, reply, "log")));
    }
    if (profiled) writeProfileEntry(ctx.storage, ctx.db, profileEntry(ctx, body, millis, reply));
    if (profiles && statements !== undefined) {
      for (const st of statements) {
        const entry = () => statementEntry(ctx, body, st);
        if (profiler.shouldProfile(ctx.db, Math.floor(st.micros / 1000), entry)) {
          writeProfileEntry(ctx.storage, ctx.db, entry());
        }
      }
    }
  } catch (e) {
    ctx.log.warning(`profiler: could not record ${ctx.command}`, e instanceof Error ? e.message : String(e));
  }
}

/**
 * A find or aggregate that left a cursor open: the cursor keeps the command as it was sent (the
 * request's body, not copied) and its plan, for its getMores' entries (mongod's originatingCommand).
 */
function keepCursorOrigin(ctx: RequestContext<unknown>, body: Doc): void {
  const id = ctx.opStats.cursorid;
  if (id === undefined || ctx.command === "getMore") return;
  const cursor = ctx.cursors.get(id);
  if (cursor === undefined || cursor.origin !== undefined) return;
  const plan = ctx.opStats.planSummary;
  cursor.origin = plan === undefined ? { command: body } : { command: body, planSummary: plan };
}

/** The slow-query log line's attributes (JSON-safe: bigints and dates as strings). */
function slowLine(entry: Doc): Doc {
  return JSON.parse(JSON.stringify(entry, (_k, v) => typeof v === "bigint" ? v.toString() : v));
}

function replyNumber(reply: Reply | undefined, field: string): number {
  if (reply === undefined || reply instanceof Uint8Array || isCloseReply(reply) || isStreamingReply(reply)) {
    return 0;
  }
  const v = reply[field];
  return typeof v === "number" ? v : 0;
}

/** serverStatus metrics.document and metrics.queryExecutor. */
function countDocuments(ctx: RequestContext<unknown>, reply: Reply | undefined): void {
  const c = ctx.counters;
  const s = ctx.opStats;
  if (s.nreturned !== undefined) c.document.returned += s.nreturned;
  if (s.keysExamined !== undefined) c.queryExecutor.scanned += s.keysExamined;
  if (s.docsExamined !== undefined) c.queryExecutor.scannedObjects += s.docsExamined;
  if (ctx.command === "insert") c.document.inserted += replyNumber(reply, "n");
  else if (ctx.command === "update") c.document.updated += replyNumber(reply, "nModified");
  else if (ctx.command === "delete") c.document.deleted += replyNumber(reply, "n");
}
