import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { Binary } from "bson";
import { LogicalSessions } from "./logical_sessions.ts";
import { CommandError } from "../errors/command_error.ts";

const lsid = (n: number) => ({ id: new Binary(new Uint8Array(16).fill(n), 4) });

Deno.test("logical sessions: past maxSessions a new session gets 261 TooManyLogicalSessions; known ones still work", () => {
  let t = 0;
  const s = new LogicalSessions(() => new Date(t), 3);
  for (let i = 0; i < 3; i++) s.touch(lsid(i));
  s.touch(lsid(1)); // a known session is only refreshed
  throws(
    () => s.touch(lsid(9)),
    (e: unknown) =>
      e instanceof CommandError && e.code === 261 && e.codeName === "TooManyLogicalSessions" &&
      e.message === "Unable to add session into the cache because the number of active sessions is too high",
  );
  assertEquals(s.size, 3);
  s.touch(lsid(8), false); // an endSessions command's own lsid is not recorded when full, not refused
  assertEquals(s.size, 3);
  s.end(lsid(0)); // endSessions makes room
  s.touch(lsid(9));
  assertEquals(s.size, 3);
  // sessions idle past 30 minutes are dropped to make room
  t += 31 * 60 * 1000;
  s.touch(lsid(10));
  assertEquals(s.size, 1);
});
