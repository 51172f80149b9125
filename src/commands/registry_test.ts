import assert from "node:assert/strict";
import {
  commandNames,
  loadAllCommands,
  loadCommand,
  loadedCommands,
  lookupCommand,
  unloadedCommandModules,
} from "./registry.ts";
import { ACTIONS, isAction } from "../auth/actions.ts";

// Runs first (Deno runs a file's tests in order): nothing has loaded a command yet.
Deno.test("a command's module is loaded on its first lookup, not at import", async () => {
  assert.equal(lookupCommand("ping"), undefined);
  // the warm-up's batched fetch reads every loader's module (a second list would drift)
  const modules = unloadedCommandModules();
  assert.ok(modules.some((u) => u.endsWith("/handshake/ping.ts")), "ping's module listed");
  assert.ok(modules.length >= 60, `${modules.length} modules`);
  for (const u of modules) assert.ok(Deno.statSync(new URL(u)).isFile, u);
  assert.ok(commandNames().includes("ping"));
  const ping = await loadCommand("ping");
  assert.equal(ping?.name, "ping");
  assert.equal(lookupCommand("ping"), ping);
  assert.equal(lookupCommand("find"), undefined, "loading ping loads nothing else");
  assert.ok(!unloadedCommandModules().some((u) => u.endsWith("/handshake/ping.ts")), "a loaded one is not");
  assert.equal(await loadCommand("nosuchcommand"), undefined);
});

Deno.test("a command that looks others up loads them all before it is found", async () => {
  const [a, b] = await Promise.all([loadCommand("explain"), loadCommand("explain")]);
  assert.equal(a, b, "two first calls share one load");
  assert.ok(lookupCommand("find")?.explain, "explain's parse finds its inner command");
  assert.equal(loadedCommands().length, (await loadAllCommands()).length);
});

Deno.test("every registered command declares a known authorization action (fail-closed)", async () => {
  const commands = await loadAllCommands();
  assert.ok(commands.length > 30);
  for (const c of commands) {
    assert.ok(isAction(c.auth), `${c.name} declares ${String(c.auth)}`);
    assert.equal(typeof c.parse, "function", `${c.name} has a parse`);
    assert.equal(typeof c.run, "function", `${c.name} has a run`);
    assert.ok(c.help.length > 0, `${c.name} has help`);
  }
});

Deno.test("the registry's names are exactly the loaded specs' names and aliases", async () => {
  const declared = (await loadAllCommands()).flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  assert.deepEqual([...commandNames()].sort(), [...declared].sort());
  for (const n of declared) {
    assert.equal(
      lookupCommand(n),
      loadedCommands().find((c) => c.name === n || c.aliases?.includes(n)),
    );
  }
});

Deno.test("only the pre-authentication commands declare the action 'none'", async () => {
  const open = (await loadAllCommands()).filter((c) => c.auth === "none").map((c) => c.name).sort();
  const allowed = new Set([
    "authenticate",
    "buildInfo",
    "connectionStatus",
    "endSessions",
    "hello",
    "isMaster",
    "listCommands",
    "logout",
    "ping",
    "saslContinue",
    "saslStart",
    "whatsmyuri",
  ]);
  for (const name of open) assert.ok(allowed.has(name), `${name} runs before authentication`);
});

Deno.test("names and aliases resolve to one spec each", async () => {
  await loadAllCommands();
  assert.equal(lookupCommand("ismaster"), lookupCommand("isMaster"));
  assert.equal(lookupCommand("nosuchcommand"), undefined);
  assert.ok(ACTIONS.includes("none"));
});
