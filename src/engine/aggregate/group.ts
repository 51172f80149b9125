/**
 * group.ts — `$group`: `{_id: <expr>, <field>: {<accumulator>: <expr>}, …}`.
 *
 * Groups are keyed by `valueKey` of the evaluated `_id` (missing counts as null); with a non-simple
 * collation the keys are compared with `valuesEqual` instead. Output order is first-seen order.
 * Validation as mongod: no `_id` → 15955; a field with '.' → 40235, starting with '$' → 40236;
 * not an object → 40234; not exactly one accumulator → 40238; unknown → 15952; an array argument
 * → 40237 (accumulators are unary).
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { isObj } from "../expression/compile.ts";
import type { Evaluator } from "../expression/types.ts";
import type { AccState } from "./accumulators.ts";
import { compileAccumulator, type CompiledAccumulator } from "./accumulators_n.ts";
import { valueKey } from "./group_key.ts";
import type { Document, SpillRun, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";
import { deferJs, jsDeferralFor } from "./js_defer.ts";
import type { JsDeferral } from "../expression/types.ts";
import { budgetOf, groupMemoryError } from "./memory.ts";
import { approxValueSize } from "./value_size.ts";
import { accumulatorCost, GROUP_OVERHEAD, groupKeyCost } from "./group_cost.ts";
import { serializeDocumentInto } from "../../bson/undefined_value.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { parseSortSpec } from "../sort/sort.ts";
import { topBottomState } from "./accumulators_n.ts";
import { isStoredDoc } from "./stored_doc.ts";
import {
  CurrentRoot,
  firstRootState,
  lastRootState,
  ROOT_KEEP,
  type RootGroupPlan,
  rootGroupPlan,
  storedFieldKey,
} from "./group_root.ts";

interface AccSpec {
  readonly field: string;
  /** The accumulator keeps the values it is given ($push, $addToSet, quantiles): they count as memory. */
  readonly collects: boolean;
  readonly make: CompiledAccumulator["make"];
  readonly arg: Evaluator;
  /** Heap bytes of one group's state (group_cost.ts). */
  readonly cost: number;
}

const COLLECTING = new Set(["$push", "$addToSet", "$median", "$percentile", "$mergeObjects"]);

interface Group {
  readonly id: unknown;
  readonly accs: AccState[];
}

/** Parses the accumulator fields of `$group` (also used by `$bucket`). */
export function parseAccumulators(spec: Document, ctx: StageContext, skip: string | undefined): AccSpec[] {
  const out: AccSpec[] = [];
  for (const [field, value] of Object.entries(spec)) {
    if (field === skip) continue;
    if (field.includes(".")) {
      throw new CommandError(Location.GroupFieldNameHasDot, `The field name '${field}' cannot contain '.'`);
    }
    if (field.startsWith("$")) {
      throw new CommandError(
        Location.GroupFieldNameIsOperator,
        `The field name '${field}' cannot be an operator name`,
      );
    }
    if (!isObj(value)) {
      throw new CommandError(
        Location.GroupFieldNotAccumulatorObject,
        `The field '${field}' must be an accumulator object`,
      );
    }
    const keys = Object.keys(value);
    if (keys.length !== 1) {
      throw new CommandError(
        Location.GroupFieldNotOneAccumulator,
        `The field '${field}' must specify one accumulator`,
      );
    }
    const op = keys[0] as string;
    const { make, arg } = compileAccumulator(op, value[op], ctx);
    out.push({ field, make, arg, collects: COLLECTING.has(op), cost: accumulatorCost(op) });
  }
  return out;
}

/** Runs the documents of new groups are spread over once a `$group` passes its budget. */
const PARTITIONS = 16;
/**
 * The write buffer of each partition's run: the 16 are filled at once for the rest of the input
 * (1 MiB each held 16 MiB of the JS thread's malloc arena); one is read at a time afterwards.
 */
const PARTITION_WRITE_BUFFER = 64 * 1024;
/**
 * Once the partitions' groups let go of this fraction of the budget (summed over the partitions
 * grouped since the last hint), a major GC is asked for: V8 let the 2 GB bench's partitions (~37 MiB
 * of groups each) pile up to ~200 MiB of heap before its own full collection; a hint after every
 * partition would cost a full collection (two mark-compacts in `--trace-gc`) for each.
 */
const RELEASED_HINT_FRACTION = 1 / 2;
/**
 * The most a held group's collected values may count (`approxValueSize`, UTF-16 characters: up to 3x
 * in UTF-8) for the groups to be written out as partial states rather than held.
 */
const MAX_SAVED_BYTES = 4 * 1024 * 1024;

