/**
 * plan_killed.ts — whether a query's plan still stands between its batches: its collection must be
 * the same one (not dropped, not dropped and created again) and every index its access path reads
 * must still be there; otherwise mongod's QueryPlanKilled.
 */
import type { CollectionEntry, StorageEngine } from "../storage/api.ts";
import type { AccessPath } from "../planner/plan.ts";
import { CommandError } from "../errors/command_error.ts";
import { sameUuid } from "./same_uuid.ts";
import { droppedIndex } from "./or_scan.ts";

/** The QueryPlanKilled error for a query over `coll` by `access` now, or undefined while it stands. */
export function planKilled(
  storage: StorageEngine,
  coll: CollectionEntry,
  access: AccessPath,
): CommandError | undefined {
  const now = storage.catalog.getCollection(coll.db, coll.name);
  if (!now || !sameUuid(now.uuid, coll.uuid)) {
    return new CommandError("QueryPlanKilled", `collection dropped during query: ${coll.db}.${coll.name}`);
  }
  // the index scanned must still be there (its table outlives the drop while snapshots may read it)
  const dropped = now === coll ? undefined : droppedIndex(coll, now, access);
  return dropped === undefined
    ? undefined
    : new CommandError("QueryPlanKilled", `query plan killed :: index '${dropped}' dropped`);
}
