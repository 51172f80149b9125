/**
 * stages_misc.ts — `$facet` (sub-pipelines over the same materialised input, one output document),
 * `$sample` (uniform sample with the injected randomness, a reservoir of `size` documents) and `$redact` (`$$DESCEND`, `$$PRUNE`,
 * `$$KEEP` evaluated at every embedded document level).
 */
import { PAUSE, runStages, withPauses } from "./pause.ts";
import { evaluated, jsDeferralFor } from "./js_defer.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isObj } from "../expression/compile.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { typeName } from "../expression/coerce.ts";
import { stageEntry } from "./stage_entry.ts";
import { isStoredDoc, storedItem } from "./stored_doc.ts";
import { decodeDocument, decodeDocumentCopy } from "../../bson/decode.ts";
import { PackedDocs } from "./packed_docs.ts";
import { pipelineDependencies } from "./dependencies.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import type { Document, Stage, StageContext } from "./types.ts";

const NOT_IN_FACET = new Set([
  "$facet",
  "$out",
  "$merge",
  "$indexStats",
  "$collStats",
  "$geoNear",
  "$changeStream",
  "$documents",
]);

/** Documents between two pause markers when a $facet replays its input. */
const PAUSE_EVERY = 1024;

export function compileFacet(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.GroupOrFacetSpecNotObject,
      "the $facet specification must be a non-empty object",
    );
  }
  const facets: [string, Stage[]][] = [];
  /** What each facet's pipeline reads of its input (dependencies.ts), null: whole documents. */
  const reads: (Set<string> | null)[] = [];
  for (const [field, stages] of Object.entries(spec)) {
    if (field === "" || field.startsWith("$") || field.includes(".")) {
      throw new CommandError(Location.InvalidFieldPath, `invalid $facet output field name: '${field}'`);
    }
    if (!Array.isArray(stages)) {
      throw new CommandError(
        Location.FacetPipelineNotArray,
        `arguments to $facet must be arrays, ${field} is type ${typeName(stages)}`,
      );
    }
    if (stages.length === 0) {
      throw new CommandError(
        Location.FacetPipelineEmpty,
        `sub-pipeline in $facet stage cannot be empty: ${field}`,
      );
    }
    for (const s of stages) {
      const [n] = stageEntry(s);
      if (NOT_IN_FACET.has(n)) {
        throw new CommandError(
          Location.FacetStageNotAllowed,
          `${n} is not allowed to be used within a $facet stage`,
        );
      }
    }
    facets.push([field, ctx.subPipeline(stages)]);
    reads.push(pipelineDependencies(stages));
  }
  if (facets.length === 0) {
    throw new CommandError(Location.FacetSpecEmpty, "the $facet specification must be a non-empty object");
  }
  /** Per facet: how many of its first stages take stored documents (read them or pass them on). */
  const storedPrefix = facets.map(([, stages]) => {
    let k = 0;
    while (k < stages.length && (stages[k]!.storedInput || stages[k]!.passesStored)) k++;
    return k;
  });
  /** Facets whose first stage reads decoded documents: the input decoded once for all of them. */
  const decodedFacets = storedPrefix.filter((k) => k === 0).length;
  /** The fields those facets read, all of them (a `$group`'s key and inputs…); null: whole documents. */
  let decodedReads: Set<string> | null = new Set<string>();
  for (const [j, k] of storedPrefix.entries()) {
    if (k !== 0) continue;
    const r = reads[j]!;
    if (r === null || decodedReads === null) decodedReads = null;
    else for (const f of r) decodedReads.add(f);
  }
  const fields = decodedReads;
  /** A stored document as those facets read it (own values: the bytes are the facet's packed ones). */
  const decodeForReaders = (d: Document): Document =>
    !isStoredDoc(d) ? d : fields === null ? decodeDocumentCopy(d) : decodeFields(d, fields, true);
  return {
    name,
    pauses: true,
    storedInput: true,
    *run(input) {
      // pause-aware (docs/concurrency.md): markers pass while reading, and each sub-pipeline replays the
      // buffered input with a marker every PAUSE_EVERY documents, so maxTimeMS stops a long $facet.
      // Stored input documents are kept as their bytes, packed: a sub-pipeline gets them as they are up
      // to its first stage that needs decoded documents ($skip, $limit and $count do not, a $sort
      // decodes its keys alone), so a page of a large match decodes the page, not every match.
      const packed = new PackedDocs();
      try {
        /** Decoded input documents, or packed stored ones' handles. */
        const held: (Document | number)[] = [];
        let pausing = false;
        let stored = false;
        for (const d of input) {
          if (d === PAUSE) {
            pausing = true;
            yield d;
            continue;
          }
          if (isStoredDoc(d)) {
            stored = true;
            held.push(packed.addBytes(d));
          } else held.push(d);
        }
        const item = (h: Document | number): Document =>
          typeof h === "number" ? storedItem(packed.bytes(h)) : h;
        const docs = held.map(item);
        // (several facets reading decoded documents share one decode of each)
        const decoded = stored && decodedFacets > 1 ? docs.map(decodeForReaders) : undefined;
        const replay = (list: Document[]) => pausing ? withPauses(list, PAUSE_EVERY) : list;
        const out: Document = {};
        for (const [j, [field, stages]] of facets.entries()) {
          const results: Document[] = [];
          const k = storedPrefix[j]!;
          const it = !stored
            ? runStages(stages, replay(docs))
            : k === 0
            ? runStages(stages, decoded ? replay(decoded) : mapStream(replay(docs), decodeForReaders))
            : runStages(stages.slice(k), mapStream(runStages(stages.slice(0, k), replay(docs)), decodedItem));
          for (const d of it) {
            if (d === PAUSE) yield d;
            else results.push(decodedItem(d));
          }
          out[field] = results;
        }
        yield out;
      } finally {
        packed.release();
      }
    },
  };
}

