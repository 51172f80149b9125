/**
 * lookup_unwind.ts — mongod's coalescing of a `$lookup` with the `$unwind` of its `as` field right after
 * it, and of a `$match` after both on fields under `as`: the `$lookup` takes the `$unwind` (explain shows
 * it as the lookup's `unwinding`, and no `$unwind` stage) and the conjuncts that read only fields of the
 * joined document (`{"j.team": 1}`) as a filter on the foreign documents (`matching: {team: 1}`), so a
 * joined document that fails them is dropped before it is put in an output document, and the joined
 * array of an outer document is never an output of its own (mongod builds none: its 16 MiB document
 * limit does not apply to a lookup that unwinds).
 *
 * The answer is the same: the lookup then yields what the `$unwind` made of its document
 * (`preserveNullAndEmptyArrays` and `includeArrayIndex` as written), and after the unwinding each
 * document's `as` is one joined document, which a path under `as` reads as the same path on it. As
 * mongod, the `$match` is taken only when the `$unwind` neither preserves empty joins nor adds an index
 * (a preserved document has no joined document to test; a dropped one would shift the indexes). The
 * rewritten `$lookup` carries the stages it took under `ABSORBED` (a symbol: no user spec has it, so a
 * user's `unwinding` or `matching` argument is still refused). PURE.
 */
import { isObj } from "../expression/compile.ts";
import { stageEntry } from "./stage_entry.ts";
import type { Document } from "./types.ts";

/** What a rewritten `$lookup` spec took: the `$unwind` spec and the `$match` filter as written. */
export type Absorbed = { unwind: Document; match: Document | undefined };

/** The key under which a rewritten `$lookup` spec holds what it took. */
export const ABSORBED: unique symbol = Symbol("$lookup absorbed");

/** `stages` with each `$lookup` + `$unwind` of its `as` (+ `$match` under `as`) coalesced; the same array when none is. */
export function absorbIntoLookups(stages: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i + 1 < (out ?? stages).length; i++) {
    const list = out ?? stages;
    const [name, spec] = stageEntry(list[i]);
    if (name !== "$lookup" || !isObj(spec) || typeof spec["as"] !== "string" || ABSORBED in spec) continue;
    const as = spec["as"];
    const unwind = unwindOf(list[i + 1], as);
    if (unwind === undefined) continue;
    const taken = 2;
    let matchTaken: Document | undefined;
    let matchKept: Document | undefined;
    let matching: Document | undefined;
    if (
      !unwind.preserveNullAndEmptyArrays && unwind.includeArrayIndex === undefined && !as.includes(".") &&
      i + 2 < list.length
    ) {
      const [nextName, nextSpec] = stageEntry(list[i + 2]);
      if (nextName === "$match" && isObj(nextSpec)) {
        const split = underAs(nextSpec, as);
        if (split !== undefined) ({ taken: matchTaken, kept: matchKept, matching } = split);
      }
    }
    const rewritten: Record<string | symbol, unknown> = {
      ...spec,
      unwinding: {
        preserveNullAndEmptyArrays: unwind.preserveNullAndEmptyArrays,
        ...(unwind.includeArrayIndex !== undefined ? { includeArrayIndex: unwind.includeArrayIndex } : {}),
      },
      ...(matching !== undefined ? { matching } : {}),
    };
    rewritten[ABSORBED] = { unwind: unwind.spec, match: matchTaken } satisfies Absorbed;
    out ??= [...stages];
    const replaced = matchTaken === undefined ? taken : taken + 1;
    out.splice(
      i,
      replaced,
      { $lookup: rewritten },
      ...(matchKept !== undefined ? [{ $match: matchKept }] : []),
    );
  }
  return out ?? stages;
}

/** The `$unwind` stage's options when it unwinds exactly `as`, else undefined. */
function unwindOf(
  stage: unknown,
  as: string,
):
  | { spec: Document; preserveNullAndEmptyArrays: boolean; includeArrayIndex: string | undefined }
  | undefined {
  const [name, spec] = stageEntry(stage);
  if (name !== "$unwind") return undefined;
  if (spec === "$" + as) {
    return { spec: { path: spec }, preserveNullAndEmptyArrays: false, includeArrayIndex: undefined };
  }
  if (!isObj(spec) || spec["path"] !== "$" + as) return undefined;
  const preserve = spec["preserveNullAndEmptyArrays"];
  const index = spec["includeArrayIndex"];
  return {
    spec,
    preserveNullAndEmptyArrays: preserve === true,
    includeArrayIndex: typeof index === "string" ? index : undefined,
  };
}

/**
 * The filter's top-level conjuncts on a path under `as` (`taken`, as written; `matching`, the same on
 * the joined document) and the rest (`kept`), or undefined when none is under `as`.
 */
function underAs(
  filter: Document,
  as: string,
): { taken: Document; kept: Document | undefined; matching: Document } | undefined {
  const taken: Document = {};
  const matching: Document = {};
  const kept: Document = {};
  for (const [k, v] of Object.entries(filter)) {
    if (
      k.startsWith(as + ".") && k.length > as.length + 1 && !(JSON.stringify(v) ?? "").includes('"$meta"')
    ) {
      taken[k] = v;
      matching[k.slice(as.length + 1)] = v;
    } else kept[k] = v;
  }
  if (Object.keys(taken).length === 0) return undefined;
  return { taken, matching, kept: Object.keys(kept).length === 0 ? undefined : kept };
}
