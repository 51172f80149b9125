import assert from "node:assert/strict";
import { BSON, Timestamp } from "bson";
import { appendClusterTime, encodeWithClusterTime } from "./cluster_time_raw.ts";
import { appendToRaw, encodeCursorReply } from "../bson/raw_reply.ts";
import { isOwned, OWNED_MIN_BYTES } from "../bson/owned_bytes.ts";
import { ClusterClock } from "../oplog/cluster_clock.ts";

Deno.test("appendClusterTime gives the same bytes as encoding ClusterClock.fieldsAt", () => {
  const raw = BSON.serialize({ cursor: { id: 0, firstBatch: [{ _id: 1, s: "x" }] }, ok: 1 });
  for (
    const ts of [new Timestamp({ t: 1764650000, i: 1 }), new Timestamp({ t: 0xffffffff, i: 0xfffffffe })]
  ) {
    const fast = appendClusterTime(raw, ts);
    assert.deepEqual(fast, appendToRaw(raw, ClusterClock.fieldsAt(ts)));
    const back = BSON.deserialize(fast);
    assert.deepEqual((back["operationTime"] as Timestamp).equals(ts), true);
  }
});

Deno.test("appendClusterTime on an empty document", () => {
  const raw = BSON.serialize({});
  const ts = new Timestamp({ t: 5, i: 7 });
  assert.deepEqual(appendClusterTime(raw, ts), new Uint8Array(BSON.serialize(ClusterClock.fieldsAt(ts))));
});

Deno.test("encodeWithClusterTime gives the bytes of the spread reply, small or not", () => {
  const ts = new Timestamp({ t: 1764650000, i: 42 });
  const replies = [
    { ok: 1 },
    { n: 1, nModified: 1, ok: 1 },
    { n: 0, writeErrors: [{ index: 0, code: 11000, errmsg: "dup" }], ok: 1 }, // an array: npm bson
    { ok: 0, errmsg: "é\u{1F600}", code: 2, codeName: "BadValue" },
    {},
  ];
  for (const reply of replies) {
    const want = new Uint8Array(BSON.serialize({ ...reply, ...ClusterClock.fieldsAt(ts) }));
    assert.deepEqual(encodeWithClusterTime(reply, ts), want);
  }
});

Deno.test("appendClusterTime: a large owned body grows in place and stays owned; one copied is freed; others left", () => {
  const docs = [BSON.serialize({ pad: "p".repeat(OWNED_MIN_BYTES) })];
  const ts = new Timestamp({ t: 7, i: 3 });
  const expected = appendClusterTime(
    encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs }),
    ts,
  );
  assert.ok(!isOwned(expected));
  // the last owned reply encoded: written in its room, no copy
  const owned = encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs, owned: true });
  const out = appendClusterTime(owned, ts);
  assert.equal(out.buffer, owned.buffer);
  assert.ok(isOwned(out));
  assert.deepEqual(out, expected);
  // an owned reply that is not the last one encoded: copied, and freed once copied
  const older = encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs, owned: true });
  encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs: [docs[0]!.subarray()], owned: true });
  const copied = appendClusterTime(older, ts);
  assert.equal(older.length, 0);
  assert.ok(isOwned(copied));
  assert.deepEqual(copied, expected);
});

Deno.test("appendClusterTime grows a small owned cursor reply in its own buffer, same bytes as a copy", () => {
  const ts = new Timestamp({ t: 1764650000, i: 9 });
  const docs = [BSON.serialize({ _id: 1, s: "x" }), BSON.serialize({ _id: 2, a: [1, 2] })];
  for (const id of [0n, 123456789012345n, -5n]) {
    const input = { id, ns: "db.c", batchKey: "firstBatch" as const, docs };
    const expected = appendClusterTime(encodeCursorReply(input), ts); // not owned: a copy
    const owned = encodeCursorReply({ ...input, owned: true });
    assert.deepEqual(owned, encodeCursorReply(input));
    const grown = appendClusterTime(owned, ts);
    assert.equal(grown.buffer, owned.buffer); // no copy
    assert.deepEqual(grown, expected);
    assert.equal(BSON.deserialize(grown, { useBigInt64: true })["cursor"]["id"], id);
  }
  // only the last owned reply encoded, and only once: any other is copied
  const a = encodeCursorReply({ id: 0n, ns: "db.c", batchKey: "firstBatch", docs, owned: true });
  const b = encodeCursorReply({ id: 0n, ns: "db.c", batchKey: "nextBatch", docs, owned: true });
  assert.notEqual(appendClusterTime(a, ts).buffer, a.buffer);
  const once = appendClusterTime(b, ts);
  assert.equal(once.buffer, b.buffer);
  const copied = appendClusterTime(once, ts);
  assert.notEqual(copied.buffer, once.buffer);
});
