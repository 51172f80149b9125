/**
 * Exhaust cursors on the wire: a getMore sent with OP_MSG `exhaustAllowed` is answered by a stream of
 * replies flagged `moreToCome`, one per batch, ending with the batch that closes the cursor (id 0).
 * No driver here sends exhaust getMores, so this test speaks OP_MSG itself.
 */
import assert from "node:assert/strict";
import { BSON } from "bson";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";
import { encodeOpMsg, OpMsgFlag, parseOpMsg } from "../../src/wire/mod.ts";

async function readFrame(conn: Deno.Conn): Promise<Uint8Array> {
  const head = new Uint8Array(4);
  let got = 0;
  while (got < 4) got += (await conn.read(head.subarray(got))) ?? 0;
  const len = new DataView(head.buffer).getInt32(0, true);
  const frame = new Uint8Array(len);
  frame.set(head);
  while (got < len) {
    const n = await conn.read(frame.subarray(got));
    if (n === null) throw new Error("connection closed mid-frame");
    got += n;
  }
  return frame;
}

Deno.test({
  name: "getMore with exhaustAllowed streams every remaining batch with moreToCome",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ logLevel: "WARNING" });
    const client = new MongoClient(server.uri);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      await client.db("x").collection<{ _id: number }>("c").insertMany(
        Array.from({ length: 1000 }, (_, i) => ({ _id: i })),
      );
      let requestId = 1;
      const send = (body: Record<string, unknown>, flagBits = 0) =>
        conn.write(encodeOpMsg({ requestId: requestId++, body: BSON.serialize(body), flagBits }));
      await send({ find: "c", batchSize: 100, $db: "x" });
      const first = parseOpMsg(await readFrame(conn)).body["cursor"] as { id: bigint; firstBatch: unknown[] };
      assert.equal(first.firstBatch.length, 100);
      await send({ getMore: first.id, collection: "c", batchSize: 100, $db: "x" }, OpMsgFlag.exhaustAllowed);
      let n = first.firstBatch.length;
      let replies = 0;
      for (;;) {
        const reply = parseOpMsg(await readFrame(conn));
        replies++;
        const cursor = reply.body["cursor"] as { id: { toString(): string }; nextBatch: unknown[] };
        n += cursor.nextBatch.length;
        if (!reply.moreToCome) {
          assert.equal(cursor.id.toString(), "0");
          break;
        }
      }
      assert.equal(n, 1000);
      // Nine full batches; the cursor may learn it is exhausted only on one more (empty) batch.
      assert.ok(replies === 9 || replies === 10, `replies from one getMore: ${replies}`);
    } finally {
      conn.close();
      await client.close();
      await server.stop();
    }
  },
});
