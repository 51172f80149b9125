/**
 * partial_filter_loader.ts — `compilePartialFilter` (partial_filter.ts) loaded on demand for the
 * server's own writers (the composition root passes `compileLoadedPartialFilter` to the FCV document,
 * capped eviction, the auth store, the TTL sweeper and text index upgrades). partial_filter.ts pulls in
 * the whole query matcher (~50 modules: ~45 ms of CPU of every process start, issue 18), and a server
 * whose collections have no partial index never calls it before its first command.
 *
 * The rule that keeps it loaded whenever it can be needed: the server loads it at start when any index
 * has a `partialFilterExpression`, and dispatch awaits `loadPartialFilterCompiler()` before any command
 * outside the handshake (the only way to create a partial index later). Used before that, it throws.
 */
import type { Document } from "../../bson/document.ts";

type Compiler = (filter: Document) => (doc: Document) => boolean;

let compiler: Compiler | undefined;
let loading: Promise<void> | undefined;

/** Imports partial_filter.ts (once; later calls return the same promise). */
export function loadPartialFilterCompiler(): Promise<void> {
  return loading ??= import("./partial_filter.ts").then((m) => {
    compiler = m.compilePartialFilter;
  });
}

/** Whether `loadPartialFilterCompiler` has finished. */
export function partialFilterCompilerLoaded(): boolean {
  return compiler !== undefined;
}

/** `compilePartialFilter`, once loaded; throws before that (a broken load rule, never a user's error). */
export function compileLoadedPartialFilter(filter: Document): (doc: Document) => boolean {
  if (compiler === undefined) {
    throw new Error("partial filter compiler used before loadPartialFilterCompiler() finished");
  }
  return compiler(filter);
}
