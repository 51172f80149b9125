import assert from "node:assert/strict";
import { IndexBuilds } from "./index_builds.ts";
import { OpControl } from "../observability/op_control.ts";

Deno.test("IndexBuilds: idle waits for every build of the namespace; end is idempotent", async () => {
  const b = new IndexBuilds();
  const end1 = b.begin("d.c");
  const end2 = b.begin("d.c");
  assert.equal(b.building("d.c"), true);
  assert.equal(b.building("d.other"), false);
  end1();
  end1();
  assert.equal(b.building("d.c"), true);
  let idle = false;
  const waiting = b.idle("d.c", new OpControl()).then(() => (idle = true));
  await new Promise((r) => setTimeout(r, 25));
  assert.equal(idle, false);
  end2();
  await waiting;
  assert.equal(b.building("d.c"), false);
});

Deno.test("IndexBuilds: a waiter past its deadline gets 50", async () => {
  const b = new IndexBuilds();
  b.begin("d.c");
  await assert.rejects(b.idle("d.c", new OpControl({ deadline: Date.now() + 15 })), { code: 50 });
});
