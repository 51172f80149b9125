import assert from "node:assert/strict";
import { startWarmUp } from "./warm_up.ts";
import { commandNames, lookupCommand } from "./registry.ts";
import { textLanguagesLoaded } from "../keys/text_language.ts";
import { partialFilterCompilerLoaded } from "../engine/query/partial_filter_loader.ts";

Deno.test("a warm-up stopped before its delay loads nothing and leaves no timer", async () => {
  const w = startWarmUp({ delayMs: 60_000 });
  await w.stop();
  await w.stop(); // idempotent
  assert.equal(lookupCommand("find"), undefined);
});

Deno.test("a warm-up waits for its gate before each step, and stops while it waits", async () => {
  let asked = 0;
  const w = startWarmUp({ delayMs: 0, whenQuiet: () => (asked++, new Promise<boolean>(() => {})) });
  const until = Date.now() + 5_000;
  while (asked === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  assert.equal(asked, 1, "the first step asked the gate");
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(asked, 1, "and waits for it");
  assert.equal(lookupCommand("find"), undefined, "nothing loaded meanwhile");
  await w.stop(); // returns although the gate never answers
  assert.equal(lookupCommand("find"), undefined);
});

Deno.test("the warm-up loads every command (the nested ones too) and the deferred engines", async () => {
  assert.equal(lookupCommand("find"), undefined, "nothing loaded before");
  let asked = 0;
  const w = startWarmUp({ delayMs: 0, whenQuiet: () => (asked++, Promise.resolve(true)) });
  const done = () =>
    commandNames().every((n) => lookupCommand(n) !== undefined) && partialFilterCompilerLoaded();
  const until = Date.now() + 60_000;
  while (Date.now() < until && !done()) await new Promise((r) => setTimeout(r, 20));
  await w.stop();
  for (const n of commandNames()) assert.ok(lookupCommand(n) !== undefined, n);
  assert.ok(asked > 2, `every step asked the gate (${asked})`);
  assert.ok(textLanguagesLoaded());
  assert.ok(partialFilterCompilerLoaded());
});
