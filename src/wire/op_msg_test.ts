import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { BSON, BSONRegExp, Long } from "bson";
import { FrameError, RequestError } from "./errors.ts";
import { HEADER_SIZE, OP_MSG, readHeader, writeInt32LE } from "./header.ts";
import { MAX_BSON_OBJECT_SIZE } from "../limits.ts";
import {
  encodeOpMsg,
  encodeOpMsgReply,
  encodeOpMsgReplyPrefix,
  OP_MSG_REPLY_PREFIX_SIZE,
  OpMsgFlag,
  parseOpMsg,
  writeOpMsgReply,
} from "./op_msg.ts";
import { crc32c } from "./crc32c.ts";
import { rawDocumentsOf } from "../bson/lazy_documents.ts";

const ser = (d: Record<string, unknown>) => BSON.serialize(d);

function requestError(fn: () => unknown, codeName: string): void {
  throws(fn, (e: unknown) => e instanceof RequestError && e.codeName === codeName);
}
function frameError(fn: () => unknown): void {
  throws(fn, (e: unknown) => e instanceof FrameError);
}

Deno.test("op_msg: body-only round trip keeps Long, BSONRegExp, order", () => {
  const frame = encodeOpMsg({
    requestId: 7,
    body: ser({ find: "c", filter: { n: Long.fromString("9007199254740993"), r: /a.b/i }, $db: "test" }),
  });
  const h = readHeader(frame);
  assertEquals([h.messageLength, h.requestId, h.responseTo, h.opCode], [frame.length, 7, 0, OP_MSG]);
  const m = parseOpMsg(frame);
  assertEquals(Object.keys(m.body), ["find", "filter", "$db"]);
  const filter = m.body.filter as { n: Long; r: BSONRegExp };
  ok(filter.n instanceof Long);
  assertEquals(filter.n.toString(), "9007199254740993");
  ok(filter.r instanceof BSONRegExp);
  assertEquals([filter.r.pattern, filter.r.options], ["a.b", "i"]);
  assertEquals([m.moreToCome, m.exhaustAllowed, m.checksumPresent], [false, false, false]);
  assertEquals(m.sequences.size, 0);
});

Deno.test("op_msg: kind-1 sequences, flags and checksum", () => {
  const docs = Array.from({ length: 5 }, (_, i) => ser({ _id: i, s: "x".repeat(i) }));
  const frame = encodeOpMsg({
    requestId: 1,
    flagBits: OpMsgFlag.moreToCome | OpMsgFlag.exhaustAllowed | (1 << 20), // bit 20: unknown optional, ignored
    body: ser({ insert: "c", $db: "d" }),
    sequences: [{ identifier: "documents", documents: docs }, { identifier: "empty", documents: [] }],
    checksum: true,
  });
  const m = parseOpMsg(frame);
  assertEquals([m.moreToCome, m.exhaustAllowed, m.checksumPresent], [true, true, true]);
  assertEquals(m.sequences.get("documents")?.map((d) => d._id), [0, 1, 2, 3, 4]);
  assertEquals(m.sequences.get("empty"), []);
});

Deno.test("op_msg: bad checksum is a framing error", () => {
  const frame = encodeOpMsg({ requestId: 1, body: ser({ ping: 1 }), checksum: true });
  frame[frame.length - 1]! ^= 0xff;
  frameError(() => parseOpMsg(frame));
  const frame2 = encodeOpMsg({ requestId: 1, body: ser({ ping: 1 }), checksum: true });
  frame2[HEADER_SIZE + 6]! ^= 0x01; // corrupt the body, checksum now wrong
  frameError(() => parseOpMsg(frame2));
});

