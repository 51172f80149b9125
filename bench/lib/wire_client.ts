/**
 * A minimal MongoDB wire client for benches: one connection, one OP_MSG outstanding, the request body
 * serialized with npm bson, the reply read whole (decoded only when asked). Costs a few µs per round
 * trip where the Node driver costs ~300 µs, so a bench's wall time is mostly the server's.
 */
import { BSON } from "bson";

export class WireClient {
  readonly #conn: Deno.TcpConn;
  #buf = new Uint8Array(1 << 16);
  #requestId = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async connect(port: number, hostname = "127.0.0.1"): Promise<WireClient> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new WireClient(conn);
  }

  /** Sends `body` (which names its `$db`) and returns the reply's raw frame. */
  async send(body: Record<string, unknown>): Promise<Uint8Array> {
    const doc = BSON.serialize(body);
    const frame = new Uint8Array(21 + doc.length);
    const v = new DataView(frame.buffer);
    v.setInt32(0, frame.length, true);
    v.setInt32(4, ++this.#requestId, true);
    v.setInt32(12, 2013, true);
    frame.set(doc, 21);
    let off = 0;
    while (off < frame.length) off += await this.#conn.write(frame.subarray(off));
    let have = 0;
    let need = 4;
    while (have < need) {
      const n = await this.#conn.read(this.#buf.subarray(have));
      if (n === null) throw new Error("connection closed before the reply");
      have += n;
      if (have >= 4) {
        need = new DataView(this.#buf.buffer).getInt32(0, true);
        if (need > this.#buf.length) {
          const bigger = new Uint8Array(need);
          bigger.set(this.#buf.subarray(0, have));
          this.#buf = bigger;
        }
      }
    }
    return this.#buf.subarray(0, need);
  }

  /** Sends `body` and returns the decoded reply document; throws unless it has `ok: 1`. */
  async command(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const frame = await this.send(body);
    const reply = BSON.deserialize(frame.subarray(21));
    if (reply.ok !== 1) throw new Error(`command failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  close(): void {
    this.#conn.close();
  }
}
