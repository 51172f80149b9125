/**
 * `secantusAdmin.pruneTtl`: runs one TTL pass now — the same pass the background sweeper runs every
 * `[storage] ttl_sweep_seconds` — and reports `{removed}`, the documents it deleted (expired by a TTL
 * index, a clustered collection's or a time-series collection's `expireAfterSeconds`). Useful in tests
 * and after lowering `expireAfterSeconds`, without waiting for the next sweep. The pass yields between
 * batches, so other clients keep being served while it runs.
 */
import { compilePartialFilter } from "../../engine/mod.ts";
import { sweepOnce } from "../../executor/ttl_sweeper.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

const NAME = "secantusAdmin.pruneTtl";

async function run(ctx: RequestContext<Record<string, never>>): Promise<Doc> {
  const removed = await sweepOnce(ctx.storage, Date.now(), { compilePartialFilter });
  return { removed, ok: 1 };
}

export const pruneTtl = defineCommand<Record<string, never>>({
  name: NAME,
  help:
    "deletes documents expired by TTL indexes now (what the background sweeper does): {'secantusAdmin.pruneTtl': 1}",
  auth: "secantusTtlAdmin",
  parse: (body) => {
    parseShape(NAME, body, {}, { skip: NAME, alsoAccept: GENERIC_FIELDS });
    return {};
  },
  run,
});
