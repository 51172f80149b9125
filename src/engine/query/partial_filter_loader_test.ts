import assert from "node:assert/strict";
import {
  compileLoadedPartialFilter,
  loadPartialFilterCompiler,
  partialFilterCompilerLoaded,
} from "./partial_filter_loader.ts";

Deno.test("the partial filter compiler throws before it is loaded, then compiles filters", async () => {
  assert.equal(partialFilterCompilerLoaded(), false);
  assert.throws(() => compileLoadedPartialFilter({ a: 1 }), /before loadPartialFilterCompiler/);
  await Promise.all([loadPartialFilterCompiler(), loadPartialFilterCompiler()]);
  assert.equal(partialFilterCompilerLoaded(), true);
  const matches = compileLoadedPartialFilter({ kind: "temp", n: { $gt: 1 } });
  assert.equal(matches({ kind: "temp", n: 2 }), true);
  assert.equal(matches({ kind: "keep", n: 2 }), false);
});
