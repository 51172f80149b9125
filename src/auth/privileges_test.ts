import assert from "node:assert/strict";
import { allows, hasAnyPrivilegeIn, matches, mergePrivileges, type Privilege } from "./privileges.ts";
import { builtinRole, builtinRoleNames } from "./builtin_roles.ts";

const coll = (db: string, collection: string) => ({ kind: "collection" as const, db, collection });

Deno.test("resource matching: database wildcards skip system collections; cluster is separate", () => {
  assert.ok(matches({ db: "a", collection: "" }, coll("a", "x")));
  assert.ok(!matches({ db: "a", collection: "" }, coll("a", "system.users")));
  assert.ok(!matches({ db: "a", collection: "" }, coll("b", "x")));
  assert.ok(matches({ db: "", collection: "" }, { kind: "database", db: "q" }));
  assert.ok(matches({ db: "", collection: "system.js" }, coll("z", "system.js")));
  assert.ok(!matches({ db: "a", collection: "x" }, { kind: "database", db: "a" }));
  assert.ok(matches({ cluster: true }, { kind: "cluster" }));
  assert.ok(!matches({ cluster: true }, coll("a", "x")));
  assert.ok(matches({ anyResource: true }, coll("admin", "system.users")));
});

Deno.test("built-in roles: read vs readWrite, adminOnly roles only in admin", () => {
  const read = builtinRole({ role: "read", db: "t" }, [])!;
  assert.ok(allows(read.privileges, "find", coll("t", "c")));
  assert.ok(!allows(read.privileges, "insert", coll("t", "c")));
  assert.ok(builtinRole({ role: "root", db: "admin" }, []));
  assert.equal(builtinRole({ role: "root", db: "t" }, []), undefined);
  assert.ok(builtinRoleNames("admin").includes("clusterMonitor"));
  assert.ok(!builtinRoleNames("t").includes("root"));
  assert.ok(!builtinRoleNames("admin").includes("__system"));
});

Deno.test("merge and visibility helpers", () => {
  const ps: Privilege[] = [
    { resource: { db: "a", collection: "" }, actions: ["find"] },
    { resource: { db: "a", collection: "" }, actions: ["insert", "find"] },
  ];
  assert.deepEqual(mergePrivileges(ps), [{
    resource: { db: "a", collection: "" },
    actions: ["find", "insert"],
  }]);
  assert.ok(hasAnyPrivilegeIn(ps, "a"));
  assert.ok(!hasAnyPrivilegeIn(ps, "b"));
  assert.ok(!hasAnyPrivilegeIn(ps, "a", "system.profile"));
});
