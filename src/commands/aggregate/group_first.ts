/**
 * A pipeline whose first stage is a simple `$group` over a plain collection, or a simple `$match` then
 * that `$group` over a collection scan (issue 18): the storage engine filters and folds the groups
 * inside its scan (engine/aggregate/group_native.ts and match_native.ts for the shapes, storage
 * `ReadTxn.groupScan`), in slices of `groupFold.slice` records, before the cursor's first batch; then
 * the stages after the `$group` run on its output as usual. A record the engine cannot judge exactly
 * (an array on a filtered path, a value of another type) stops its slice and is matched here by the
 * query's JS filter, then folded if it matches; past `FOR_JS_LIMIT` such records (plus 1 in 64 of
 * those examined) the pipeline runs in JS instead. When the planner serves the `$match` from an
 * index, nothing is folded: the JS path reads only the index range.
 *
 * Each slice runs off the JS thread when the engine can (`StorageEngine.readAsync`: a worker thread
 * folds while this thread serves other requests, and two aggregates fold on two cores); inside a
 * transaction's statements it runs on the JS thread with a cooperative yield between slices. Between
 * slices the command's control is checked (maxTimeMS 50, killOp 11601, the memory watchdog).
 *
 * When the engine cannot fold exactly (a key or summand type it does not handle, more groups than the
 * stage's memory budget, no such engine), the groups folded so far are dropped and the whole pipeline
 * runs in JS from the start through `scanInput` (same results; the `$group` there spills or fails
 * with 292 as it always does).
 */
import {
  nativeGroupBytes,
  nativeGroupDocs,
  type NativeGroupPlan,
  type NativeMatchTerm,
  type Pipeline,
} from "../../engine/mod.ts";
import type { QuerySource } from "../../executor/query.ts";
import type { OpControl } from "../../observability/op_control.ts";
import { type ControlSlot, scanInput } from "./pipeline_source.ts";
import type { Doc } from "../reply.ts";

/**
 * Switches and counters for tests: `enabled` off runs every pipeline in JS (tests compare the two
 * paths); `slice` is how many records one storage call folds (~1 ms of C at ~0.25 µs per 1 KB record);
 * `folded`/`fellBack` count runs the engine finished or gave back to JS; `forJs` records the engine left
 * to the JS matcher.
 */
export const groupFold = { enabled: true, slice: 4096, folded: 0, fellBack: 0, forJs: 0 };

/** Records the JS matcher may judge for one fold before the pipeline goes back to JS (and 1 in 64 examined). */
const FOR_JS_LIMIT = 256;

export interface GroupFirstOptions {
  /** The `$group` budget (memory.ts) and the operation's memory meter. */
  readonly memoryLimitBytes: number;
  readonly meter: (deltaBytes: number) => void;
  /** The top-level fields the pipeline reads (the JS path's scan projection). */
  readonly fields: ReadonlySet<string> | null;
  /** The leading `$match` in the engine's terms (match_native.ts); absent when there is none. */
  readonly filter?: readonly NativeMatchTerm[];
}

/** The pipeline's output, its leading `$group` folded by the storage engine when it can. */
export async function groupFirstOutput(
  pipeline: Pipeline,
  plan: NativeGroupPlan,
  source: QuerySource,
  ctl: OpControl,
  slot: ControlSlot,
  opts: GroupFirstOptions,
): Promise<Iterable<Doc>> {
  const docs = await foldedGroups(plan, source, ctl, opts);
  if (docs === undefined) {
    groupFold.fellBack++;
    return pipeline.run(scanInput(source, slot, opts.fields));
  }
  groupFold.folded++;
  return pipeline.runAfterFirst(docs);
}

/** The `$group` output folded by the engine, or undefined when it could not fold it (nothing to undo). */
async function foldedGroups(
  plan: NativeGroupPlan,
  source: QuerySource,
  ctl: OpControl,
  opts: GroupFirstOptions,
): Promise<Doc[] | undefined> {
  const maxGroups = Math.floor(opts.memoryLimitBytes / (plan.perGroup + 48));
  const table = source.groupTable({
    key: plan.key,
    accs: plan.inputs,
    maxGroups,
    ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
  });
  if (table === undefined) return undefined;
  let metered = 0;
  let examined = 0;
  let forJs = 0;
  try {
    for (;;) {
      const slice = await source.foldGroupAsync(table, groupFold.slice);
      let { status, groups, idBytes } = slice;
      examined += slice.examined;
      if (status === 2) {
        // a record the engine's filter cannot judge: the query's own matcher does
        groupFold.forJs++;
        if (++forJs > FOR_JS_LIMIT + examined / 64) return undefined;
        const doc = table.pendingDoc();
        if (source.matchesStored(doc)) ({ status, groups, idBytes } = table.foldDoc(doc));
        if (status !== 3) status = 0;
      }
      if (status === 3) return undefined;
      const bytes = nativeGroupBytes(plan, groups, idBytes);
      opts.meter(bytes - metered);
      metered = bytes;
      if (bytes > opts.memoryLimitBytes) return undefined;
      if (status === 1) return nativeGroupDocs(plan, table.results());
      if (ctl.dueNow()) await ctl.yieldNow();
      else ctl.check();
    }
  } finally {
    table.free();
    opts.meter(-metered);
  }
}
