/**
 * A raw OP_MSG `{ping: 1, $db: "admin"}` over TCP, for start-up timing: no driver (the Node driver's own
 * connect and handshake would dominate a millisecond figure), one request, the reply read whole.
 */
const PING_BODY = new Uint8Array([
  // {ping: 1 (int32), $db: "admin"}
  ...[30, 0, 0, 0],
  ...[0x10, 0x70, 0x69, 0x6e, 0x67, 0, 1, 0, 0, 0],
  ...[0x02, 0x24, 0x64, 0x62, 0, 6, 0, 0, 0, 0x61, 0x64, 0x6d, 0x69, 0x6e, 0],
  0,
]);

/** The whole OP_MSG frame of a ping (requestID 1). */
export function pingFrame(): Uint8Array {
  const frame = new Uint8Array(21 + PING_BODY.length);
  const v = new DataView(frame.buffer);
  v.setInt32(0, frame.length, true);
  v.setInt32(4, 1, true);
  v.setInt32(12, 2013, true);
  frame.set(PING_BODY, 21);
  return frame;
}

/** Sends one ping on a new connection and resolves when the whole reply has arrived; rejects if refused. */
export async function pingOnce(port: number, hostname = "127.0.0.1"): Promise<void> {
  const conn = await Deno.connect({ hostname, port });
  try {
    await conn.write(pingFrame());
    const buf = new Uint8Array(4096);
    let have = 0;
    while (have < 4 || have < new DataView(buf.buffer).getInt32(0, true)) {
      const n = await conn.read(buf.subarray(have));
      if (n === null) throw new Error("connection closed before the reply");
      have += n;
    }
  } finally {
    conn.close();
  }
}

/**
 * Pings until one succeeds (retrying refused connections every `everyMs`), or throws after `timeoutMs` or
 * once `stop()` returns true (e.g. the server process exited).
 */
export async function waitForPing(
  port: number,
  timeoutMs = 30_000,
  everyMs = 1,
  stop: () => boolean = () => false,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    try {
      await pingOnce(port);
      return;
    } catch (e) {
      if (performance.now() > end || stop()) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** A TCP port that was free a moment ago (bind 0, read, close). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}
