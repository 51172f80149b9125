/**
 * hello / isMaster / ismaster: the handshake. Advertises a single-node replica-set primary (so drivers
 * enable sessions, transactions and change streams) unless the server runs `--standalone`. Keeps the
 * client metadata of the first hello for currentOp. An awaitable hello (topologyVersion +
 * maxAwaitTimeMS, sent by drivers' monitors) waits that long, since our topology never changes.
 */
import { Long, ObjectId, Timestamp } from "bson";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { optDoc, optInt } from "../params/readers.ts";
import { LIMITS, WIRE_VERSION } from "../../limits.ts";

const ELECTION_ID = new ObjectId("7fffffff0000000000000001");

export function helloReply(ctx: CommandContext, body: Doc, legacy: boolean): Doc {
  const now = new Date();
  const info = ctx.info;
  const reply: Doc = {};
  if (legacy) reply["ismaster"] = true;
  else reply["isWritablePrimary"] = true;
  if (legacy && body["helloOk"] === true) reply["helloOk"] = true;
  reply["topologyVersion"] = { processId: info.processId, counter: Long.fromInt(0) };
  if (!info.standalone) {
    const ts = Timestamp.fromBits(1, Math.floor(now.getTime() / 1000));
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
    ok: 1,
  });
  return reply;
}

async function run(ctx: CommandContext, body: Doc, legacy: boolean): Promise<Reply> {
  const client = optDoc("hello", body, "client");
  if (client && !ctx.client.clientMetadata) ctx.client.clientMetadata = client;
  const tv = optDoc("hello", body, "topologyVersion");
  const maxAwait = optInt("hello", body, "maxAwaitTimeMS");
  if (tv && maxAwait !== undefined && maxAwait > 0) {
    // Our topology never changes: an awaitable hello answers when the wait expires (or at shutdown).
    await ctx.waitOrShutdown(Math.min(maxAwait, 60_000));
    // Monitors ask for a stream (exhaustAllowed): keep answering every maxAwaitTimeMS, as mongod does,
    // until the connection or the server goes away. A plain reply would end the driver's stream,
    // which it treats as an error that clears its connection pool.
    if (ctx.exhaustAllowed && !ctx.isShuttingDown()) {
      return { streaming: true, reply: helloReply(ctx, body, legacy) };
    }
  }
  return helloReply(ctx, body, legacy);
}

export const hello: LegacyCommandSpec = {
  name: "hello",
  help: "describes the server's role and limits (the connection handshake)",
  auth: "none",
  run: (ctx, body) => run(ctx, body, false),
};

export const isMaster: LegacyCommandSpec = {
  name: "isMaster",
  aliases: ["ismaster"],
  help: "legacy name of hello",
  auth: "none",
  run: (ctx, body) => run(ctx, body, true),
};
