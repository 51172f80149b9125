import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { BSON } from "bson";
import { FrameError, RequestError } from "./errors.ts";
import { HEADER_SIZE, OP_REPLY, readHeader } from "./header.ts";
import { encodeOpQuery, parseOpQuery, unwrapLegacyCommand } from "./op_query.ts";
import { encodeOpReply, parseOpReply } from "./op_reply.ts";

Deno.test("op_query: parse fields and optional selector", () => {
  const f = encodeOpQuery("admin.$cmd", BSON.serialize({ isMaster: 1 }), {
    selector: BSON.serialize({ a: 1 }),
    skip: 3,
    limit: -1,
  });
  const q = parseOpQuery(f);
  assertEquals(q.fullCollectionName, "admin.$cmd");
  assertEquals([q.numberToSkip, q.numberToReturn, q.flags], [3, -1, 0]);
  assertEquals(q.query, { isMaster: 1 });
  assertEquals(q.returnFieldsSelector, { a: 1 });
});

Deno.test("op_query: $query / query wrappers are unwrapped, $readPreference kept, $db set", () => {
  assertEquals(
    unwrapLegacyCommand(
      { $query: { isMaster: 1 }, $readPreference: { mode: "secondaryPreferred" } },
      "admin",
    ),
    { isMaster: 1, $readPreference: { mode: "secondaryPreferred" }, $db: "admin" },
  );
  assertEquals(unwrapLegacyCommand({ query: { hello: 1 } }, "x"), { hello: 1, $db: "x" });
  assertEquals(unwrapLegacyCommand({ hello: 1, query: { a: 1 } }, "x"), {
    hello: 1,
    query: { a: 1 },
    $db: "x",
  });
});

Deno.test("op_query: truncation and trailing bytes are framing errors", () => {
  const f = encodeOpQuery("admin.$cmd", BSON.serialize({ isMaster: 1 }));
  for (const cut of [HEADER_SIZE + 2, HEADER_SIZE + 8, f.length - 3]) {
    throws(() => parseOpQuery(f.subarray(0, cut)), FrameError);
  }
  const noNul = f.slice(0, HEADER_SIZE + 4 + 5);
  throws(() => parseOpQuery(noNul), FrameError);
  const trailing = encodeOpQuery("admin.$cmd", BSON.serialize({ isMaster: 1 }), {
    selector: new Uint8Array([...BSON.serialize({}), 1, 2]),
  });
  throws(() => parseOpQuery(trailing), FrameError);
});

Deno.test("op_query: bad BSON in the query is InvalidBSON", () => {
  const q = BSON.serialize({ isMaster: 1 });
  q[4] = 0x55;
  throws(
    () => parseOpQuery(encodeOpQuery("admin.$cmd", q)),
    (e: unknown) => e instanceof RequestError && e.codeName === "InvalidBSON",
  );
});

Deno.test("op_reply: encode / parse round trip", () => {
  const doc = BSON.serialize({ ismaster: true, ok: 1 });
  const r = encodeOpReply(doc, 9, 4);
  const h = readHeader(r);
  assertEquals([h.messageLength, h.requestId, h.responseTo, h.opCode], [r.length, 9, 4, OP_REPLY]);
  const p = parseOpReply(r);
  assertEquals([p.responseFlags, p.cursorIdLow, p.cursorIdHigh, p.startingFrom, p.numberReturned], [
    0,
    0,
    0,
    0,
    1,
  ]);
  assertEquals(p.documents.length, 1);
  assertEquals(BSON.deserialize(p.documents[0]!), { ismaster: true, ok: 1 });
});
