/** The connection layer counts wire traffic into the injected TrafficCounters (serverStatus `network`). */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON } from "bson";
import { encodeOpMsg } from "../wire/mod.ts";
import { FrameReader } from "./frame_reader.ts";
import { startListener, type TrafficCounters } from "./mod.ts";

Deno.test("every request counts its bytes and one request; every reply its bytes", async () => {
  const traffic: TrafficCounters = { bytesIn: 0, bytesOut: 0, numRequests: 0 };
  const srv = await startListener({
    hostname: "127.0.0.1",
    port: 0,
    maxConnections: 10,
    handler: () => Promise.resolve({ ok: 1 }),
    log: () => {},
    traffic,
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: srv.port });
  try {
    const reader = new FrameReader(conn);
    let sent = 0;
    let received = 0;
    for (let i = 1; i <= 2; i++) {
      const bytes = encodeOpMsg({
        requestId: i,
        flagBits: 0,
        body: BSON.serialize({ ping: 1, $db: "admin" }),
      });
      await conn.write(bytes);
      sent += bytes.length;
      const reply = await reader.next();
      received += reply?.length ?? 0;
    }
    assertEquals(traffic, { bytesIn: sent, bytesOut: received, numRequests: 2 });
  } finally {
    conn.close();
    await srv.close();
  }
});