Deno.test("op_msg: structural errors are framing errors", () => {
  const body = ser({ ping: 1 });
  const good = encodeOpMsg({
    requestId: 1,
    body,
    sequences: [{ identifier: "documents", documents: [body] }],
  });
  // body length larger than what is left
  const f1 = good.slice();
  writeInt32LE(f1, HEADER_SIZE + 5, 10_000);
  frameError(() => parseOpMsg(f1));
  // body length below the BSON minimum
  const f2 = good.slice();
  writeInt32LE(f2, HEADER_SIZE + 5, 3);
  frameError(() => parseOpMsg(f2));
  // sequence size beyond the message
  const seqAt = HEADER_SIZE + 5 + body.length + 1;
  const f3 = good.slice();
  writeInt32LE(f3, seqAt, 10_000);
  frameError(() => parseOpMsg(f3));
  // sequence size that cuts a document in half (sections don't add up)
  const f4 = good.slice();
  writeInt32LE(f4, seqAt, 4 + 10 + 3);
  frameError(() => parseOpMsg(f4));
  // identifier without NUL inside the section
  const f5 = encodeOpMsg({ requestId: 1, body, sequences: [{ identifier: "abc", documents: [] }] });
  writeInt32LE(f5, seqAt, 4 + 2);
  frameError(() => parseOpMsg(f5.subarray(0, f5.length - 2)));
  // too short for flags
  frameError(() => parseOpMsg(good.subarray(0, 18)));
});

Deno.test("op_msg: content errors are request errors", () => {
  const body = ser({ ping: 1 });
  requestError(() => parseOpMsg(encodeOpMsg({ requestId: 1, flagBits: 1 << 5, body })), "IllegalOpMsgFlag");
  // no body: only a kind-1 section
  const noBody = encodeOpMsg({
    requestId: 1,
    body: new Uint8Array(0),
    sequences: [{ identifier: "d", documents: [] }],
  });
  // encodeOpMsg always writes a kind-0 byte; drop it to leave only the kind-1 section
  const withoutKind0 = new Uint8Array(noBody.length - 1);
  withoutKind0.set(noBody.subarray(0, HEADER_SIZE + 4));
  withoutKind0.set(noBody.subarray(HEADER_SIZE + 5), HEADER_SIZE + 4);
  writeInt32LE(withoutKind0, 0, withoutKind0.length);
  requestError(() => parseOpMsg(withoutKind0), "Location40587");
  // two bodies
  const two = new Uint8Array(HEADER_SIZE + 4 + 2 * (1 + body.length));
  two.set(encodeOpMsg({ requestId: 1, body }));
  two[HEADER_SIZE + 5 + body.length] = 0;
  two.set(body, HEADER_SIZE + 6 + body.length);
  writeInt32LE(two, 0, two.length);
  requestError(() => parseOpMsg(two), "Location40430");
  // duplicate sequence identifier
  requestError(
    () =>
      parseOpMsg(encodeOpMsg({
        requestId: 1,
        body,
        sequences: [{ identifier: "d", documents: [body] }, { identifier: "d", documents: [] }],
      })),
    "Location40431",
  );
  // unknown section kind
  const k = encodeOpMsg({ requestId: 1, body });
  k[HEADER_SIZE + 4] = 7;
  requestError(() => parseOpMsg(k), "Location40432");
});

Deno.test("op_msg: malformed BSON inside a well-formed frame is InvalidBSON", () => {
  const body = ser({ ping: 1, s: "hello" });
  const bad = body.slice();
  bad[4] = 0x77; // unknown element type
  requestError(() => parseOpMsg(encodeOpMsg({ requestId: 1, body: bad })), "InvalidBSON");
  const noTerm = body.slice();
  noTerm[noTerm.length - 1] = 1; // missing terminating NUL
  requestError(() => parseOpMsg(encodeOpMsg({ requestId: 1, body: noTerm })), "InvalidBSON");
  const badUtf8 = ser({ s: "abc" });
  badUtf8[badUtf8.length - 3] = 0xff;
  requestError(() => parseOpMsg(encodeOpMsg({ requestId: 1, body: badUtf8 })), "InvalidBSON");
  // bad document in a sequence
  requestError(
    () =>
      parseOpMsg(
        encodeOpMsg({
          requestId: 1,
          body: ser({ insert: "c" }),
          sequences: [{ identifier: "documents", documents: [bad] }],
        }),
      ),
    "InvalidBSON",
  );
});

