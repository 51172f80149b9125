/**
 * A minimal raw OP_MSG client for the fuzzer: one TCP connection, one request at a time, every wait
 * bounded. Raw frames (not npm:mongodb) so the body goes out exactly as generated — no implicit
 * session, no driver-side validation — and the reply comes back as the server wrote it.
 */
import { BSON } from "bson";
import { encodeDoc } from "./encode.ts";

export type Outcome =
  | { readonly kind: "reply"; readonly reply: Record<string, unknown>; readonly ms: number }
  | { readonly kind: "timeout"; readonly ms: number }
  | { readonly kind: "closed"; readonly ms: number }
  /** A reply frame whose body npm:bson cannot decode (the server sent bad BSON). */
  | { readonly kind: "unreadable"; readonly error: string; readonly ms: number };

function frame(body: Uint8Array, requestId: number): Uint8Array {
  const len = 16 + 4 + 1 + body.length;
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, len, true);
  dv.setInt32(4, requestId, true);
  dv.setInt32(8, 0, true);
  dv.setInt32(12, 2013, true);
  dv.setUint32(16, 0, true);
  out[20] = 0;
  out.set(body, 21);
  return out;
}

export class RawClient {
  #buf = new Uint8Array(0);
  #id = 0;
  #dead = false;
  private constructor(readonly conn: Deno.Conn) {}

  static async connect(port: number, ms = 5000): Promise<RawClient> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const t = new Promise<never>((_, rej) => timer = setTimeout(() => rej(new Error("connect timeout")), ms));
    try {
      return new RawClient(await Promise.race([Deno.connect({ hostname: "127.0.0.1", port }), t]));
    } finally {
      clearTimeout(timer);
    }
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Sends `body` to `db` (its `$db` is set unless the body has one) and waits up to `ms` for the reply. */
  async ask(db: string, body: Record<string, unknown>, ms: number): Promise<Outcome> {
    const start = performance.now();
    const bytes = encodeDoc("$db" in body ? body : { ...body, $db: db });
    try {
      const f = frame(bytes, ++this.#id);
      let o = 0;
      while (o < f.length) o += await this.conn.write(f.subarray(o));
    } catch {
      this.#dead = true;
      return { kind: "closed", ms: performance.now() - start };
    }
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.#buf.length >= 4) {
        const len = new DataView(this.#buf.buffer, this.#buf.byteOffset).getInt32(0, true);
        if (this.#buf.length >= len) {
          const f = this.#buf.subarray(0, len);
          this.#buf = this.#buf.slice(len);
          const responseTo = new DataView(f.buffer, f.byteOffset).getInt32(8, true);
          if (responseTo !== this.#id) continue; // a stale reply of a request that timed out
          let reply: Record<string, unknown>;
          try {
            reply = BSON.deserialize(f.subarray(21), { promoteValues: true });
          } catch (e) {
            return { kind: "unreadable", error: String(e), ms: performance.now() - start };
          }
          return { kind: "reply", reply, ms: performance.now() - start };
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return { kind: "timeout", ms: performance.now() - start };
      const chunk = new Uint8Array(1 << 16);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left));
      const n = await Promise.race([this.conn.read(chunk).catch(() => null), t]);
      clearTimeout(timer);
      if (n === "timeout") return { kind: "timeout", ms: performance.now() - start };
      if (n === null) {
        this.#dead = true;
        return { kind: "closed", ms: performance.now() - start };
      }
      const next = new Uint8Array(this.#buf.length + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.length);
      this.#buf = next;
    }
  }

  close(): void {
    this.#dead = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}