/** A stored document decoded (its binary values copied: the bytes are the facet's packed ones). */
function decodedItem(d: Document): Document {
  return isStoredDoc(d) ? decodeDocumentCopy(d) : d;
}

/** The stream with `f` applied to each document (pause markers pass). */
function* mapStream(input: Iterable<Document>, f: (d: Document) => Document): Iterable<Document> {
  for (const d of input) yield d === PAUSE ? d : f(d);
}

export function compileSample(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(Location.SampleSpecNotObject, "the $sample stage specification must be an object");
  }
  let size: number | undefined;
  for (const [k, v] of Object.entries(spec)) {
    if (k !== "size") {
      throw new CommandError(Location.SampleUnknownOption, `unrecognized option to $sample: ${k}`);
    }
    if (!numKind(v)) {
      throw new CommandError(Location.SampleSizeNotNumber, "size argument to $sample must be a number");
    }
    size = toDouble(v);
    if (size < 0) {
      throw new CommandError(Location.SampleSizeNegative, "size argument to $sample must not be negative");
    }
  }
  if (size === undefined) {
    throw new CommandError(Location.SampleMissingSize, "$sample stage must specify a size");
  }
  const n = Math.floor(size);
  const random = ctx.options.random ?? Math.random;
  /**
   * A reservoir of `n` documents (each input document is kept with probability n / seen, in place
   * of a random kept one: every subset of `n` equally likely), output in a random order: memory for
   * `n` documents, not the whole input. Stored input documents (the collection scan's bytes) are kept
   * as copies of their bytes and decoded only when output to a stage that reads them.
   */
  function* sample(input: Iterable<Document>, storedOutput: boolean): Iterable<Document> {
    const kept: Document[] = [];
    let seen = 0;
    for (const d of input) {
      if (d === PAUSE) {
        yield d;
        continue;
      }
      const at = seen < n ? seen : Math.floor(random() * (seen + 1));
      seen++;
      if (at >= n) continue;
      const item = isStoredDoc(d) ? storedItem(d.slice()) : d;
      if (at === kept.length) kept.push(item);
      else kept[at] = item;
    }
    for (let i = kept.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = kept[i] as Document;
      kept[i] = kept[j] as Document;
      kept[j] = t;
    }
    for (let i = 0; i < kept.length; i++) {
      const d = kept[i] as Document;
      kept[i] = EMPTY; // (each document goes with its output)
      yield isStoredDoc(d) && !storedOutput ? decodeDocument(d) : d;
    }
  }
  return {
    name,
    pauses: true,
    storedInput: true,
    run: (input) => sample(input, false),
    runStored: (input) => sample(input, true),
  };
}

const EMPTY: Document = {};

export function compileRedact(spec: unknown, ctx: StageContext, name: string): Stage {
  const ev = ctx.env.compile(spec);
  const defer = jsDeferralFor(ctx, spec);
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      const redact = (doc: Document): Document | undefined => {
        const r = ev(doc, vars);
        if (r === "prune") return undefined;
        if (r === "keep") return doc;
        if (r !== "descend") {
          throw new CommandError(
            Location.RedactBadResult,
            `$redact's expression should not return anything aside from the variables $$KEEP, $$DESCEND, and $$PRUNE, but returned ${
              String(r)
            }`,
          );
        }
        const out: Document = {};
        for (const [k, v] of Object.entries(doc)) {
          if (isObj(v)) {
            const sub = redact(v);
            if (sub) out[k] = sub;
          } else if (Array.isArray(v)) out[k] = redactArray(v);
          else out[k] = v;
        }
        return out;
      };
      const redactArray = (arr: unknown[]): unknown[] => {
        const out: unknown[] = [];
        for (const el of arr) {
          if (isObj(el)) {
            const sub = redact(el);
            if (sub) out.push(sub);
          } else if (Array.isArray(el)) out.push(redactArray(el));
          else out.push(el);
        }
        return out;
      };
      for (const d of input) {
        if (d === PAUSE) {
          yield d;
          continue;
        }
        const r = yield* evaluated(defer, () => {
          vars.root = d;
          return redact(d);
        });
        if (r) yield r;
      }
    },
  };
}
