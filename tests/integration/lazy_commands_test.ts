/**
 * Through the real Node driver, against a fresh server process: command modules load on their first
 * call (src/commands/registry.ts), and nothing a client sees changes — an unknown command is still 59
 * CommandNotFound, explain as the very first command finds its inner command, first calls of one
 * command on several connections at once all succeed, and listCommands lists every registered command
 * with its help.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { spawnServer } from "./helpers/server_process.ts";
import { loadAllCommands } from "../../src/commands/registry.ts";

Deno.test({
  name: "lazily loaded commands: first calls, explain first, unknown command, listCommands",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // no background warm-up: every command here is loaded by its first call
    const server = await spawnServer({ args: ["--no-warm-up"] });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("lazy");
      await assert.rejects(
        () => db.command({ noSuchCommand: 1 }),
        (e: unknown) =>
          e instanceof MongoServerError && e.code === 59 && e.codeName === "CommandNotFound" &&
          e.message === "no such command: 'noSuchCommand'",
      );
      // explain before any find ran: its parse looks the inner command up synchronously
      const plan = await db.command({ explain: { find: "c", filter: { a: 1 } }, verbosity: "queryPlanner" });
      assert.equal(plan["ok"], 1);
      assert.equal(plan["queryPlanner"]["namespace"], "lazy.c");
      // first calls of one command on several connections at once share one load
      const inserted = await Promise.all(
        [0, 1, 2, 3, 4].map((i) => db.command({ insert: `c${i}`, documents: [{ _id: i, a: i }] })),
      );
      for (const r of inserted) assert.equal(r["n"], 1);
      assert.deepEqual(await db.collection("c3").find({ a: 3 }).toArray(), [{ _id: 3, a: 3 }]);
      await assert.rejects(
        () => db.command({ explain: { noSuchCommand: "c" } }),
        (e: unknown) => e instanceof MongoServerError && e.code === 59,
      );

      const listed = (await db.admin().command({ listCommands: 1 }))["commands"];
      for (const spec of await loadAllCommands()) {
        // test-only commands are listed because spawnServer enables test commands
        assert.equal(listed[spec.name]?.help, spec.help, `listCommands lists ${spec.name} with its help`);
      }
      assert.equal(Object.keys(listed).length, (await loadAllCommands()).length);
    } finally {
      await client.close();
      assert.equal(await server.stop(), 0, server.output());
    }
  },
});
