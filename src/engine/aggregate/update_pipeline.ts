/**
 * update_pipeline.ts — pipeline-style updates (`update: [{$set: …}, {$unset: …}]`): only
 * `$addFields $set $project $unset $replaceRoot $replaceWith` may appear (others: 72 InvalidOptions
 * "$x is not allowed to be used within an update", after the usual stage parsing). The pipeline runs
 * over the one document; a dropped `_id` is restored from the original, a changed one fails with 66
 * ImmutableField. `$$NOW` is the update's clock: the pipeline is recompiled when it changes.
 */
import { CommandError } from "../../errors/command_error.ts";
import { compileStages, makeStageContext, stageEntry } from "./pipeline.ts";
import type { Document, Stage } from "./types.ts";
import type { JsHost } from "../expression/types.ts";

const ALLOWED = new Set(["$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"]);

export interface UpdatePipeline {
  /** Runs the pipeline on one document (which it does not mutate). */
  apply(doc: Document, now: Date): Document;
}

export interface UpdatePipelineOptions {
  /** The command's `let` variables. */
  variables?: Record<string, unknown> | undefined;
  /** The collation of the update. */
  collation?: unknown;
  /**
   * Server-side JavaScript for `$function`. The stages never pause for it (they have no async
   * consumer): a caller that awaits calls runs `apply` inside a deferral round of its own.
   */
  js?: JsHost | undefined;
}

/** Validates and compiles an update pipeline. */
export function compileUpdatePipeline(stages: unknown[], opts: UpdatePipelineOptions = {}): UpdatePipeline {
  const host = opts.js;
  // the host without its deferral: the stages call it directly (a round, if any, is the caller's)
  const js: JsHost | undefined = host && { enabled: host.enabled, call: (fn, args) => host.call(fn, args) };
  const compile = (now: Date) => compileStages(stages, makeStageContext({ ...opts, js, now }));
  let compiled = compile(new Date(0));
  for (const s of stages) {
    const [name] = stageEntry(s);
    if (!ALLOWED.has(name)) {
      throw new CommandError("InvalidOptions", `${name} is not allowed to be used within an update`);
    }
  }
  let compiledAt = 0;
  return {
    apply(doc, now) {
      if (now.getTime() !== compiledAt) {
        compiled = compile(now);
        compiledAt = now.getTime();
      }
      let it: Iterable<Document> = [doc];
      for (const st of compiled as Stage[]) it = st.run(it);
      const out = [...it][0] ?? {};
      if (!Object.hasOwn(doc, "_id")) return out;
      if (!Object.hasOwn(out, "_id")) return { _id: doc["_id"], ...out };
      return out;
    },
  };
}
