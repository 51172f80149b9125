/**
 * compact: hands the free space inside a collection's files (its records and every index) back to the
 * file system — WiredTiger's compaction, off the JS thread (src/storage/wiredtiger/compact.ts), CRUD on
 * the collection going on meanwhile. mongod 8.0's fields: `dryRun` (only the estimate:
 * `estimatedBytesFreed`), `freeSpaceTargetMB` (compact only when at least that much is reusable; default
 * 20), `force` (accepted: a standalone server has no primary to protect). Replies `bytesFreed`. A view is
 * 166 "can't compact a view", a missing collection 26 "collection does not exist". An in-memory server
 * has no files: 0.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, int, optional, parseShape } from "../params/schema.ts";
import { collectionName } from "../params/names.ts";
import { findCollection } from "../shared/namespace.ts";
import { findView } from "../shared/views.ts";

const FIELDS = {
  dryRun: optional(bool),
  force: optional(bool),
  freeSpaceTargetMB: optional(int),
} as const;

/** mongod's default `freeSpaceTargetMB`. */
const DEFAULT_FREE_SPACE_TARGET_MB = 20;

/** `freeSpaceTargetMB` (compact, autoCompact) in bytes: default 20 MB, at least 1 (else 2 BadValue). */
export function freeSpaceTargetBytes(mb: number | undefined): number {
  const target = mb ?? DEFAULT_FREE_SPACE_TARGET_MB;
  if (target < 1) throw new CommandError("BadValue", `freeSpaceTargetMB must be at least 1, got ${target}`);
  return target * 1024 * 1024;
}

export interface CompactParams {
  readonly collection: string;
  readonly dryRun: boolean;
  readonly minFreeBytes: number;
}

function parse(body: Doc): CompactParams {
  const p = parseShape("compact", body, FIELDS, { skip: "compact", alsoAccept: GENERIC_FIELDS });
  return {
    collection: collectionName("compact", body),
    dryRun: p.dryRun ?? false,
    minFreeBytes: freeSpaceTargetBytes(p.freeSpaceTargetMB),
  };
}

async function run(ctx: RequestContext<CompactParams>): Promise<Doc> {
  const { collection, dryRun, minFreeBytes } = ctx.params;
  ctx.opStats.ns = `${ctx.db}.${collection}`;
  const coll = findCollection(ctx, collection);
  if (!coll) {
    if (findView(ctx.storage, ctx.db, collection)) {
      throw new CommandError("CommandNotSupportedOnView", "can't compact a view");
    }
    throw new CommandError("NamespaceNotFound", "collection does not exist");
  }
  const r = await ctx.storage.compact(coll, { dryRun, minFreeBytes });
  return dryRun ? { estimatedBytesFreed: r.reusableBytes, ok: 1 } : { bytesFreed: r.bytesFreed, ok: 1 };
}

export const compact = defineCommand<CompactParams>({
  name: "compact",
  help: "hands a collection's free file space back to the file system",
  auth: "compact",
  parse,
  run,
});
