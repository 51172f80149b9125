import assert from "node:assert/strict";
import { loadAllCommands, lookupCommand } from "../registry.ts";
import { requiredPrivileges } from "./required_privileges.ts";
import { isActionType } from "../../auth/action_types.ts";

const COMMANDS = await loadAllCommands();

Deno.test("registry walk: every command needing authorization yields checks with real action types", () => {
  for (const spec of COMMANDS) {
    const body = { [spec.name]: "c", $db: "test" };
    const checks = requiredPrivileges(spec, body, "test", lookupCommand);
    if (spec.auth === "none") {
      assert.deepEqual(checks, [], `${spec.name} runs before authentication`);
      continue;
    }
    assert.ok(checks.length > 0, `${spec.name} needs at least a logged-in user`);
    for (const c of checks) {
      // configureFailPoint is a test-only command: any logged-in user (rbac.ts).
      const known = c.action === "authenticated" || c.action === "configureFailPoint" ||
        isActionType(c.action);
      assert.ok(known, `${spec.name}: ${c.action}`);
    }
  }
});

Deno.test("aggregate checks every namespace its pipeline reads or writes", () => {
  const spec = lookupCommand("aggregate")!;
  const checks = requiredPrivileges(
    spec,
    {
      aggregate: "a",
      pipeline: [
        { $lookup: { from: "b", as: "x", pipeline: [{ $unionWith: { coll: "c", pipeline: [] } }] } },
        { $graphLookup: { from: "d" } },
        { $facet: { f: [{ $lookup: { from: "e", as: "y" } }] } },
        { $merge: { into: { db: "other", coll: "m" } } },
      ],
    },
    "test",
    lookupCommand,
  );
  const seen = checks.map((c) =>
    `${c.action}@${c.target.kind === "collection" ? `${c.target.db}.${c.target.collection}` : c.target.kind}`
  );
  for (
    const want of [
      "find@test.a",
      "find@test.b",
      "find@test.c",
      "find@test.d",
      "find@test.e",
      "insert@other.m",
      "update@other.m",
    ]
  ) {
    assert.ok(seen.includes(want), `${want} in ${seen.join(", ")}`);
  }
  const out = requiredPrivileges(spec, { aggregate: "a", pipeline: [{ $out: "o" }] }, "test", lookupCommand);
  assert.ok(
    out.some((c) => c.action === "remove" && c.target.kind === "collection" && c.target.collection === "o"),
  );
});

Deno.test("explain checks its inner command; createUser needs grantRole on each role's database", () => {
  const ex = requiredPrivileges(
    lookupCommand("explain")!,
    { explain: { update: "u", updates: [{ q: {}, u: {}, upsert: true }] } },
    "test",
    lookupCommand,
  );
  assert.deepEqual(ex.map((c) => c.action).sort(), ["insert", "update"]);
  const cu = requiredPrivileges(
    lookupCommand("createUser")!,
    {
      createUser: "u",
      roles: ["read", { role: "readWrite", db: "other" }],
    },
    "test",
    lookupCommand,
  );
  assert.deepEqual(
    cu.map((c) => `${c.action}@${c.target.kind === "database" ? c.target.db : c.target.kind}`).sort(),
    ["createUser@test", "grantRole@other", "grantRole@test"],
  );
});

Deno.test("cloneCollectionAsCapped reads the source and writes the target; convertToCapped needs its action", () => {
  const where = (name: string, body: Record<string, unknown>) =>
    requiredPrivileges(lookupCommand(name)!, body, "test", lookupCommand).map((c) =>
      `${c.action}@${c.target.kind === "collection" ? c.target.collection : c.target.kind}`
    ).sort();
  assert.deepEqual(
    where("cloneCollectionAsCapped", { cloneCollectionAsCapped: "a", toCollection: "b", size: 1 }),
    [
      "convertToCapped@b",
      "createIndex@b",
      "find@a",
      "insert@b",
    ],
  );
  assert.deepEqual(where("convertToCapped", { convertToCapped: "a", size: 1 }), ["convertToCapped@a"]);
});

Deno.test("docs/security.md lists every command with its privileges", async () => {
  const doc = await Deno.readTextFile(new URL("../../../docs/security.md", import.meta.url));
  const rows = new Set([...doc.matchAll(/^\| ([A-Za-z0-9.$_]+)/gm)].map((m) => m[1]));
  const missing = COMMANDS.map((c) => c.name).filter((n) => !rows.has(n));
  assert.deepEqual(missing, [], "add a row to the command table in docs/security.md");
});

Deno.test("a write asking to bypass document validation also needs bypassDocumentValidation on its collection", () => {
  const actions = (name: string, body: Record<string, unknown>) =>
    requiredPrivileges(lookupCommand(name)!, body, "d", lookupCommand).map((c) =>
      `${c.action}@${JSON.stringify(c.target)}`
    );
  for (const name of ["insert", "update", "delete", "findAndModify"]) {
    const plain = actions(name, { [name]: "c" });
    const bypass = actions(name, { [name]: "c", bypassDocumentValidation: true });
    assert.equal(bypass.length, plain.length + 1, name);
    assert.match(bypass.at(-1)!, /^bypassDocumentValidation@.*"c"/, name);
    assert.deepEqual(actions(name, { [name]: "c", bypassDocumentValidation: false }), plain, name);
  }
});