Deno.test("op_msg: a sequence's document over 16 MiB + 16 KiB is BSONObjectTooLarge; a body too", () => {
  // up to 16 MiB + 16 KiB is the command's to judge (an update statement with a 16 MiB replacement)
  const statement = ser({ q: { _id: 1 }, u: { s: "x".repeat(MAX_BSON_OBJECT_SIZE - 32) } });
  assertEquals(
    parseOpMsg(
      encodeOpMsg({
        requestId: 1,
        body: ser({ update: "c" }),
        sequences: [{ identifier: "updates", documents: [statement] }],
      }),
    ).sequences.get("updates")!.length,
    1,
  );
  const big = ser({ s: "x".repeat(MAX_BSON_OBJECT_SIZE + 16 * 1024) });
  requestError(
    () =>
      parseOpMsg(
        encodeOpMsg({
          requestId: 1,
          body: ser({ insert: "c" }),
          sequences: [{ identifier: "documents", documents: [big] }],
        }),
      ),
    "BSONObjectTooLarge",
  );
  // a body slightly over 16 MiB is allowed (16 MiB + 16 KiB command overhead)
  const body = ser({ insert: "c", s: "x".repeat(MAX_BSON_OBJECT_SIZE + 100) });
  assertEquals(
    (parseOpMsg(encodeOpMsg({ requestId: 1, body })).body.s as string).length,
    MAX_BSON_OBJECT_SIZE + 100,
  );
});

Deno.test("op_msg: reply encoding", () => {
  const body = ser({ ok: 1 });
  const r = encodeOpMsgReply(body, 42, 7, true);
  const h = readHeader(r);
  assertEquals([h.messageLength, h.requestId, h.responseTo, h.opCode], [r.length, 42, 7, OP_MSG]);
  const m = parseOpMsg(r);
  assertEquals(m.body, { ok: 1 });
  assertEquals(m.moreToCome, true);
  const prefix = encodeOpMsgReplyPrefix(body.length, 42, 7, true);
  const joined = new Uint8Array(prefix.length + body.length);
  joined.set(prefix);
  joined.set(body, prefix.length);
  assertEquals(joined, r);
});

Deno.test("op_msg: checksum covers header through last section", () => {
  const f = encodeOpMsg({ requestId: 3, body: ser({ ping: 1 }), checksum: true });
  const stored = new DataView(f.buffer, f.byteOffset + f.length - 4).getUint32(0, true);
  assertEquals(stored, crc32c(f.subarray(0, f.length - 4)));
});

Deno.test("op_msg: BSON nested past maxBSONDepth is 15 Overflow, decoded without recursion", () => {
  const nest = (levels: number) => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = { x: v };
    return v;
  };
  // root + 200 levels is the most mongod accepts in a request
  ok(parseOpMsg(encodeOpMsg({ requestId: 1, body: ser({ find: "c", filter: nest(200), $db: "t" }) })));
  requestError(
    () => parseOpMsg(encodeOpMsg({ requestId: 1, body: ser({ find: "c", filter: nest(201), $db: "t" }) })),
    "Overflow",
  );
  // a million levels (7 MB, built as raw bytes): refused before any recursive decode
  const levels = 1_000_000;
  const total = 5 + 7 * levels;
  const deep = new Uint8Array(total);
  const dv = new DataView(deep.buffer);
  for (let k = 0; k < levels; k++) {
    dv.setInt32(6 * k, total - 7 * k, true);
    deep[6 * k + 4] = 0x03;
  }
  dv.setInt32(6 * levels, 5, true);
  requestError(
    () =>
      parseOpMsg(
        encodeOpMsg({
          requestId: 1,
          body: ser({ ping: 1 }),
          sequences: [{ identifier: "d", documents: [deep] }],
        }),
      ),
    "Overflow",
  );
});

