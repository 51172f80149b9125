import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { BSON } from "bson";
import { freeNow, freeOwned, isOwned, OWNED_MIN_BYTES, ownedBody } from "./owned_bytes.ts";
import { appendToRaw, encodeCursorReply } from "./raw_reply.ts";

Deno.test("owned_bytes: only a large body spanning its whole buffer is owned, and freed once", () => {
  const big = ownedBody(new Uint8Array(OWNED_MIN_BYTES));
  ok(isOwned(big));
  freeOwned(big);
  assertEquals(big.length, 0); // detached
  ok(!isOwned(big));
  freeOwned(big); // a second call does nothing

  const small = ownedBody(new Uint8Array(1000));
  ok(!isOwned(small));
  freeOwned(small);
  assertEquals(small.length, 1000);

  const whole = new Uint8Array(2 * OWNED_MIN_BYTES);
  const view = ownedBody(whole.subarray(0, OWNED_MIN_BYTES)); // a view of part of a buffer
  ok(!isOwned(view));
  freeNow(view); // never detaches a buffer it does not span
  assertEquals(whole.length, 2 * OWNED_MIN_BYTES);

  const unmarked = new Uint8Array(OWNED_MIN_BYTES);
  freeOwned(unmarked);
  assertEquals(unmarked.length, OWNED_MIN_BYTES);
});

Deno.test("owned_bytes: encodeCursorReply owns a large reply only when asked; appendToRaw passes it on", () => {
  const docs = [BSON.serialize({ pad: "p".repeat(OWNED_MIN_BYTES) })];
  const kept = encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs });
  ok(!isOwned(kept));
  const owned = encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs, owned: true });
  ok(isOwned(owned));
  const small = encodeCursorReply({ id: 0n, ns: "d.c", batchKey: "nextBatch", docs: [], owned: true });
  ok(!isOwned(small));

  const withWce = appendToRaw(owned, { writeConcernError: { code: 64 } });
  assertEquals(owned.length, 0); // copied, then freed
  ok(isOwned(withWce));
  const doc = BSON.deserialize(withWce);
  assertEquals([doc.cursor.nextBatch[0].pad.length, doc.writeConcernError.code], [OWNED_MIN_BYTES, 64]);

  const notOwned = appendToRaw(kept, { x: 1 });
  assertEquals(kept.length > OWNED_MIN_BYTES, true);
  ok(!isOwned(notOwned));
});