/** One record encoded at a time (no ArrayBuffer per written document or state, freed only by a GC). */
const scratch = new Uint8Array(64 * 1024);

/**
 * Appends `doc` to `run`, through `scratch` when the run takes bytes and the document fits (a stored
 * document: its bytes as they are).
 */
function appendTo(run: SpillRun, doc: Document): void {
  if (isStoredDoc(doc)) {
    if (run.appendBytes) return run.appendBytes(doc);
    return run.append(decodeDocument(doc.slice()));
  }
  if (run.appendBytes) {
    let end = -1;
    try {
      end = serializeDocumentInto(doc, scratch, 0) + 1;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // bigger than the scratch buffer
    }
    if (end > 0) return run.appendBytes(scratch.subarray(0, end));
  }
  run.append(doc);
}

/** Heap let go by levels of one `$group` since its last GC hint (shared down the recursion). */
interface Released {
  bytes: number;
}

/**
 * A spilled group's partition hash of its key (FNV-1a, then murmur3's finaliser: a product carries low
 * bits up only, so without it `% PARTITIONS` saw the low 4 bits of each character alone, and keys that
 * differ only above them — ObjectId keys' 12-bit characters — shared a partition at every seed).
 */
function hashKey(k: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Stored input of a `$group` whose accumulators keep whole documents (group_root.ts): the fields a
 * stored document is decoded to, and the marker its bytes are set on while it is folded.
 */
interface StoredRoots {
  readonly fields: ReadonlySet<string>;
  readonly cur: CurrentRoot;
  /** The key's field name when it is all that is read (`RootGroupPlan.keyName`). */
  readonly keyName: Uint8Array | undefined;
}

/** The document non-root accumulators are evaluated on when nothing of it is read (constants). */
const NOTHING_READ: Document = Object.freeze({}) as Document;

/** A held group's partial state as a spilled `$group` writes it: its `_id` and each `AccState.save()`. */
interface SavedGroup {
  readonly i: unknown;
  readonly s: unknown[];
}

/**
 * Groups `input` by `keyOf` and folds the accumulators; yields `{_id, …fields}`.
 *
 * Memory: the keys, a fixed cost per group and the values given to collecting accumulators count
 * against the budget (memory.ts). Past it, when every accumulator can write its state out
 * (`AccState.save`), `$group` writes the held groups' partial states to 16 runs by a hash of the key,
 * drops them, and writes every later document to one of 16 more runs by the same hash (grace hash
 * aggregation, holding nothing for the rest of the input: the held groups were the 2 GB bench's peak
 * while WiredTiger's page reads grew the C heap). Each partition then restores its states and folds
 * its documents on top, in input order, so `$first`, `$push`, compensated sums and friends see what
 * they would have in memory (no merge of partial states). An accumulator without `save`
 * (`$accumulator`, `$top`…) keeps the held groups instead, folding their documents, and writes only
 * the documents of other groups. Either way each partition is grouped the same way (re-partitioned
 * with another hash seed if it is still too big). Without a spill store or with a collation (keys
 * compared, not hashed) the budget is a 292 error.
 */
export function* groupDocuments(
  input: Iterable<Document>,
  keyOf: (doc: Document) => unknown,
  accs: readonly AccSpec[],
  ctx: StageContext,
  seed = 0,
  defer?: JsDeferral,
  released: Released = { bytes: 0 },
  saved?: Iterable<Document>,
  roots?: StoredRoots,
): Iterable<Document> {
  const vars = ctx.env.newVars();
  let groups = new Map<string, Group>();
  let list: Group[] = [];
  const strCmp = ctx.strCmp;
  const budget = budgetOf(ctx.options);
  const collecting = accs.map((a) => a.collects);
  const anyCollecting = collecting.includes(true);
  // the measured heap cost of a group (group_cost.ts), its key added per group
  const perGroup = GROUP_OVERHEAD + accs.reduce((n, a) => n + a.cost, 0);
  let held = 0;
  // (typed by assertion: `spill()` assigns them, which control flow analysis does not see)
  let runs = undefined as SpillRun[] | undefined;
  // the held groups' partial states, once written out (then `runs` get every later document)
  let stateRuns = undefined as SpillRun[] | undefined;
  const newRuns = () => {
    const store = budget.spill!;
    return Array.from({ length: PARTITIONS }, () => store.newRun(PARTITION_WRITE_BUFFER));
  };
  const spill = () => {
    if (!budget.spill || strCmp) throw groupMemoryError();
    runs = newRuns();
    budget.spilled();
    // (one group alone is kept: a partition holding it would write it out again, level after level)
    const first = groups.values().next().value;
    if (defer || groups.size < 2 || !first || !first.accs.every((st) => st.save)) return;
    if (anyCollecting) {
      // a state record is one BSON document (npm:bson serialises at most 17 MB): a group that
      // collected more than MAX_SAVED_BYTES stays held, and so do the others
      for (const g of groups.values()) {
        let bytes = 0;
        for (let i = 0; i < accs.length; i++) {
          if (collecting[i]) bytes += approxValueSize((g.accs[i] as AccState).save!());
        }
        if (bytes > MAX_SAVED_BYTES) return;
      }
    }
    // write the held groups out and drop them: this level holds nothing for the rest of its input
    stateRuns = newRuns();
    for (const [k, g] of groups) {
      const rec: SavedGroup = { i: g.id, s: g.accs.map((st) => st.save!()) };
      appendTo(stateRuns[hashKey(k, seed) % PARTITIONS] as SpillRun, rec as unknown as Document);
    }
    for (const r of stateRuns) r.finish?.();
    groups = new Map();
    budget.meter(-held);
    held = 0;
    released.bytes = 0;
    budget.heapReleased();
  };
  try {
    // a partition of a level that wrote its groups out: their states first, then its documents
    for (const rec of saved ?? []) {
      const { i: id, s: states } = rec as unknown as SavedGroup;
      const k = valueKey(id);
      if (stateRuns) {
        appendTo(stateRuns[hashKey(k, seed) % PARTITIONS] as SpillRun, rec);
        continue;
      }
      const g: Group = { id, accs: accs.map((a) => a.make(id)) };
      let size = perGroup + approxValueSize(id) + groupKeyCost(k);
      for (let i = 0; i < accs.length; i++) {
        (g.accs[i] as AccState).load!(states[i]);
        if (collecting[i]) size += approxValueSize(states[i]);
      }
      groups.set(k, g);
      held += size;
      budget.meter(size);
      if (held > budget.limit && !runs) spill();
    }
    if (stateRuns) { for (const r of stateRuns) r.finish?.(); }
    for (let doc of input) {
      if (doc === PAUSE) {
        yield doc;
        continue;
      }
      // a stored document (group_root.ts): the fields read decoded, its bytes for the root accumulators
      let raw: Document | undefined;
      if (roots) {
        if (isStoredDoc(doc)) {
          raw = doc;
          roots.cur.bytes = doc;
          // the key read from the bytes: a group already held folds the document without decoding
          // (only the key is read, and nothing is collected: the accumulators add constants or it)
          if (roots.keyName !== undefined && !strCmp && !stateRuns && !anyCollecting) {
            const k = storedFieldKey(doc, roots.keyName);
            const g = k === undefined ? undefined : groups.get(k);
            if (g !== undefined) {
              vars.root = NOTHING_READ;
              for (let i = 0; i < accs.length; i++) {
                (g.accs[i] as AccState).add((accs[i] as AccSpec).arg(NOTHING_READ, vars));
              }
              continue;
            }
          }
          doc = decodeFields(doc, roots.fields, true);
        } else roots.cur.bytes = undefined;
      }
      vars.root = doc;
      let id: unknown;
      let args: unknown[] | undefined;
      if (defer) {
        // server-side JavaScript in the key or arguments: evaluated in rounds (js_defer.ts), then folded
        const r = yield* deferJs(defer, () => {
          vars.root = doc;
          return { id: keyOf(doc), args: accs.map((a) => a.arg(doc, vars)) };
        });
        id = r.id;
        args = r.args;
      } else id = keyOf(doc);
      if (id === undefined) id = null;
      if (stateRuns) {
        appendTo(runs![hashKey(valueKey(id), seed) % PARTITIONS] as SpillRun, raw ?? doc);
        continue;
      }
      let g: Group | undefined;
      if (strCmp) g = list.find((x) => valuesEqual(x.id, id, strCmp));
      else {
        const k = valueKey(id);
        g = groups.get(k);
        if (!g) {
          if (runs) {
            appendTo(runs[hashKey(k, seed) % PARTITIONS] as SpillRun, raw ?? doc);
            continue;
          }
          g = { id, accs: accs.map((a) => a.make(id)) };
          groups.set(k, g);
          const size = perGroup + approxValueSize(id) + groupKeyCost(k);
          held += size;
          budget.meter(size);
        }
      }
      if (!g) {
        g = { id, accs: accs.map((a) => a.make(id)) };
        list.push(g);
        const size = perGroup + approxValueSize(id);
        held += size;
        budget.meter(size);
      }
      for (let i = 0; i < accs.length; i++) {
        const v = args ? args[i] : (accs[i] as AccSpec).arg(doc, vars);
        if (anyCollecting && collecting[i] && v !== undefined) {
          const size = approxValueSize(v);
          held += size;
          budget.meter(size);
        }
        (g.accs[i] as AccState).add(v);
      }
      if (defer) {
        // an $accumulator whose queue passed its bound folds it now, awaited
        for (const st of g.accs) if (st.settle) yield* deferJs(defer, () => st.settle!());
      }
      if (held > budget.limit && !runs) spill();
    }
    const out = strCmp ? list : [...groups.values()];
    groups = new Map();
    list = [];
    for (const g of out) {
      const result = () => {
        const doc: Document = { _id: g.id };
        for (let i = 0; i < accs.length; i++) {
          doc[(accs[i] as AccSpec).field] = (g.accs[i] as AccState).result();
        }
        return doc;
      };
      // `$accumulator`'s init/accumulate/finalize calls happen here: in rounds when they may
      yield defer ? yield* deferJs(defer, result) : result();
    }
    out.length = 0;
    // The held groups are garbage now. A level that spilled held the budget's worth: collected before
    // the partitions' groups pile up on them (V8 lets the heap grow to ~4x what it last found live);
    // a partition's groups, once the partitions grouped since the last hint have let go of half the
    // budget (each partition's are garbage before the next is read).
    // (A level that wrote its groups out asked when it dropped them.)
    released.bytes += held;
    if (
      (runs && !stateRuns) || (seed > 0 && released.bytes >= budget.limit * RELEASED_HINT_FRACTION)
    ) {
      released.bytes = 0;
      budget.heapReleased();
    }
    for (let p = 0; p < (runs?.length ?? 0); p++) {
      const states = stateRuns?.[p]?.read();
      yield* groupDocuments(runs![p]!.read(), keyOf, accs, ctx, seed + 1, defer, released, states, roots);
    }
    // the last partitions' groups: not left to V8 after the operation (the heap stays at its peak)
    if (runs && seed === 0 && released.bytes > 0) {
      released.bytes = 0;
      budget.heapReleased();
    }
  } finally {
    budget.meter(-held);
    for (const run of runs ?? []) run.discard();
    for (const run of stateRuns ?? []) run.discard();
  }
}

/** Compiles `$group`. */
export function compileGroup(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.GroupOrFacetSpecNotObject,
      "a group's fields must be specified in an object",
    );
  }
  if (!Object.hasOwn(spec, "_id")) {
    throw new CommandError(Location.GroupMissingId, "a group specification must include an _id");
  }
  const idEv = ctx.env.compile(spec["_id"]);
  const accs = parseAccumulators(spec, ctx, "_id");
  const defer = jsDeferralFor(ctx, spec);
  const plan = defer ? undefined : rootGroupPlan(spec);
  return {
    name,
    pauses: true,
    ...(plan ? { storedInput: true } : {}),
    run(input) {
      const vars = ctx.env.newVars();
      const cur = plan ? new CurrentRoot() : undefined;
      return groupDocuments(
        input,
        (doc) => {
          vars.root = doc;
          return idEv(doc, vars);
        },
        plan ? rootAccumulators(accs, plan, cur!, spec, ctx) : accs,
        ctx,
        0,
        defer,
        undefined,
        undefined,
        plan ? { fields: plan.fields, cur: cur!, keyName: plan.keyName } : undefined,
      );
    },
  };
}

/**
 * `accs` with the root accumulators of `plan` fed the `CurrentRoot` marker while a stored document is
 * folded (their states copy the bytes they keep, group_root.ts); the others as they are.
 */
function rootAccumulators(
  accs: readonly AccSpec[],
  plan: RootGroupPlan,
  cur: CurrentRoot,
  spec: Document,
  ctx: StageContext,
): AccSpec[] {
  return accs.map((a): AccSpec => {
    const op = plan.roots.get(a.field);
    if (op === "$first" || op === "$last") {
      const arg: Evaluator = (doc, vars) => cur.bytes !== undefined ? cur : a.arg(doc, vars);
      return { ...a, arg, make: op === "$first" ? firstRootState : lastRootState };
    }
    if (op === "$top" || op === "$bottom") {
      const parts = parseSortSpec(((spec[a.field] as Document)[op] as Document)["sortBy"]);
      const arg: Evaluator = (doc, vars) => {
        const r = a.arg(doc, vars) as { key: unknown[]; out: unknown };
        return cur.bytes !== undefined ? { key: r.key, out: cur } : r;
      };
      return { ...a, arg, make: () => topBottomState(op, 1, parts, ctx.strCmp, ROOT_KEEP) };
    }
    return a;
  });
}
