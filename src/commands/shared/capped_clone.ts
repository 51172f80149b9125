/**
 * What cloneCollectionAsCapped and convertToCapped share, as mongod 8.0's `capped_utils.cpp` does it:
 * the `size` argument (read as mongod's `safeNumberLong`: anything but a number is 0, 0 is 72
 * "invalid command spec"), and the clone itself — the source must be a collection (a view is 166, a
 * missing one 26, a missing database 26 "database <db> not found"), the target must not exist (48);
 * the target is created with the source's options plus `capped: true, size` (and `temp` when asked),
 * a new UUID and only the `_id` index, then filled in natural order with eviction
 * (`executor/capped_copy.ts`). If the copy fails (killed, deadline, 117 when the source is modified
 * meanwhile) the target is dropped again.
 */
import type { CollectionEntry } from "../../storage/api.ts";
import { CommandError } from "../../errors/command_error.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";
import { MAX_CAPPED_SIZE } from "../../executor/capped.ts";
import { copyIntoCapped } from "../../executor/capped_copy.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { findView } from "./views.ts";
import { commitSync } from "../write/write_batch.ts";

/** mongod's `safeNumberLong` of the `size` field, with its "invalid command spec" for 0. */
export function cappedSizeArg(v: unknown): number {
  let n = isNumeric(v) ? toNumber(v) : 0;
  if (Number.isNaN(n)) n = 0;
  n = Math.trunc(n);
  if (n === 0) throw new CommandError("InvalidOptions", "invalid command spec");
  return n;
}

/** mongod's `CollectionOptions::checkAndAdjustCappedSize` (checked when the target is created). */
function checkCappedSize(size: number): void {
  if (size < 0) throw new CommandError("BadValue", "size has to be >= 0");
  if (size > MAX_CAPPED_SIZE) throw new CommandError("BadValue", "size cannot exceed 1 PB");
}

/** A database exists while it holds a collection (views live in `system.views`). */
export function requireDatabase(ctx: RequestContext): void {
  if (ctx.storage.catalog.listCollections(ctx.db).length === 0) {
    throw new CommandError("NamespaceNotFound", `database ${ctx.db} not found`);
  }
}

/** The source collection of a clone, or mongod's error for a view or a missing one. */
export function cloneSource(ctx: RequestContext, name: string): CollectionEntry {
  const from = ctx.storage.catalog.getCollection(ctx.db, name);
  if (from) return from;
  if (findView(ctx.storage, ctx.db, name)) {
    throw new CommandError(
      "CommandNotSupportedOnView",
      `cloneCollectionAsCapped not supported for views: ${ctx.db}.${name}`,
    );
  }
  throw new CommandError("NamespaceNotFound", `source collection ${ctx.db}.${name} does not exist`);
}

/** Options the capped copy does not inherit (ours alone, or meaningless on the copy). */
const NOT_INHERITED = new Set(["capped", "size", "max", "temp", "clusteredIndex", "idIndex"]);

/** Clones `from` into the new capped collection `to` of the same database; returns the target. */
export async function cloneAsCapped(
  ctx: RequestContext,
  from: CollectionEntry,
  to: string,
  size: number,
  temp: boolean,
): Promise<CollectionEntry> {
  const ns = `${ctx.db}.${to}`;
  if (ctx.storage.catalog.getCollection(ctx.db, to) || findView(ctx.storage, ctx.db, to)) {
    throw new CommandError(
      "NamespaceExists",
      `cloneCollectionAsCapped failed - destination collection ${ns} already exists. source collection: ${ctx.db}.${from.name}`,
    );
  }
  checkCappedSize(size);
  const options: Doc = {};
  for (const [k, v] of Object.entries(from.options)) if (!NOT_INHERITED.has(k)) options[k] = v;
  // A capped source keeps its document limit (mongod copies the source's options).
  const max = from.options["capped"] === true ? from.options["max"] : undefined;
  const target = ctx.storage.catalog.createCollection(ctx.db, to, {
    capped: true,
    size,
    ...(max !== undefined ? { max } : {}),
    ...(temp ? { temp: true } : {}),
    ...options,
  });
  try {
    await copyIntoCapped({
      storage: ctx.storage,
      capped: ctx.capped,
      keyOpts: { compilePartialFilter },
      from,
      to: target,
      ctl: ctx.control,
      sync: commitSync(ctx),
    });
  } catch (e) {
    ctx.storage.catalog.dropCollection(ctx.db, to);
    throw e;
  }
  return ctx.storage.catalog.getCollection(ctx.db, to) ?? target;
}
