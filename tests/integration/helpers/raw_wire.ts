/**
 * Raw-socket helpers for the transport robustness tests (shim_hostile_test.ts, shim_protocol_test.ts):
 * OP_MSG frames with a chosen request id and flags, a reader that returns whole reply frames in order
 * from one connection (pipelined replies), and bounded waits for "the server closed this socket".
 */
import { BSON } from "bson";
import { encodeOpMsg } from "../../../src/wire/mod.ts";

/**
 * An OP_MSG request frame for `body` (a document, or its bytes as they are; flagBits: 2 moreToCome, 1 << 16 exhaustAllowed); `sequence`: the body's
 * array field of that name sent as a document sequence (a kind-1 section) instead, as PyMongo sends writes.
 */
export function msg(
  body: Record<string, unknown> | Uint8Array,
  requestId: number,
  flagBits = 0,
  sequence?: string,
): Uint8Array {
  if (body instanceof Uint8Array) return encodeOpMsg({ body, requestId, flagBits });
  if (sequence === undefined) return encodeOpMsg({ body: BSON.serialize(body), requestId, flagBits });
  const { [sequence]: docs, ...rest } = body;
  const documents = (docs as Record<string, unknown>[]).map((d) => BSON.serialize(d));
  return encodeOpMsg({
    body: BSON.serialize(rest),
    requestId,
    flagBits,
    sequences: [{ identifier: sequence, documents }],
  });
}

/** A bare 16-byte header announcing `length` bytes (an OP_MSG opcode), nothing after it. */
export function header(length: number, requestId = 1): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  dv.setInt32(0, length, true);
  dv.setInt32(4, requestId, true);
  dv.setInt32(12, 2013, true);
  return h;
}

export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let o = 0;
  while (o < bytes.length) o += await conn.write(bytes.subarray(o));
}

/** The parts of a reply frame a test checks. */
export interface Reply {
  readonly length: number;
  readonly responseTo: number;
  readonly opCode: number;
  /** OP_MSG flag bits (2 = moreToCome); 0 for other opcodes. */
  readonly flags: number;
  readonly frame: Uint8Array;
}

/** The body document of an OP_MSG reply frame. */
export function body(r: Reply): Record<string, unknown> {
  return BSON.deserialize(r.frame.subarray(21));
}

/** Whole reply frames from one connection, in order; every read is bounded. */
export class FrameStream {
  #buf = new Uint8Array(1 << 16);
  #start = 0;
  #end = 0;
  #eof = false;
  constructor(readonly conn: Deno.Conn) {}

  /** The next whole frame; null at EOF or reset (or "timeout" when `ms` passed first). */
  async next(ms = 10_000): Promise<Reply | null | "timeout"> {
    const deadline = Date.now() + ms;
    for (;;) {
      const have = this.#end - this.#start;
      if (have >= 4) {
        const dv = new DataView(this.#buf.buffer, this.#start);
        const len = dv.getInt32(0, true);
        if (have >= len) {
          const frame = this.#buf.slice(this.#start, this.#start + len);
          this.#start += len;
          const fv = new DataView(frame.buffer);
          const opCode = fv.getInt32(12, true);
          return {
            length: len,
            responseTo: fv.getInt32(8, true),
            opCode,
            flags: opCode === 2013 ? fv.getUint32(16, true) : 0,
            frame,
          };
        }
        if (len > this.#buf.length - this.#start) this.#grow(len);
      }
      if (this.#eof) return null;
      if (this.#end === this.#buf.length) this.#grow(this.#buf.length * 2);
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      const n = await readWithin(this.conn, this.#buf.subarray(this.#end), left);
      if (n === "timeout") return "timeout";
      if (n === null) {
        this.#eof = true;
        continue;
      }
      this.#end += n;
    }
  }

  #grow(need: number): void {
    const have = this.#end - this.#start;
    const next = new Uint8Array(Math.max(need, have * 2, 1 << 16));
    next.set(this.#buf.subarray(this.#start, this.#end));
    this.#buf = next;
    this.#start = 0;
    this.#end = have;
  }
}

/** One read bounded by `ms`: bytes read, null at EOF or reset, "timeout". */
export async function readWithin(
  conn: Deno.Conn,
  into: Uint8Array,
  ms: number,
): Promise<number | null | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), ms));
  const r = await Promise.race([conn.read(into).catch(() => null), t]);
  clearTimeout(timer);
  return r;
}

/** Reads and discards until the server closes the socket: true, or false when `ms` passed first. */
export async function closedWithin(conn: Deno.Conn, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  const b = new Uint8Array(1 << 16);
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const n = await readWithin(conn, b, left);
    if (n === null) return true;
    if (n === "timeout") return false;
  }
}

export function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* closed */ }
}

/** Open file descriptors of a process (Linux /proc): a leak check after connection storms. */
export function openFds(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A raw connection to 127.0.0.1:`port` whose `ask` sends one request (`body` as OP_MSG, its field `sequence`
 * as a document sequence when given) and returns its reply frame from the flag bits on (the 16-byte header
 * cut: request ids differ between runs).
 */
export async function rawConnection(
  port: number,
  waitMs = 5000,
): Promise<
  { ask(body: Record<string, unknown> | Uint8Array, sequence?: string): Promise<Uint8Array>; close(): void }
> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const frames = new FrameStream(conn);
  let id = 0;
  return {
    async ask(body, sequence) {
      await writeAll(conn, msg(body, ++id, 0, sequence));
      const r = await frames.next(waitMs);
      if (!r || r === "timeout") throw new Error(`request ${id}: no reply within ${waitMs} ms`);
      return r.frame.subarray(16);
    },
    close: () => closeQuietly(conn),
  };
}
