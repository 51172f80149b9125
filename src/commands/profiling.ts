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
  const s = ctx.opStats;
  const full: Doc = {};
  for (const [k, v] of Object.entries(redactSecrets(ctx.command, body))) {
    if (k !== "lsid" && k !== "$clusterTime") full[k] = v;
  }
  const command = shape === "profile"
    ? truncatedCommand(full, PROFILE_COMMAND_BYTES)
    : truncatedCommand(snipForLog(ctx.command, full), LOG_COMMAND_BYTES);
  const e: Doc = { op: opKind(ctx.command), ns: commandNamespace(ctx, body), command };
  if (s.cursorid !== undefined) e["cursorid"] = s.cursorid;
  for (
    const k of [
      "keysExamined",
      "docsExamined",
      "nreturned",
      "ninserted",
      "nMatched",
      "nModified",
      "ndeleted",
    ] as const
  ) {
    if (s[k] !== undefined) e[k] = s[k];
  }
  // A write command's figures come from its reply when the command did not record them.
  if (ctx.command === "insert" && e["ninserted"] === undefined) e["ninserted"] = replyNumber(reply, "n");
  if (ctx.command === "update" && e["nMatched"] === undefined) {
    e["nMatched"] = replyNumber(reply, "n");
    e["nModified"] = replyNumber(reply, "nModified");
  }
  if (ctx.command === "delete" && e["ndeleted"] === undefined) e["ndeleted"] = replyNumber(reply, "n");
  const r = replyOk(reply);
  if (!r.ok) {
    e["ok"] = 0;
    if (r.errmsg !== undefined) e["errMsg"] = r.errmsg;
    if (r.codeName !== undefined) e["errName"] = r.codeName;
    if (r.code !== undefined) e["errCode"] = r.code;
  }
  e["numYield"] = 0;
  e["locks"] = {};
  e["millis"] = millis;
  if (s.planSummary !== undefined) {
    e["planSummary"] = typeof s.planSummary === "string" ? s.planSummary : s.planSummary();
  }
  if (s.usedDisk === true) e["usedDisk"] = true;
  e["ts"] = new Date();
  e["client"] = ctx.client.remoteAddress.replace(/:\d+$/, "");
  const app = ctx.client.clientMetadata?.["application"];
  if (isPlainDoc(app) && typeof app["name"] === "string") e["appName"] = app["name"];
  const users = ctx.client.authenticatedUsers.map((u) => ({ user: u.user, db: u.db }));
  e["allUsers"] = users;
  e["user"] = users.length > 0 ? `${users[0]!.user}@${users[0]!.db}` : "";
  return e;
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
    const profiled = profiler.active && !ns.endsWith(`.${PROFILE_COLLECTION}`) &&
      profiler.shouldProfile(ctx.db, millis, () => profileEntry(ctx, body, millis, reply));
    if (slow) {
      ctx.counters.slowOperations++;
      ctx.log.info("Slow query", slowLine(profileEntry(ctx, body, millis, reply, "log")));
    }
    if (profiled) writeProfileEntry(ctx.storage, ctx.db, profileEntry(ctx, body, millis, reply));
  } catch (e) {
    ctx.log.warning(`profiler: could not record ${ctx.command}`, e instanceof Error ? e.message : String(e));
  }
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
