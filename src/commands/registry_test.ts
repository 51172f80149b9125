import assert from "node:assert/strict";
import { COMMANDS, lookupCommand } from "./registry.ts";
import { ACTIONS, isAction } from "../auth/actions.ts";

Deno.test("every registered command declares a known authorization action (fail-closed)", () => {
  assert.ok(COMMANDS.length > 30);
  for (const c of COMMANDS) {
    assert.ok(isAction(c.auth), `${c.name} declares ${String(c.auth)}`);
    assert.equal(typeof c.parse, "function", `${c.name} has a parse`);
    assert.equal(typeof c.run, "function", `${c.name} has a run`);
  }
});

Deno.test("only the pre-authentication commands declare the action 'none'", () => {
  const open = COMMANDS.filter((c) => c.auth === "none").map((c) => c.name).sort();
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

Deno.test("names and aliases resolve to one spec each", () => {
  assert.equal(lookupCommand("ismaster"), lookupCommand("isMaster"));
  assert.equal(lookupCommand("nosuchcommand"), undefined);
  assert.ok(ACTIONS.includes("none"));
});
