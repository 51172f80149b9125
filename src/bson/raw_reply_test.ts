import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { BSON, Double, Long, ObjectId, Timestamp } from "bson";
import { encodeCursorReply, FRONT_ROOM, growInPlace, withFrontRoom } from "./raw_reply.ts";
import { freeOwned, isOwned, OWNED_MIN_BYTES } from "./owned_bytes.ts";

const opts = { promoteLongs: false, promoteValues: false } as const;

Deno.test("raw_reply: firstBatch with documents round-trips through npm bson", () => {
  const src = Array.from(
    { length: 123 },
    (_, i) => ({ _id: new ObjectId(), i, s: "é".repeat(i % 5), n: { a: [i] } }),
  );
  const bytes = encodeCursorReply({
    id: 0n,
    ns: "db.coll",
    batchKey: "firstBatch",
    docs: src.map((d) => BSON.serialize(d)),
  });
  const r = BSON.deserialize(bytes);
  assertEquals(Object.keys(r), ["cursor", "ok"]);
  assertEquals(Object.keys(r.cursor), ["firstBatch", "id", "ns"]);
  assertEquals(r.cursor.firstBatch, src);
  assertEquals(r.cursor.ns, "db.coll");
  assertEquals(r.ok, 1);
  // exact types: id is int64, ok is a double
  const typed = BSON.deserialize(bytes, opts);
  ok(typed.cursor.id instanceof Long);
  ok(typed.ok instanceof Double);
  // canonical: identical to what npm bson would produce for the same value
  assertEquals(
    bytes,
    new Uint8Array(BSON.serialize({
      cursor: { firstBatch: src, id: Long.fromBigInt(0n), ns: "db.coll" },
      ok: new Double(1),
    })),
  );
});

Deno.test("raw_reply: nextBatch, large id, non-ASCII ns, empty batch, extra fields", () => {
  const id = 0x7fff_ffff_ffff_fff0n;
  const extra = { operationTime: new Timestamp({ t: 5, i: 1 }), note: "x" };
  const bytes = encodeCursorReply({ id, ns: "dß.c€", batchKey: "nextBatch", docs: [], extra });
  const r = BSON.deserialize(bytes, { promoteLongs: false });
  assertEquals(Object.keys(r), ["cursor", "operationTime", "note", "ok"]);
  assertEquals(r.cursor.nextBatch, []);
  assertEquals((r.cursor.id as Long).toBigInt(), id);
  assertEquals(r.cursor.ns, "dß.c€");
  assertEquals(r.note, "x");
  ok(r.operationTime instanceof Timestamp);
  const neg = BSON.deserialize(encodeCursorReply({ id: -5n, ns: "a.b", batchKey: "firstBatch", docs: [] }), {
    promoteLongs: false,
  });
  assertEquals((neg.cursor.id as Long).toBigInt(), -5n);
});

Deno.test("raw_reply: array keys are correct across digit boundaries", () => {
  const docs = Array.from({ length: 1001 }, (_, i) => BSON.serialize({ i }));
  const r = BSON.deserialize(encodeCursorReply({ id: 1n, ns: "a.b", batchKey: "firstBatch", docs }));
  assertEquals(r.cursor.firstBatch.length, 1001);
  assertEquals(r.cursor.firstBatch[1000], { i: 1000 });
  assertEquals(r.cursor.firstBatch[10], { i: 10 });
});

Deno.test("raw_reply: rejects non-documents and reserved extra keys", () => {
  throws(
    () => encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs: [new Uint8Array([1, 2])] }),
    TypeError,
  );
  const d = BSON.serialize({ a: 1 });
  d[0] = 99;
  throws(() => encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs: [d] }), TypeError);
  throws(
    () => encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs: [], extra: { ok: 0 } }),
    TypeError,
  );
});

