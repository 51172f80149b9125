/**
 * hello / isMaster / ismaster: the handshake. Advertises a single-node replica-set primary (so drivers
 * enable sessions, transactions and change streams) unless the server runs `--standalone`. Keeps the
 * client metadata of the first hello for currentOp. An awaitable hello (topologyVersion +
 * maxAwaitTimeMS, sent by drivers' monitors) waits that long, since our topology never changes.
 *
 * The fields read are mongod 8.0's hello IDL, type-checked. Unlike that IDL (`strict: true`) other
 * fields are accepted and ignored, as before typed params: drivers add handshake fields that newer
 * servers know (the Node driver 7.x sends `backpressure`), and refusing one would break the
 * handshake itself.
 */
import { Long, ObjectId, Timestamp } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc, type Reply } from "../spec.ts";
import {
  any,
  arrayOf,
  bool,
  count,
  doc,
  ignored,
  optional,
  type Parsed,
  parseShape,
  str,
} from "../params/schema.ts";
import { LIMITS, SUPPORTED_COMPRESSORS, WIRE_VERSION } from "../../limits.ts";
import { parseSaslStart, startConversation } from "../auth/sasl_start.ts";
import { checkClientMetadata } from "./client_metadata.ts";
import { authenticateX509, parseAuthenticate } from "../auth/authenticate.ts";

/** The one-member set's election id (term 1), as hello and serverStatus.repl report it. */
export const ELECTION_ID = new ObjectId("7fffffff0000000000000001");
/**
 * The one-member set's `settings.replicaSetId` (replSetGetConfig): fixed, as the set's configuration never
 * changes (mongod makes one at replSetInitiate and keeps it in local.system.replset).
 */
export const REPLICA_SET_ID = new ObjectId("5ec4e7a10000000000000001");

const FIELDS = {
  helloOk: optional(bool),
  client: optional(doc),
  topologyVersion: optional(doc),
  maxAwaitTimeMS: optional(count),
  compression: optional(arrayOf(str)),
  saslSupportedMechs: optional(any),
  speculativeAuthenticate: optional(doc),
  loadBalanced: optional(bool),
  forShell: ignored,
  hostInfo: ignored,
  hangUpOnStepDown: ignored,
  internalClient: ignored,
} as const;

export type HelloParams = Parsed<typeof FIELDS>;

/** Parses a hello / isMaster body (errors name the field `hello.<field>`, mongod's IDL context). */
export function parseHello(body: Doc): HelloParams {
  const known = Object.fromEntries(Object.entries(body).filter(([k]) => Object.hasOwn(FIELDS, k)));
  return parseShape("hello", known, FIELDS);
}

export function helloReply(ctx: RequestContext<HelloParams>, legacy: boolean): Doc {
  const now = new Date();
  const info = ctx.info;
  const reply: Doc = {};
  if (legacy) reply["ismaster"] = true;
  else reply["isWritablePrimary"] = true;
  if (legacy && ctx.params.helloOk === true) reply["helloOk"] = true;
  reply["topologyVersion"] = { processId: info.processId, counter: Long.fromInt(0) };
  if (!info.standalone) {
    const ts = ctx.oplog?.lastTs() ?? Timestamp.fromBits(1, Math.floor(now.getTime() / 1000));
    const opTime = { ts, t: Long.fromInt(1) };
    Object.assign(reply, {
      hosts: [info.address],
      setName: info.setName,
      setVersion: 1,
      secondary: false,
      primary: info.address,
      me: info.address,
      electionId: ELECTION_ID,
      lastWrite: { opTime, lastWriteDate: now, majorityOpTime: opTime, majorityWriteDate: now },
    });
  }
  Object.assign(reply, {
    maxBsonObjectSize: LIMITS.maxBsonObjectSize,
    maxMessageSizeBytes: LIMITS.maxMessageSizeBytes,
    maxWriteBatchSize: LIMITS.maxWriteBatchSize,
    localTime: now,
    logicalSessionTimeoutMinutes: 30,
    connectionId: Long.fromNumber(ctx.client.connectionId),
    minWireVersion: WIRE_VERSION.min,
    maxWireVersion: WIRE_VERSION.max,
    readOnly: false,
  });
  // Compression is negotiated: the client's list, kept to what we have, in its order (as mongod).
  if (ctx.params.compression) {
    const offered = ctx.params.compression;
    reply["compression"] = offered.filter((c, i) =>
      SUPPORTED_COMPRESSORS.includes(c) && offered.indexOf(c) === i
    );
  }
  reply["ok"] = 1;
  return reply;
}

