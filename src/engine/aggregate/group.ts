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
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";

interface AccSpec {
  readonly field: string;
  readonly make: CompiledAccumulator["make"];
  readonly arg: Evaluator;
}

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
    out.push({ field, make, arg });
  }
  return out;
}

/** Groups `input` by `keyOf` and folds the accumulators; yields `{_id, …fields}`. */
export function* groupDocuments(
  input: Iterable<Document>,
  keyOf: (doc: Document) => unknown,
  accs: readonly AccSpec[],
  ctx: StageContext,
): Iterable<Document> {
  const vars = ctx.env.newVars();
  const groups = new Map<string, Group>();
  const list: Group[] = [];
  const strCmp = ctx.strCmp;
  for (const doc of input) {
    if (doc === PAUSE) {
      yield doc;
      continue;
    }
    vars.root = doc;
    let id = keyOf(doc);
    if (id === undefined) id = null;
    let g: Group | undefined;
    if (strCmp) g = list.find((x) => valuesEqual(x.id, id, strCmp));
    else {
      const k = valueKey(id);
      g = groups.get(k);
      if (!g) {
        g = { id, accs: accs.map((a) => a.make(id)) };
        groups.set(k, g);
      }
    }
    if (!g) {
      g = { id, accs: accs.map((a) => a.make(id)) };
      list.push(g);
    }
    for (let i = 0; i < accs.length; i++) {
      (g.accs[i] as AccState).add((accs[i] as AccSpec).arg(doc, vars));
    }
  }
  for (const g of strCmp ? list : groups.values()) {
    const out: Document = { _id: g.id };
    for (let i = 0; i < accs.length; i++) out[(accs[i] as AccSpec).field] = (g.accs[i] as AccState).result();
    yield out;
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
  return {
    name,
    pauses: true,
    run(input) {
      const vars = ctx.env.newVars();
      return groupDocuments(
        input,
        (doc) => {
          vars.root = doc;
          return idEv(doc, vars);
        },
        accs,
        ctx,
      );
    },
  };
}
