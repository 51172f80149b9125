import assert from "node:assert/strict";
import { startWarmUp } from "./warm_up.ts";
import { commandNames, lookupCommand } from "./registry.ts";
import { textLanguagesLoaded } from "../keys/text_language.ts";
import { partialFilterCompilerLoaded } from "../engine/query/partial_filter_loader.ts";

Deno.test("a warm-up stopped before its delay loads nothing and leaves no timer", async () => {
  const w = startWarmUp(60_000);
  await w.stop();
  await w.stop(); // idempotent
  assert.equal(lookupCommand("find"), undefined);
});

Deno.test("the warm-up loads every command (the nested ones too) and the deferred engines", async () => {
  assert.equal(lookupCommand("find"), undefined, "nothing loaded before");
  const w = startWarmUp(0);
  const done = () =>
    commandNames().every((n) => lookupCommand(n) !== undefined) && partialFilterCompilerLoaded();
  const until = Date.now() + 60_000;
  while (Date.now() < until && !done()) await new Promise((r) => setTimeout(r, 20));
  await w.stop();
  for (const n of commandNames()) assert.ok(lookupCommand(n) !== undefined, n);
  assert.ok(textLanguagesLoaded());
  assert.ok(partialFilterCompilerLoaded());
});
