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
 * slices the command's control is checked (maxTimeMS 50, killOp 11601, the memory watchdog). A fold
 * with no `$match` that is the only one running, while no other request is arriving
 * (`OpControl.contended`: the JS thread needs a core for them), is split in two at the middle record id
 * (executor/group_fold.ts): both halves fold at once on two worker threads and are merged, so one
 * aggregate uses both cores; when the second half meets a double summand (compensated sums do not
 * merge exactly) the first half folds its records again after its own.
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
import type { GroupFold } from "../../executor/group_fold.ts";
import type { QuerySource } from "../../executor/query.ts";
import type { OpControl } from "../../observability/op_control.ts";
import { type ControlSlot, scanInput } from "./pipeline_source.ts";
import type { Doc } from "../reply.ts";

/**
 * Switches and counters for tests: `enabled` off runs every pipeline in JS (tests compare the two
 * paths); `slice` is how many records one storage call folds (~1 ms of C at ~0.25 µs per 1 KB record);
 * `split` off never splits a fold in two, `splitMin` is the smallest collection split (records);
 * `folded`/`fellBack` count runs the engine finished or gave back to JS, `splits` the folds split in
 * two and `redone` those whose second part was folded again by the first; `forJs` records the engine
 * left to the JS matcher.
 */
export const groupFold = {
  enabled: true,
  slice: 4096,
  split: true,
  splitMin: 8192,
  folded: 0,
  fellBack: 0,
  forJs: 0,
  splits: 0,
  redone: 0,
};

/** Records the JS matcher may judge for one fold before the pipeline goes back to JS (and 1 in 64 examined). */
const FOR_JS_LIMIT = 256;

/**
 * Folds running now. A fold is split in two only when it is the only one and no other request is
 * arriving: its second part then takes the thread pool's other core; with other folds running (c=16)
 * both cores are busy already, and with other requests arriving the JS thread needs the second core.
 */
let running = 0;

type GroupTable = NonNullable<ReturnType<QuerySource["groupTable"]>>;

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
  const spec = {
    key: plan.key,
    accs: plan.inputs,
    maxGroups,
    ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
  };
  const table = source.groupTable(spec);
  if (table === undefined) return undefined;
  let metered = 0;
  /** Meters the groups' bytes (absolute); false past the budget. */
  const meter = (bytes: number): boolean => {
    opts.meter(bytes - metered);
    metered = bytes;
    return bytes <= opts.memoryLimitBytes;
  };
  let second: GroupTable | undefined;
  let examined = 0;
  let forJs = 0;
  running++;
  try {
    if (groupFold.split && running === 1 && opts.filter === undefined && !ctl.contended()) {
      second = source.groupTable(spec);
      const split = second === undefined ? "none" : await foldSplit(plan, source, table, second, ctl, meter);
      if (split === "unsupported") return undefined;
      if (split === "done") return nativeGroupDocs(plan, table.results());
      // not split, or the second part is folded again by the first: the loop below goes on
    }
    for (;;) {
      const slice = await source.groupFold().sliceAsync(table, groupFold.slice);
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
      if (!meter(nativeGroupBytes(plan, groups, idBytes))) return undefined;
      if (status === 1) return nativeGroupDocs(plan, table.results());
      if (ctl.dueNow()) await ctl.yieldNow();
      else ctl.check();
    }
  } finally {
    running--;
    table.free();
    second?.free();
    opts.meter(-metered);
  }
}

/**
 * The fold split in two at the middle record id (`GroupFold.split`), both parts on the thread pool at
 * once, then merged: "done", "more" (the second part gave up, the first goes on over its records),
 * "unsupported" (run in JS), or "none" (not split: too small, or the engine cannot).
 */
async function foldSplit(
  plan: NativeGroupPlan,
  source: QuerySource,
  first: GroupTable,
  second: GroupTable,
  ctl: OpControl,
  meter: (bytes: number) => boolean,
): Promise<"done" | "more" | "unsupported" | "none"> {
  const whole = source.groupFold();
  const rest = whole.split(first, second, groupFold.splitMin);
  if (rest === undefined) return "none";
  groupFold.splits++;
  const bytes = [0, 0];
  let stop = false;
  /** One part's slices until it is done (1) or gives up (3); the other part's end stops it too. */
  const part = async (fold: GroupFold, table: GroupTable, i: 0 | 1): Promise<number> => {
    try {
      for (;;) {
        const s = await fold.sliceAsync(table, groupFold.slice);
        if (s.status !== 0) {
          if (i === 0 && s.status === 3) stop = true; // unsupported for good: the second part is useless
          return s.status;
        }
        bytes[i] = nativeGroupBytes(plan, s.groups, s.idBytes);
        if (!meter(bytes[0]! + bytes[1]!) || stop) return 3;
        if (ctl.dueNow()) await ctl.yieldNow();
        else ctl.check();
      }
    } catch (e) {
      stop = true;
      throw e;
    }
  };
  const done = await Promise.allSettled([part(whole, first, 0), part(rest, second, 1)]);
  for (const d of done) if (d.status === "rejected") throw d.reason;
  const firstStatus = (done[0] as PromiseFulfilledResult<number>).value;
  if (firstStatus !== 1) return "unsupported";
  const joined = whole.join(rest, first, second);
  if (joined.status === 3 || !meter(nativeGroupBytes(plan, joined.groups, joined.idBytes) + bytes[1]!)) {
    return "unsupported";
  }
  if (joined.status === 1) return "done";
  groupFold.redone++;
  return "more";
}
