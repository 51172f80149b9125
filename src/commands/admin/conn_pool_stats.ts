/**
 * connPoolStats: mongod's report of its outgoing connection pools (to other members, shards, config
 * servers). A one-member set talks to nobody, so every pool figure is 0 and the lists are empty — what a
 * monitoring agent that asks (Datadog's, Percona's) reads from a mongod without outgoing connections.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape } from "../params/schema.ts";

export type ConnPoolStatsParams = Readonly<Record<never, never>>;

function parse(body: Doc): ConnPoolStatsParams {
  parseShape("connPoolStats", body, {}, { skip: "connPoolStats", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(_ctx: RequestContext<ConnPoolStatsParams>): Doc {
  return {
    numClientConnections: 0,
    numAScopedConnections: 0,
    totalInUse: 0,
    totalAvailable: 0,
    totalLeased: 0,
    totalCreated: 0,
    totalRefreshing: 0,
    totalRefreshed: 0,
    totalWasNeverUsed: 0,
    totalWasUsedOnce: 0,
    totalConnUsageTimeMillis: 0,
    pools: {},
    hosts: {},
    numReplicaSetMonitorsCreated: 0,
    replicaSets: {},
    ok: 1,
  };
}

export const connPoolStats = defineCommand<ConnPoolStatsParams>({
  name: "connPoolStats",
  help: "outgoing connection pools: none (a one-member set connects to nobody)",
  auth: "connPoolStats",
  parse,
  run,
});