Deno.test("writeOpMsgReply writes what encodeOpMsgReply returns, into the given array", () => {
  const body = BSON.serialize({ ok: 1, n: 3 });
  for (const more of [false, true]) {
    const out = new Uint8Array(64).subarray(7, 7 + OP_MSG_REPLY_PREFIX_SIZE + body.length);
    const got = writeOpMsgReply(out, body, 12, 34, more);
    assertEquals(got, encodeOpMsgReply(body, 12, 34, more));
  }
});

Deno.test("op_msg: an insert's documents stay bytes until read (body array and sequence); others decode", () => {
  const docs = [{ _id: 1, s: "x".repeat(50) }, { a: { b: [1, 2] } }];
  const body = ser({ insert: "c", ordered: false, documents: docs, $db: "d" });
  const frame = encodeOpMsg({ requestId: 1, body });
  const sent = frame.slice();
  const parsed = parseOpMsg(frame).body;
  assertEquals(frame, sent); // (the array is read in place, and put back)
  const raw = rawDocumentsOf(parsed["documents"]);
  assertEquals(raw?.map((b) => [...b]), docs.map((d) => [...ser(d)]));
  assertEquals(Object.keys(parsed), ["insert", "ordered", "documents", "$db"]);
  assertEquals(parsed, { insert: "c", ordered: false, documents: docs, $db: "d" }); // decoded when read
  const seq = parseOpMsg(
    encodeOpMsg({
      requestId: 1,
      body: ser({ insert: "c", $db: "d" }),
      sequences: [{ identifier: "documents", documents: docs.map(ser) }],
    }),
  ).sequences.get("documents");
  ok(rawDocumentsOf(seq) !== undefined);
  assertEquals(seq, docs);
  // not canonical (a regex), or not an insert: decoded as before
  const rx = parseOpMsg(encodeOpMsg({ requestId: 1, body: ser({ insert: "c", documents: [{ r: /a/ }] }) }));
  ok(rawDocumentsOf(rx.body["documents"]) === undefined);
  const upd = parseOpMsg(encodeOpMsg({ requestId: 1, body: ser({ update: "c", documents: docs }) }));
  ok(rawDocumentsOf(upd.body["documents"]) === undefined);
});

Deno.test("op_msg: a malformed document of an insert is still InvalidBSON (body array and sequence)", () => {
  const bad = ser({ s: "abc" });
  bad[bad.length - 3] = 0xff; // invalid UTF-8
  const inBody = ser({ insert: "c", documents: [{ a: 1 }, { s: "abc" }], $db: "d" });
  const abc = inBody.findIndex((_, i) =>
    inBody[i] === 0x61 && inBody[i + 1] === 0x62 && inBody[i + 2] === 0x63
  );
  ok(abc > 0);
  inBody[abc + 2] = 0xff; // "ab\xff": invalid UTF-8 in the second document
  requestError(() => parseOpMsg(encodeOpMsg({ requestId: 1, body: inBody })), "InvalidBSON");
  // malformed outside the array (a boolean 2): InvalidBSON, the frame as it was
  const badBool = ser({ insert: "c", documents: [{ a: 1 }], ordered: true, $db: "d" });
  badBool[badBool.indexOf(0x01, badBool.indexOf(0x6f, 40) + 7)] = 2;
  const badFrame = encodeOpMsg({ requestId: 1, body: badBool });
  const badSent = badFrame.slice();
  requestError(() => parseOpMsg(badFrame), "InvalidBSON");
  assertEquals(badFrame, badSent);
  requestError(
    () =>
      parseOpMsg(
        encodeOpMsg({
          requestId: 1,
          body: ser({ insert: "c", $db: "d" }),
          sequences: [{ identifier: "documents", documents: [ser({ a: 1 }), bad] }],
        }),
      ),
    "InvalidBSON",
  );
  // a document nested past the request limit: 15 Overflow as before
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 205; i++) deep = { d: deep };
  requestError(
    () => parseOpMsg(encodeOpMsg({ requestId: 1, body: ser({ insert: "c", documents: [deep], $db: "d" }) })),
    "Overflow",
  );
});
