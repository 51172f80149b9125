/**
 * shardingState: whether this mongod is a shard. It never is (one node, no cluster): `{enabled: false}`,
 * as a replica-set member outside a sharded cluster answers. Needs `shardingState` on the cluster.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape } from "../params/schema.ts";

export type ShardingStateParams = Readonly<Record<never, never>>;

function parse(body: Doc): ShardingStateParams {
  parseShape("shardingState", body, {}, { skip: "shardingState", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(_ctx: RequestContext<ShardingStateParams>): Doc {
  return { enabled: false, ok: 1 };
}

export const shardingState = defineCommand<ShardingStateParams>({
  name: "shardingState",
  help: "whether this server is a shard: never",
  auth: "shardingState",
  parse,
  run,
});
