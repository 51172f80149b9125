import assert from "node:assert/strict";
import { Timestamp } from "bson";
import { eventSize, MAX_CHANGE_EVENT_SIZE, splitEvent } from "./split_event.ts";
import { decodeToken, encodeToken, type ResumePoint } from "./token.ts";
import { CommandError } from "../errors/command_error.ts";

const point: ResumePoint = {
  ts: new Timestamp({ t: 5, i: 2 }),
  opIndex: 0,
  invalidate: false,
  highWater: false,
};
const token = (fragment: number) => encodeToken({ ...point, fragment });

Deno.test("fragment tokens round-trip and sort after the event's own token", () => {
  const t = token(3);
  assert.deepEqual(decodeToken(t), { ...point, fragment: 3 });
  assert.ok((t["_data"] as string) > (encodeToken(point)["_data"] as string));
  assert.throws(() => decodeToken({ _data: (encodeToken(point)["_data"] as string) + "00000001" }));
});

Deno.test("an event past the limit is split by field size, small fields first, tokens per fragment", () => {
  const nine = "a".repeat(9 * 1024 * 1024);
  const event = {
    _id: encodeToken(point),
    operationType: "update",
    ns: { db: "d", coll: "c" },
    updateDescription: { updatedFields: { big: nine + "u" }, removedFields: [], truncatedArrays: [] },
    fullDocumentBeforeChange: { _id: 1, big: nine },
  };
  assert.ok(eventSize(event) > MAX_CHANGE_EVENT_SIZE);
  const parts = splitEvent(event, token);
  assert.equal(parts.length, 2);
  assert.deepEqual(Object.keys(parts[0]!), [
    "_id",
    "splitEvent",
    "operationType",
    "ns",
    "fullDocumentBeforeChange",
  ]);
  assert.deepEqual(Object.keys(parts[1]!), ["_id", "splitEvent", "updateDescription"]);
  assert.deepEqual(parts.map((p) => JSON.parse(JSON.stringify(p["splitEvent"]))), [
    { fragment: 1, of: 2 },
    { fragment: 2, of: 2 },
  ]);
  assert.deepEqual(parts[1]!["_id"], token(1));
  assert.ok(parts.every((p) => eventSize(p) <= MAX_CHANGE_EVENT_SIZE));
  // resuming after fragment 0 leaves it out
  assert.deepEqual(splitEvent(event, token, 1).map((p) => p["_id"]), [token(1)]);
});

Deno.test("a single field over the limit cannot be split (7182500)", () => {
  const event = { _id: encodeToken(point), fullDocument: { big: "b".repeat(17 * 1024 * 1024) } };
  assert.throws(() => splitEvent(event, token), (e) => e instanceof CommandError && e.code === 7182500);
});
