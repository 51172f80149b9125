import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { BSON } from "bson";
import { FrameError } from "./errors.ts";
import { HEADER_SIZE, OP_COMPRESSED, OP_MSG, OP_QUERY, writeHeader, writeInt32LE } from "./header.ts";
import { MAX_MESSAGE_SIZE_BYTES } from "../limits.ts";
import { encodeOpMsg, OpMsgFlag } from "./op_msg.ts";
import { decodeMessage } from "./request.ts";
import {
  compressMessage,
  compressorId,
  decompressMessage,
  loadCompressionCodecs,
  negotiateCompressors,
} from "./op_compressed.ts";
import { encodeOpQuery } from "./op_query.ts";

await loadCompressionCodecs(); // the codecs load on first use (the connection awaits this)

const ser = (d: Record<string, unknown>) => BSON.serialize(d);

Deno.test("decodeMessage: OP_MSG request with sequences", () => {
  const r = decodeMessage(encodeOpMsg({
    requestId: 11,
    flagBits: OpMsgFlag.exhaustAllowed,
    body: ser({ insert: "c", $db: "d" }),
    sequences: [{ identifier: "documents", documents: [ser({ a: 1 })] }],
  }));
  ok(r.ok);
  assertEquals(r.request.opCode, OP_MSG);
  assertEquals(r.request.requestId, 11);
  assertEquals(r.request.body, { insert: "c", $db: "d" });
  assertEquals(r.request.sequences.get("documents"), [{ a: 1 }]);
  assertEquals([r.request.moreToCome, r.request.exhaustAllowed, r.request.checksumPresent], [
    false,
    true,
    false,
  ]);
  assertEquals(r.request.legacy, undefined);
});

Deno.test("decodeMessage: OP_QUERY handshake becomes a command with $db", () => {
  const r = decodeMessage(
    encodeOpQuery("admin.$cmd", ser({ $query: { isMaster: 1, helloOk: true } }), { requestId: 5 }),
  );
  ok(r.ok);
  assertEquals(r.request.opCode, OP_QUERY);
  assertEquals(r.request.body, { isMaster: 1, helloOk: true, $db: "admin" });
  assertEquals(r.request.legacy?.fullCollectionName, "admin.$cmd");
  assertEquals(r.request.sequences.size, 0);
});

Deno.test("decodeMessage: legacy query on a collection is refused with a reply", () => {
  const r = decodeMessage(encodeOpQuery("test.users", ser({ name: "x" }), { requestId: 6 }));
  ok(!r.ok);
  assertEquals([r.error.codeName, r.requestId, r.replyFor, r.moreToCome], [
    "Location5739101",
    6,
    OP_QUERY,
    false,
  ]);
});

Deno.test("decodeMessage: request errors carry reply context (moreToCome honoured)", () => {
  const body = ser({ ping: 1 });
  body[4] = 0x66;
  const r = decodeMessage(encodeOpMsg({ requestId: 3, flagBits: OpMsgFlag.moreToCome, body }));
  ok(!r.ok);
  assertEquals([r.error.codeName, r.error.code, r.requestId, r.replyFor, r.moreToCome], [
    "InvalidBSON",
    22,
    3,
    OP_MSG,
    true,
  ]);
  assertEquals(Object.keys(r.error.toReply()), ["ok", "errmsg", "code", "codeName"]);
});

Deno.test("decodeMessage: OP_COMPRESSED with every compressor round-trips; replies compress alike", () => {
  const plain = encodeOpMsg({ requestId: 5, body: ser({ ping: 1, pad: "x".repeat(300), $db: "a" }) });
  for (const name of ["noop", "snappy", "zlib", "zstd"]) {
    const id = compressorId(name)!;
    const packed = compressMessage(plain, id);
    if (name !== "noop") ok(packed.length < plain.length, name);
    const r = decodeMessage(packed);
    ok(r.ok, name);
    assertEquals([r.request.body["pad"], r.request.requestId, r.request.compressorId], [
      "x".repeat(300),
      5,
      id,
    ]);
    assertEquals(decompressMessage(packed).frame, plain);
  }
  assertEquals(negotiateCompressors(["zstd", "lz4", "zlib", "zstd"]), ["zstd", "zlib"]);
});

Deno.test("decodeMessage: OP_COMPRESSED with an unknown compressor or a corrupt body gets a clear error", () => {
  const f = new Uint8Array(HEADER_SIZE + 9 + 4);
  writeHeader(f, 0, { messageLength: f.length, requestId: 8, responseTo: 0, opCode: OP_COMPRESSED });
  writeInt32LE(f, HEADER_SIZE, OP_QUERY);
  writeInt32LE(f, HEADER_SIZE + 4, 100);
  f[HEADER_SIZE + 8] = 9;
  const r = decodeMessage(f);
  ok(!r.ok);
  assertEquals([r.error.codeName, r.replyFor, r.requestId], ["InternalError", OP_QUERY, 8]);
  f[HEADER_SIZE + 8] = 2; // zlib, garbage body
  const bad = decodeMessage(f);
  ok(!bad.ok);
  assertEquals(bad.error.codeName, "BadValue");
  // wrapping an opcode we could never answer, or truncated: close
  writeInt32LE(f, HEADER_SIZE, 2010);
  throws(() => decodeMessage(f), FrameError);
  throws(
    () => decodeMessage(f.subarray(0, HEADER_SIZE + 3).map((x, i) => (i === 0 ? HEADER_SIZE + 3 : x))),
    FrameError,
  );
});

Deno.test("decodeMessage: every framing error class throws FrameError", () => {
  const good = encodeOpMsg({ requestId: 1, body: ser({ ping: 1 }) });
  const withLength = (len: number) => {
    const f = good.slice();
    writeInt32LE(f, 0, len);
    return f;
  };
  throws(() => decodeMessage(good.subarray(0, 10)), FrameError); // shorter than a header
  throws(() => decodeMessage(withLength(12)), FrameError); // length < 16
  throws(() => decodeMessage(withLength(MAX_MESSAGE_SIZE_BYTES + 1)), FrameError); // > maxMessageSizeBytes
  throws(() => decodeMessage(withLength(good.length + 1)), FrameError); // length != frame
  const op = good.slice();
  writeInt32LE(op, 12, 2004 + 1); // unknown opcode (OP_GET_MORE, removed)
  throws(() => decodeMessage(op), FrameError);
  writeInt32LE(op, 12, 1); // OP_REPLY from a client
  throws(() => decodeMessage(op), FrameError);
  throws(
    () =>
      decodeMessage(
        encodeOpMsg({ requestId: 1, body: ser({ ping: 1 }), checksum: true }).map((x, i, a) =>
          i === a.length - 1 ? x ^ 1 : x
        ),
      ),
    FrameError,
  );
  const trunc = good.slice(0, good.length - 2);
  writeInt32LE(trunc, 0, trunc.length);
  throws(() => decodeMessage(trunc), FrameError); // body section claims more bytes than exist
});
