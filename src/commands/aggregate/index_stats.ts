/**
 * `$indexStats` (first stage only): one document per index of the collection,
 * `{name, key, host, accesses: {ops: Long, since: Date}, spec}`, from the catalog and the access
 * counters of `executor/index_usage.ts`. The command layer answers it because the pure pipeline
 * engine sees neither; the stages after it run in the engine over these documents.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument } from "../../bson/values.ts";
import { indexUsage } from "../../executor/index_usage.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";
import { splitSourceStage } from "./source_stage.ts";

/**
 * Removes a leading `$indexStats` from `pipeline` (validated: an empty object, 28803; anywhere but
 * first, 40602). `indexStats` tells whether there was one.
 */
export function splitIndexStats(pipeline: unknown[]): { stages: unknown[]; indexStats: boolean } {
  const { stages, found } = splitSourceStage(pipeline, "$indexStats", (spec, i) => {
    if (!isDocument(spec) || Object.keys(spec).length > 0) {
      throw new CommandError(
        Location.IndexStatsSpecNotEmpty,
        "The $indexStats stage specification must be an empty object",
      );
    }
    if (i !== 0) {
      throw new CommandError(
        Location.StageMustBeFirst,
        "$indexStats is only valid as the first stage in a pipeline",
      );
    }
  });
  return { stages, indexStats: found };
}

/** mongod's error for `{aggregate: 1}` with `$indexStats`. */
export function collectionlessIndexStats(): CommandError {
  return new CommandError(
    "InvalidNamespace",
    "{aggregate: 1} is not valid for '$indexStats'; a collection is required.",
  );
}

/** The `$indexStats` documents of a collection (none when it does not exist). */
export function indexStatsDocs(coll: CollectionEntry | undefined, host: string): Doc[] {
  if (!coll) return [];
  return coll.indexes.map((ix) => {
    const u = indexUsage(coll, ix.name);
    return {
      name: ix.name,
      key: ix.spec["key"],
      host,
      accesses: { ops: Long.fromNumber(u.ops), since: u.since },
      spec: ix.spec,
    };
  });
}