/**
 * hello's authentication extras: `saslSupportedMechs: "<db>.<user>"` lists that user's SCRAM
 * mechanisms (absent for an unknown user), and `speculativeAuthenticate` runs the first SASL step
 * (or MONGODB-X509 in full) inside the handshake; a failure only leaves the field out, as on mongod
 * (the driver then authenticates the ordinary way and sees the error there).
 */
async function authFields(ctx: RequestContext<HelloParams>): Promise<Doc> {
  const p = ctx.params;
  const out: Doc = {};
  if (typeof p.saslSupportedMechs === "string") {
    const mechs = ctx.auth.supportedMechs(p.saslSupportedMechs);
    if (mechs) out["saslSupportedMechs"] = mechs;
  }
  const spec = p.speculativeAuthenticate;
  if (spec) {
    const db = typeof spec["db"] === "string" ? spec["db"] : "admin";
    try {
      if (spec["saslStart"] !== undefined) {
        const body = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== "db"));
        out["speculativeAuthenticate"] = await startConversation(ctx, db, parseSaslStart(body));
      } else if (spec["authenticate"] !== undefined) {
        const body = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== "db"));
        out["speculativeAuthenticate"] = await authenticateX509(ctx, db, parseAuthenticate(body));
      }
    } catch { /* mongod leaves the field out */ }
  }
  return out;
}

async function run(ctx: RequestContext<HelloParams>, legacy: boolean): Promise<Reply> {
  const p = ctx.params;
  if (p.client) {
    checkClientMetadata(p.client, ctx.client.clientMetadata !== undefined);
    ctx.client.clientMetadata = p.client;
  }
  if (p.saslSupportedMechs !== undefined || p.speculativeAuthenticate !== undefined) {
    const extra = await authFields(ctx);
    const reply = helloReply(ctx, legacy);
    const ok = reply["ok"];
    delete reply["ok"];
    return { ...reply, ...extra, ok };
  }
  if (p.topologyVersion && p.maxAwaitTimeMS !== undefined && p.maxAwaitTimeMS > 0) {
    // Our topology never changes: an awaitable hello answers when the wait expires (or at shutdown).
    // parked meanwhile: a driver's monitor keeps such a wait open all the time, and it is no work
    ctx.client.park?.(true);
    try {
      await ctx.waitOrShutdown(Math.min(p.maxAwaitTimeMS, 60_000));
    } finally {
      ctx.client.park?.(false);
    }
    // Monitors ask for a stream (exhaustAllowed): keep answering every maxAwaitTimeMS, as mongod does,
    // until the connection or the server goes away. A plain reply would end the driver's stream,
    // which it treats as an error that clears its connection pool.
    if (ctx.exhaustAllowed && !ctx.isShuttingDown()) {
      return { streaming: true, reply: helloReply(ctx, legacy) };
    }
  }
  return helloReply(ctx, legacy);
}

export const hello = defineCommand<HelloParams>({
  name: "hello",
  help: "describes the server's role and limits (the connection handshake)",
  auth: "none",
  parse: parseHello,
  run: (ctx) => run(ctx, false),
});

export const isMaster = defineCommand<HelloParams>({
  name: "isMaster",
  aliases: ["ismaster"],
  help: "legacy name of hello",
  auth: "none",
  parse: parseHello,
  run: (ctx) => run(ctx, true),
});
