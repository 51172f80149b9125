import assert from "node:assert/strict";
import { Binary } from "bson";
import { parseKillAllSessionsByPattern } from "./kill_all_sessions_by_pattern.ts";
import { assertRefuses } from "../../errors/assert_command_error.ts";

Deno.test("killAllSessionsByPattern: lsid, uid, users/roles patterns; unknown pattern fields and types refused", () => {
  const id = new Binary(new Uint8Array(16), 4);
  const p = parseKillAllSessionsByPattern({
    killAllSessionsByPattern: [{ lsid: { id } }, { uid: new Binary(new Uint8Array(32)) }, { users: [] }, {}],
  });
  assert.equal(p.patterns.length, 4);
  assert.ok(p.patterns[0]!.lsid?.id === id);
  assert.ok(p.patterns[1]!.uid instanceof Binary);
  assert.equal(p.patterns[2]!.byUserOrRole, true);
  assert.deepEqual(parseKillAllSessionsByPattern({ killAllSessionsByPattern: [] }).patterns, []);
  assertRefuses(
    () => parseKillAllSessionsByPattern({ killAllSessionsByPattern: [{ bogus: 1 }] }),
    40415,
    "bogus",
  );
  assertRefuses(() => parseKillAllSessionsByPattern({ killAllSessionsByPattern: [{ uid: "x" }] }), 14, "uid");
  assertRefuses(() => parseKillAllSessionsByPattern({ killAllSessionsByPattern: 1 }), 14);
});