Deno.test("raw_reply: an owned reply of 4-64 KiB grows in place and has room in front for the message prefix", () => {
  const docs = [BSON.serialize({ a: 1 }), BSON.serialize({ b: "x".repeat(5000) })];
  const raw = encodeCursorReply({ id: 7n, ns: "a.b", batchKey: "firstBatch", docs, owned: true });
  assertEquals(BSON.deserialize(raw).cursor.firstBatch.length, 2);
  // the bytes before it are its own (zero), and nothing else was carved over them
  const grown = growInPlace(raw, 10);
  ok(grown !== undefined);
  assertEquals(grown.length, raw.length + 10);
  assertEquals(grown.byteOffset, raw.byteOffset);
  assertEquals([...grown.subarray(raw.length)], new Array(10).fill(0));
  const framed = withFrontRoom(grown, FRONT_ROOM);
  ok(framed !== undefined);
  assertEquals(framed.length, FRONT_ROOM + grown.length);
  assertEquals(framed.byteOffset + FRONT_ROOM, grown.byteOffset);
  assertEquals([...framed.subarray(0, FRONT_ROOM)], new Array(FRONT_ROOM).fill(0));
  // once only, and not for more room than there is
  assertEquals(withFrontRoom(grown, FRONT_ROOM), undefined);
  const again = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs, owned: true });
  assertEquals(withFrontRoom(again, FRONT_ROOM + 1), undefined);
  // a reply carved next does not overlap the one before
  ok(again.byteOffset >= grown.byteOffset + grown.length || again.buffer !== grown.buffer);
  assertEquals(BSON.deserialize(raw).cursor.id, 7);
});

Deno.test("raw_reply: only the last owned reply has its rooms; a reply not owned has none", () => {
  const docs = [BSON.serialize({ a: "z".repeat(5000) })];
  const first = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs, owned: true });
  const second = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs, owned: true });
  assertEquals(growInPlace(first, 1), undefined);
  assertEquals(withFrontRoom(first, FRONT_ROOM), undefined);
  ok(withFrontRoom(second, FRONT_ROOM) !== undefined);
  const plain = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs });
  assertEquals(plain.byteOffset, 0);
  assertEquals(growInPlace(plain, 1), undefined);
  assertEquals(withFrontRoom(plain, FRONT_ROOM), undefined);
  // too large to carve (over 64 KiB): its own buffer with room after it only
  const big = encodeCursorReply({
    id: 0n,
    ns: "a.b",
    batchKey: "firstBatch",
    docs: [BSON.serialize({ s: "y".repeat(70_000) })],
    owned: true,
  });
  assertEquals(big.byteOffset, 0);
  assertEquals(withFrontRoom(big, FRONT_ROOM), undefined);
  ok(growInPlace(big, 100) !== undefined);
  // under 4 KiB: its own buffer, room after it only (the connection copies it into its pooled frame)
  const small = encodeCursorReply({ id: 0n, ns: "a.b", batchKey: "firstBatch", docs: [d1()], owned: true });
  assertEquals(small.byteOffset, 0);
  assertEquals(withFrontRoom(small, FRONT_ROOM), undefined);
  ok(growInPlace(small, 100) !== undefined);
});

function d1(): Uint8Array {
  return BSON.serialize({ a: 1 });
}

Deno.test("raw_reply: a large owned reply grows in place into its room and stays owned (freed whole once sent)", () => {
  const raw = encodeCursorReply({
    id: 0n,
    ns: "a.b",
    batchKey: "nextBatch",
    docs: [BSON.serialize({ s: "w".repeat(OWNED_MIN_BYTES) })],
    owned: true,
  });
  ok(isOwned(raw));
  const grown = growInPlace(raw, 110)!;
  ok(grown !== undefined);
  assertEquals(grown.buffer, raw.buffer);
  assertEquals(grown.length, raw.length + 110);
  ok(isOwned(grown));
  freeOwned(grown);
  assertEquals(raw.length, 0); // (detached: every view reads as empty)
  assertEquals(grown.length, 0);
});
