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

Deno.test("system_buckets resources cover time-series buckets namespaces only", () => {
  const any = { db: "", system_buckets: "" };
  assert.ok(matches(any, coll("m", "system.buckets.weather")));
  assert.ok(!matches(any, coll("m", "weather")));
  assert.ok(!matches(any, coll("m", "system.users")));
  assert.ok(!matches(any, { kind: "database", db: "m" }));
  assert.ok(matches({ db: "m", system_buckets: "w" }, coll("m", "system.buckets.w")));
  assert.ok(!matches({ db: "m", system_buckets: "w" }, coll("m", "system.buckets.x")));
  assert.ok(!matches({ db: "m", system_buckets: "" }, coll("n", "system.buckets.w")));
  assert.ok(!matches({ db: "m", collection: "" }, coll("m", "system.buckets.w")));
  // mongod 8.0's role table: backup reads buckets, restore writes them, read/readWrite do not reach them
  const role = (r: string, db = "admin") => builtinRole({ role: r, db }, [])!.privileges;
  const buckets = coll("m", "system.buckets.w");
  const backup = builtinRole({ role: "backup", db: "admin" }, [])!;
  const queryable = builtinRole({ role: "__queryableBackup", db: "admin" }, [])!;
  assert.deepEqual(backup.roles, [{ role: "__queryableBackup", db: "admin" }]);
  assert.ok(allows(queryable.privileges, "find", buckets));
  assert.ok(allows(role("restore"), "insert", buckets));
  assert.ok(allows(role("readAnyDatabase"), "find", buckets));
  assert.ok(!allows(role("read", "m"), "find", buckets));
  assert.ok(!allows(role("readWrite", "m"), "insert", buckets));
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
